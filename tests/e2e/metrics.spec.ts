import { expect, type Page, test } from '@playwright/test';
import { DEMO, expectNoSeriousA11yViolations, signInByApi, snap } from './helpers.ts';

/**
 * KPI screens on the demo org (six months of CRM history): a rep's dashboard, a manager's team
 * grid, the drill-down from a number to the records behind it, and the leaderboard.
 */
test('a rep sees their numbers against target, a trend and where they stand', async ({ page }, testInfo) => {
  await signInByApi(page, DEMO.rep, '/kpis/me');
  await expect(page.getByRole('heading', { name: 'My numbers', level: 1 })).toBeVisible();
  const revenue = page.getByTestId('kpi-revenue_won');
  await expect(revenue.getByTestId('kpi-value-revenue_won')).toBeVisible();
  await expect(page.getByTestId('kpi-visits').getByTestId('kpi-value-visits')).toBeVisible();
  await expect(page.getByTestId('standing-card')).toContainText(/#\d+ of \d+/);
  // Six months of history: the trend has something to draw.
  await expect(page.getByTestId('trend-card').locator('.recharts-surface').first()).toBeVisible();
  await snap(page, testInfo, 'kpi-rep-dashboard');
  await expectNoSeriousA11yViolations(page);
  // A past number shows how it was computed too: last period's visits open that period's records.
  const past = page.getByTestId('kpi-previous-visits');
  const [label, count] = ((await past.textContent()) ?? '').split(':') as [string, string];
  const pastVisits = Number(count.replace(/[^\d]/g, ''));
  await past.click();
  const drawer = page.getByTestId('how-computed');
  await expect(drawer).toContainText(label.trim());
  await expect(drawer).toContainText(`Records (${pastVisits})`);
});

test('a number drills down to the records behind it, and they add up to it', async ({ page }, testInfo) => {
  await signInByApi(page, DEMO.rep, '/kpis/me');
  // The previous month is complete, so the visit count is not zero for an active rep.
  const previous = page.getByRole('combobox', { name: 'Period' });
  await expect(page.getByTestId('kpi-value-visits')).toBeVisible();
  await previous.click();
  await page.getByRole('option', { name: /Previous/ }).click();
  const value = page.getByTestId('kpi-value-visits');
  await expect(value).toBeVisible();
  const shown = Number(((await value.textContent()) ?? '').replace(/[^\d]/g, ''));
  expect(shown).toBeGreaterThan(0);
  await value.click();
  const drawer = page.getByTestId('how-computed');
  await expect(drawer).toBeVisible();
  await expect(drawer).toContainText('Definition');
  await expect(drawer).toContainText('Number of visits logged in the period.');
  await expect(drawer).toContainText('Kind: visit');
  await expect(drawer).toContainText(`Records (${shown})`);
  // Page through every record: as many rows as the number says.
  const rows = drawer.getByTestId('record-row');
  const more = drawer.getByRole('button', { name: 'Load more' });
  for (;;) {
    if (!(await more.isVisible())) break;
    const before = await rows.count();
    await more.click();
    // Wait for the page to arrive before looking for the button again (it stays while loading).
    await expect.poll(async () => (await rows.count()) > before || !(await more.isVisible())).toBe(true);
  }
  await expect(rows).toHaveCount(shown);
  await snap(page, testInfo, 'kpi-drill-down');
  await expectNoSeriousA11yViolations(page);
});

test('a manager’s team grid shows each rep × key KPIs, sorts and drills down', async ({ page }, testInfo) => {
  await signInByApi(page, DEMO.manager, '/kpis/team');
  await expect(page.getByRole('heading', { name: 'Team grid', level: 1 })).toBeVisible();
  const grid = page.getByTestId('team-grid');
  await expect(grid.getByTestId('grid-row').first()).toBeVisible();
  const rows = await grid.getByTestId('grid-row').count();
  expect(rows).toBeGreaterThan(1);
  await expect(grid.locator('thead')).toContainText('Revenue won');
  await expect(grid.locator('thead')).toContainText('Visits');
  // Sort by revenue won, highest first: the column reads in descending order.
  await page.getByTestId('sort-revenue_won').click();
  await expect(grid.locator('th[aria-sort="descending"]')).toContainText('Revenue won');
  const amounts = await grid
    .getByTestId('cell-revenue_won')
    .allTextContents()
    .then((texts) => texts.map((t) => Number(t.replace(/[^\d.]/g, '')) || 0));
  expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
  await snap(page, testInfo, 'kpi-team-grid');
  await expectNoSeriousA11yViolations(page);
  await grid.getByTestId('cell-revenue_won').first().click();
  const drawer = page.getByTestId('how-computed');
  await expect(drawer).toContainText('Deals won in');
  await expect(drawer).toContainText('Definition');
});

test('the leaderboard ranks the team with movement; peers show their rank only', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.rep, '/kpis/leaderboard');
  await expect(page.getByRole('heading', { name: 'Leaderboard', level: 1 })).toBeVisible();
  const board = page.getByTestId('leaderboard');
  await expect(board.getByTestId('leaderboard-row').first()).toBeVisible();
  await expect(board.locator('[data-me="true"]')).toHaveCount(1);
  // The demo org shares ranks, not numbers: peers' rows carry no values.
  await expect(board.getByText('Rank only').first()).toBeVisible();
  await expect(board.locator('tbody')).toContainText(/Up from|Down from|Same|New/);
  await page.locator('label', { hasText: 'Organization' }).click();
  await expect(page.getByRole('radio', { name: 'Organization' })).toBeChecked();
  await expect(board.getByTestId('leaderboard-row').first()).toBeVisible();
  await snap(page, testInfo, 'kpi-leaderboard');
  await expectNoSeriousA11yViolations(page);
});

