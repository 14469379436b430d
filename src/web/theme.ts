import { Combobox, type CSSVariablesResolver, createTheme, Modal, Notification } from '@mantine/core';

/**
 * Shade 8 of blue for filled controls and darker "dimmed"/"error" text keep white-on-colour and
 * grey-on-white text above WCAG AA contrast (Mantine's defaults fall just under it).
 */
export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'md',
  cursorType: 'pointer',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji"',
  headings: { fontWeight: '650' },
  components: {
    // Icon-only close buttons need a name for screen readers.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } }),
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } },
    }),
    // A <header> inside a dialog reads as a second page banner to assistive tech; a div does not.
    ModalHeader: { defaultProps: { component: 'div' } },
    // Select and autocomplete dropdowns are placed as fixed boxes, which never widen the page. Placed
    // absolutely (Mantine's default), one appearing past the right edge of a phone widened the page's
    // layout viewport, was placed again, the page narrowed, and so on: a select in a dialog (new
    // user, new team) flickered on a phone and could not be tapped.
    Combobox: Combobox.extend({ defaultProps: { floatingStrategy: 'fixed' } }),
  },
});

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-9)',
    '--mantine-color-anchor': 'var(--mantine-color-blue-9)',
  },
  dark: {},
});
