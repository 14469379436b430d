import { type APIRequestContext, expect, test } from '@playwright/test';
import { DEMO, expectNoSeriousA11yViolations, signInByApi, snap } from './helpers.ts';

/**
 * The strike-rate card on Administration → Settings: an admin changes the window and adds an order
 * outcome, the choice survives a reload, and a window out of range is refused under its field
 * without being sent. Org-wide settings on a shared demo server: only the desktop project runs it,
 * no other spec asserts on strike rate, and the saved settings are put back in a finally block.
 */
interface StrikeSettings {
  strikeWindowDays: number;
  orderOutcomes: string[];
}

async function csrf(request: APIRequestContext): Promise<Record<string, string>> {
  const me = await request.get('/api/me');
  expect(me.status()).toBe(200);
  return { 'x-csrf-token': ((await me.json()) as { csrfToken: string }).csrfToken };
}

async function strikeSettings(request: APIRequestContext): Promise<StrikeSettings> {
  const body = (await (await request.get('/api/metrics/settings')).json()) as StrikeSettings;
  return { strikeWindowDays: body.strikeWindowDays, orderOutcomes: body.orderOutcomes };
}

test(
  'an admin sets the strike window and an order outcome; both are kept, and a bad window is refused under its field',
  { tag: '@desktop' },
  async ({ page }, testInfo) => {
    await signInByApi(page, DEMO.admin, '/admin/settings');
    const before = await strikeSettings(page.request);
    const card = page.getByTestId('strike-settings');
    const windowInput = card.getByLabel('Strike window (days)');
    const outcomes = card.getByLabel('Order outcomes');
    const save = card.getByTestId('strike-save');
    const days = before.strikeWindowDays === 45 ? 46 : 45;
    const outcome = 'Signed order form (e2e)';
    try {
      await expect(windowInput).toHaveValue(String(before.strikeWindowDays));
      await expect(save).toBeDisabled();

      // Out of range: refused in the form, nothing sent.
      await windowInput.fill('400');
      await save.click();
      await expect(card.getByText('Enter a whole number of days from 1 to 365')).toBeVisible();
      expect((await strikeSettings(page.request)).strikeWindowDays).toBe(before.strikeWindowDays);

      await windowInput.fill(String(days));
      await outcomes.fill(outcome);
      await outcomes.press('Enter');
      await save.click();
      await expect(page.getByText('Strike-rate settings saved')).toBeVisible();
      expect(await strikeSettings(page.request)).toEqual({
        strikeWindowDays: days,
        orderOutcomes: [...before.orderOutcomes, outcome],
      });

      await page.reload();
      await expect(windowInput).toHaveValue(String(days));
      await expect(card.getByText(outcome, { exact: true })).toBeVisible();
      await expect(save).toBeDisabled();
      await snap(page, testInfo, 'kpi-strike-settings');
      await expectNoSeriousA11yViolations(page);
    } finally {
      const res = await page.request.patch('/api/metrics/settings', {
        data: before,
        headers: await csrf(page.request),
      });
      expect(res.status(), await res.text()).toBe(200);
    }
  },
);

test(
  'an admin sets the meeting window for meetings from outreach; it is kept, shown in the definition, and a bad window is refused',
  { tag: '@desktop' },
  async ({ page }, testInfo) => {
    await signInByApi(page, DEMO.admin, '/admin/settings');
    const read = async () =>
      ((await (await page.request.get('/api/metrics/settings')).json()) as { meetingWindowDays: number })
        .meetingWindowDays;
    const before = await read();
    const card = page.getByTestId('outreach-settings');
    const windowInput = card.getByLabel('Meeting window (days)');
    const save = card.getByTestId('outreach-save');
    const days = before === 21 ? 22 : 21;
    try {
      await expect(windowInput).toHaveValue(String(before));
      await expect(save).toBeDisabled();

      await windowInput.fill('0');
      await save.click();
      await expect(card.getByText('Enter a whole number of days from 1 to 365')).toBeVisible();
      expect(await read()).toBe(before);

      await windowInput.fill(String(days));
      await save.click();
      await expect(page.getByText('Outreach settings saved')).toBeVisible();
      expect(await read()).toBe(days);
      const catalog = (await (await page.request.get('/api/metrics/catalog')).json()) as {
        items: { key: string; definition: string }[];
      };
      expect(catalog.items.find((m) => m.key === 'meetings_from_outreach')?.definition).toContain(
        `within ${days} days`,
      );

      await page.reload();
      await expect(windowInput).toHaveValue(String(days));
      await expect(save).toBeDisabled();
      await card.scrollIntoViewIfNeeded();
      await snap(page, testInfo, 'kpi-outreach-settings');
    } finally {
      const res = await page.request.patch('/api/metrics/settings', {
        data: { meetingWindowDays: before },
        headers: await csrf(page.request),
      });
      expect(res.status(), await res.text()).toBe(200);
    }
  },
);