/** The next answer of a metrics endpoint for `period` (undefined: the request without a period, the current one). */
function metricsAnswer(page: Page, path: string, period: string | undefined) {
  return page.waitForResponse((r) => {
    const url = new URL(r.url());
    return url.pathname === path && (url.searchParams.get('period') ?? undefined) === period && r.ok();
  });
}

interface PeriodAnswer {
  period: { key: string; label: string };
  previousPeriod: { key: string; label: string };
}

test('the period picker steps back to any period; the label and the request follow', async ({
  page,
}, testInfo) => {
  const path = '/api/metrics/leaderboard';
  const current = metricsAnswer(page, path, undefined);
  await signInByApi(page, DEMO.rep, '/kpis/leaderboard');
  const r0 = (await (await current).json()) as PeriodAnswer;
  const select = page.getByRole('combobox', { name: 'Period' });
  const back = page.getByRole('button', { name: 'Previous month' });
  const next = page.getByRole('button', { name: 'Next month' });
  const now = page.getByRole('button', { name: 'Current month' });
  await expect(select).toHaveValue(`${r0.period.label} · Current`);
  await expect(next).toBeDisabled();
  await expect(now).toBeDisabled();
  // Two steps back: each asks for the period before the one shown, and shows its label.
  const one = metricsAnswer(page, path, r0.previousPeriod.key);
  await back.click();
  const r1 = (await (await one).json()) as PeriodAnswer;
  await expect(select).toHaveValue(`${r1.period.label} · Previous`);
  await expect(page.getByTestId('leaderboard').getByTestId('leaderboard-row').first()).toBeVisible();
  const two = metricsAnswer(page, path, r1.previousPeriod.key);
  await back.click();
  const r2 = (await (await two).json()) as PeriodAnswer;
  expect(r2.period.key).toBe(r1.previousPeriod.key);
  await expect(select).toHaveValue(r2.period.label);
  await expect(page.getByRole('heading', { name: 'Leaderboard', level: 1 }).locator('..')).toContainText(
    `Revenue won · ${r2.period.label}`,
  );
  await expect(page.getByTestId('leaderboard').locator('thead')).toContainText(
    `Since ${r2.previousPeriod.label}`,
  );
  await expect(next).toBeEnabled();
  await snap(page, testInfo, 'kpi-period-picker');
  await expectNoSeriousA11yViolations(page);
  // Forward one, then straight back to the current period.
  await next.click();
  await expect(select).toHaveValue(`${r1.period.label} · Previous`);
  await now.click();
  await expect(select).toHaveValue(`${r0.period.label} · Current`);
  await expect(next).toBeDisabled();
  // Any period from the list: the same month last year.
  await select.click();
  const lastYear = page.getByRole('option').nth(12);
  const lastYearLabel = ((await lastYear.textContent()) ?? '').trim();
  expect(lastYearLabel).toMatch(/^[A-Z][a-z]{2} \d{4}$/);
  await lastYear.click();
  await expect(select).toHaveValue(lastYearLabel);
  await expect(page.getByRole('heading', { name: 'Leaderboard', level: 1 }).locator('..')).toContainText(
    lastYearLabel,
  );
  // The same year on the quarter scale: the quarter that month falls in.
  await page.locator('label', { hasText: 'Quarter' }).click();
  await expect(select).toHaveValue(/^Q[1-4] FY\d{4}$/);
  await expect(page.getByRole('button', { name: 'Next quarter' })).toBeEnabled();
});

test('a manager opens a rep’s leaderboard value and sees the records that add up to it', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.manager, '/kpis/leaderboard');
  await page.getByRole('combobox', { name: 'Metric' }).click();
  await page.getByRole('option', { name: 'Visits', exact: true }).click();
  // The previous month is complete: the team's reps have visits to count.
  await page.getByRole('button', { name: 'Previous month' }).click();
  const board = page.getByTestId('leaderboard');
  await expect(board.locator('thead')).toContainText('Visits');
  // Every rep of the manager's team shows a value that opens; no row is rank only.
  const values = board.getByTestId('leaderboard-value');
  await expect(values.first()).toBeVisible();
  await expect(board.getByText('Rank only')).toHaveCount(0);
  const texts = await values.allTextContents();
  const counts = texts.map((t) => Number(t.replace(/[^\d]/g, '')));
  const index = counts.findIndex((n) => n > 0);
  expect(index).toBeGreaterThanOrEqual(0);
  const shown = counts[index]!;
  // The rows with an opening value, in the same order as the values.
  const row = board
    .getByTestId('leaderboard-row')
    .filter({ has: page.getByTestId('leaderboard-value') })
    .nth(index);
  const name = ((await row.locator('td').nth(1).textContent()) ?? '').trim();
  await values.nth(index).click();
  const drawer = page.getByTestId('how-computed');
  await expect(drawer).toBeVisible();
  await expect(drawer).toContainText(`Visits · ${name}`);
  await expect(drawer).toContainText(`Records (${shown})`);
  const rows = drawer.getByTestId('record-row');
  const more = drawer.getByRole('button', { name: 'Load more' });
  for (;;) {
    if (!(await more.isVisible())) break;
    const before = await rows.count();
    await more.click();
    await expect.poll(async () => (await rows.count()) > before || !(await more.isVisible())).toBe(true);
  }
  await expect(rows).toHaveCount(shown);
  await snap(page, testInfo, 'kpi-leaderboard-drill-down');
});
