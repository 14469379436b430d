import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { DEMO, expectNoSeriousA11yViolations, signInByApi, snap } from './helpers.ts';

/**
 * Peer visibility on Administration → Settings: an admin gives one metric its own visibility and
 * changes the default, the choice survives a reload, and a rep's answers follow it.
 *
 * The settings are org-wide and every spec shares one demo server, so: only the desktop project
 * saves (the phone checks the layout and saves nothing); the metrics changed here are ones no other
 * spec asserts on (deals won, calls); and before the default changes, every other metric without a
 * setting of its own is pinned to the current default, so that changing the default alters nothing
 * another spec could see. Everything is put back at the end.
 */
const SHOWN = { key: 'deals_won', name: 'Deals won' };
const DEFAULTED = { key: 'calls', name: 'Calls' };

type Visibility = 'none' | 'ranks' | 'values';
interface Settings {
  defaultVisibility: Visibility;
  visibility: Record<string, Visibility>;
}

async function csrf(request: APIRequestContext): Promise<Record<string, string>> {
  const me = await request.get('/api/me');
  expect(me.status()).toBe(200);
  return { 'x-csrf-token': ((await me.json()) as { csrfToken: string }).csrfToken };
}

async function patchSettings(request: APIRequestContext, body: unknown): Promise<Settings> {
  const res = await request.patch('/api/metrics/settings', { data: body, headers: await csrf(request) });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as Settings;
}

async function settingsOf(request: APIRequestContext): Promise<Settings> {
  return (await (await request.get('/api/metrics/settings')).json()) as Settings;
}

/** The rows a user gets for a metric in their team (this month). */
async function teamRows(page: Page, metric: string) {
  const res = await page.request.get(`/api/metrics/values?metric=${metric}&kind=month&scope=team`);
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as {
    visibility: Visibility;
    rows: { user: { id: string }; view: 'value' | 'rank'; value: number | null; rank: number | null }[];
  };
  return body;
}

test(
  'an admin shows one metric’s values to peers and hides the rest by default; it is kept, and a rep sees exactly that',
  // Org-wide settings on a shared server: one project changes them (the phone test below only looks).
  { tag: '@desktop' },
  async ({ page, browser }, testInfo) => {
    await signInByApi(page, DEMO.admin, '/admin/settings');
    const before = await settingsOf(page.request);
    const catalog = (
      (await (await page.request.get('/api/metrics/catalog')).json()) as {
        items: { key: string }[];
      }
    ).items.map((m) => m.key);
    // Pinned to what they follow now: changing the default below changes nothing for them.
    const pinned = catalog.filter(
      (k) => k !== SHOWN.key && k !== DEFAULTED.key && before.visibility[k] === undefined,
    );
    await patchSettings(page.request, {
      visibility: Object.fromEntries(pinned.map((k) => [k, before.defaultVisibility])),
    });
    const rep = await browser.newPage();
    try {
      await page.reload();
      const card = page.getByTestId('visibility-settings');
      await expect(card.getByRole('heading', { name: 'Peer visibility' })).toBeVisible();
      await expect(card).toContainText('Managers always see the numbers of the reps under them');
      await expect(card).toContainText('What a manager sees about a rep, that rep sees too');
      const shown = card.getByTestId(`visibility-metric-${SHOWN.key}`);
      const defaulted = card.getByTestId(`visibility-metric-${DEFAULTED.key}`);
      await expect(defaulted).toHaveValue(/^Default \(/);
      const save = card.getByTestId('save-visibility');
      await expect(save).toBeDisabled();

      await shown.click();
      await page.getByRole('option', { name: 'Values', exact: true }).click();
      await expect(shown).toHaveValue('Values');
      await card.getByRole('radio', { name: 'Nothing' }).check();
      // The metrics on "Default" say what the default now is.
      await expect(defaulted).toHaveValue('Default (Nothing)');
      await expect(save).toHaveText('Save 2 changes');
      // Only what changed goes to the server.
      const sent = page.waitForRequest(
        (r) => r.url().endsWith('/api/metrics/settings') && r.method() === 'PATCH',
      );
      await save.click();
      expect((await sent).postDataJSON()).toEqual({
        defaultVisibility: 'none',
        visibility: { [SHOWN.key]: 'values' },
      });
      await expect(page.getByText('Peer visibility saved')).toBeVisible();
      await expect(save).toHaveText('No changes');

      await page.reload();
      await expect(shown).toHaveValue('Values');
      await expect(card.getByRole('radio', { name: 'Nothing' })).toBeChecked();
      await expect(defaulted).toHaveValue('Default (Nothing)');
      await snap(page, testInfo, 'kpi-peer-visibility');
      await expectNoSeriousA11yViolations(page);

      // A rep: every teammate's deals won with its number; calls (on the default, nothing) only their own.
      await signInByApi(rep, DEMO.rep, '/kpis/leaderboard');
      const dealsWon = await teamRows(rep, SHOWN.key);
      expect(dealsWon.visibility).toBe('values');
      expect(dealsWon.rows.length).toBeGreaterThan(1);
      for (const row of dealsWon.rows) {
        expect(row.view).toBe('value');
        expect(row.value).not.toBeNull();
      }
      const calls = await teamRows(rep, DEFAULTED.key);
      expect(calls.visibility).toBe('none');
      expect(calls.rows).toHaveLength(1);
      // And on the leaderboard screen: peers with their numbers, no "Rank only".
      await rep.getByRole('combobox', { name: 'Metric' }).click();
      await rep.getByRole('option', { name: SHOWN.name, exact: true }).click();
      const board = rep.getByTestId('leaderboard');
      await expect(board.getByTestId('leaderboard-row').nth(1)).toBeVisible();
      await expect(board).not.toContainText('Rank only');
      await snap(rep, testInfo, 'kpi-peer-visibility-rep-leaderboard');
    } finally {
      await rep.close();
      // Back to exactly what it was, in one write.
      const restore: Record<string, Visibility | null> = {};
      for (const k of [...pinned, SHOWN.key, DEFAULTED.key]) restore[k] = before.visibility[k] ?? null;
      await patchSettings(page.request, { defaultVisibility: before.defaultVisibility, visibility: restore });
    }
    const after = await settingsOf(page.request);
    expect(after.defaultVisibility).toBe(before.defaultVisibility);
    expect(after.visibility).toEqual(before.visibility);
  },
);

test(
  'the peer visibility card fits a phone and counts changes before they are saved',
  // The laptop layout is covered by the saving test above; this one changes nothing on the server.
  { tag: '@phone' },
  async ({ page }, testInfo) => {
    await signInByApi(page, DEMO.admin, '/admin/settings');
    const card = page.getByTestId('visibility-settings');
    const save = card.getByTestId('save-visibility');
    await expect(save).toHaveText('No changes');
    const width = page.viewportSize()!.width;
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    const select = card.getByTestId(`visibility-metric-${SHOWN.key}`);
    await select.scrollIntoViewIfNeeded();
    const box = (await select.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    await select.click();
    const current = await select.inputValue();
    const other = current === 'Values' ? 'Nothing' : 'Values';
    await page.getByRole('option', { name: other, exact: true }).click();
    await expect(save).toHaveText('Save 1 change');
    await snap(page, testInfo, 'kpi-peer-visibility-phone');
    await card.getByRole('button', { name: 'Discard' }).click();
    await expect(save).toHaveText('No changes');
    await expect(select).toHaveValue(current);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  },
);
