import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations, signInByApi, snap } from './helpers.ts';

/**
 * The org view on a laptop: a director sees every team beneath theirs, nested, against targets,
 * with attainment bars; a team's number breaks down into its people's, and a person's number opens
 * the records behind it; a team's name opens its team grid.
 */
test('a director sees the teams beneath theirs and drills from an org number to the records', async ({
  page,
}, testInfo) => {
  await signInByApi(page, 'director@northwind.example', '/kpis/org');
  await expect(page.getByRole('heading', { name: 'Org view', level: 1 })).toBeVisible();
  const table = page.getByTestId('org-table');
  await expect(table.getByTestId('org-row')).toHaveCount(3);
  await expect(table.getByTestId('org-row').nth(0)).toContainText('Field Sales');
  await expect(table.getByTestId('org-row').nth(1)).toContainText('North Territory');
  await expect(table.getByTestId('org-row').nth(2)).toContainText('South Territory');
  // Demo reps have monthly revenue targets: every team has one (the sum beneath it).
  await expect(table.getByTestId('org-row').nth(0)).toContainText(/of \$[\d,]+/);
  await expect(table.getByTestId('org-row').nth(0)).toContainText('of revenue target');
  const chart = page.getByTestId('org-chart');
  await expect(chart.locator('.recharts-surface').first()).toBeVisible();
  await expect(chart.locator('.recharts-bar-rectangle')).toHaveCount(3);
  await expect(page.getByTestId('org-chart-summary')).toContainText('North Territory:');
  await snap(page, testInfo, 'kpi-org-view');
  await expectNoSeriousA11yViolations(page);

  // Previous month: complete, so North has revenue to break down.
  await page.getByRole('combobox', { name: 'Period' }).click();
  await page.getByRole('option', { name: /Previous/ }).click();
  const north = table.getByTestId('org-row').nth(1);
  const teamNumber = north.getByTestId('org-cell-revenue_won');
  await expect(teamNumber).toHaveText(/\$[\d,]+/);
  const teamTotal = Number(((await teamNumber.textContent()) ?? '').replace(/[^\d.]/g, ''));
  await teamNumber.click();
  const breakdown = page.getByTestId('org-breakdown');
  await expect(breakdown).toContainText('sum of its people');
  const values = breakdown.getByTestId('breakdown-value');
  await expect(values).toHaveCount(6);
  const people = (await values.allTextContents()).map((t) => Number(t.replace(/[^\d.]/g, '')) || 0);
  // The people add up to the team (to the cent).
  expect(Math.round(people.reduce((s, v) => s + v, 0) * 100)).toBe(Math.round(teamTotal * 100));
  const someone = people.findIndex((v) => v > 0);
  expect(someone).toBeGreaterThanOrEqual(0);
  await values.nth(someone).click();
  const how = page.getByTestId('how-computed');
  await expect(how).toBeVisible();
  await expect(how).toContainText('Deals won in');
  await expect(how.getByTestId('record-row').first()).toBeVisible();
  await snap(page, testInfo, 'kpi-org-drill-down');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  // A team's name opens the team grid of that team only.
  await north.getByRole('link', { name: /North Territory/ }).click();
  await expect(page).toHaveURL(/\/kpis\/team\?team=/);
  await expect(page.getByTestId('grid-team-filter')).toContainText('Showing North Territory');
  await expect(page.getByTestId('team-grid').getByTestId('grid-row')).toHaveCount(6);
});
