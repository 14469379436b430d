import { expect, test } from '@playwright/test';
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
