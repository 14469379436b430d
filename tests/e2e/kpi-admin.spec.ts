import { expect, test } from '@playwright/test';
import {
  DEMO,
  demoPasswordFromLog,
  expectNoSeriousA11yViolations,
  signInByApi,
  snap,
  unique,
} from './helpers.ts';

/**
 * The KPI admin screens on a laptop: editing the target grid and a CSV upload refused for a bad
 * row; a custom metric built in the builder from the org's own kinds and the territories its
 * accounts have (the server's check of a mistyped territory shown under the field) that then ranks
 * people on the leaderboard; a playbook written, published and acknowledged by a rep.
 */
test('a manager edits the target grid, and a CSV with a bad row stores nothing and names the problems', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.manager, '/kpis/targets');
  await expect(page.getByRole('heading', { name: 'Targets', level: 1 })).toBeVisible();
  const grid = page.getByTestId('target-grid');
  await expect(grid.getByTestId('target-row')).toHaveCount(6);
  // Next month: open, and the demo's targets stop at the current one.
  const period = page.getByRole('combobox', { name: 'Period' });
  await period.click();
  await page.getByRole('option').nth(3).click();
  const cell = grid.getByTestId('target-row').first().getByTestId('target-user-visits');
  await cell.fill('4.5');
  await expect(grid).toContainText('Must be a whole number');
  await expect(page.getByTestId('save-targets')).toBeDisabled();
  await cell.fill('42');
  await expect(page.getByTestId('save-targets')).toHaveText('Save 1 change');
  await page.getByTestId('save-targets').click();
  await expect(page.getByText(/Targets saved: 1 added/)).toBeVisible();
  await page.reload();
  await page.getByRole('combobox', { name: 'Period' }).click();
  await page.getByRole('option').nth(3).click();
  await expect(
    page.getByTestId('target-grid').getByTestId('target-row').first().getByTestId('target-user-visits'),
  ).toHaveValue('42');
  await snap(page, testInfo, 'kpi-targets');
  await expectNoSeriousA11yViolations(page);

  const csv = page.getByTestId('targets-csv');
  await csv
    .getByTestId('targets-csv-text')
    .fill(
      'email,metric,period,amount\nrep2@northwind.example,visits,2030-01,30\nnobody@northwind.example,visits,2030-13,abc\n',
    );
  await csv.getByTestId('targets-csv-upload').click();
  await expect(csv.getByTestId('targets-csv-error')).toContainText('nothing was stored');
  const problems = csv.getByTestId('targets-csv-problems');
  await expect(problems).toContainText('email');
  await expect(problems).toContainText('period');
  await expect(problems).toContainText('amount');
  await expect(problems.locator('tbody tr').first()).toContainText('3');
  await expectNoSeriousA11yViolations(page);
  // Fixed: the good row alone goes through.
  await csv
    .getByTestId('targets-csv-text')
    .fill('email,metric,period,amount\nrep2@northwind.example,visits,2030-01,30\n');
  await csv.getByTestId('targets-csv-upload').click();
  await expect(csv.getByTestId('targets-csv-result')).toContainText('Stored: 1 added');
});

test('an admin builds a custom metric from the org’s own vocabulary, sees the server’s check under the field, and it ranks on the leaderboard', async ({
  page,
}, testInfo) => {
  const key = unique(testInfo, 'calls')
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase()
    .slice(0, 40);
  // The demo org gets an activity kind of its own (both projects add the same one).
  const login = await page.request.post('/api/auth/login', {
    data: { email: DEMO.admin, password: demoPasswordFromLog() },
  });
  expect(login.status(), await login.text()).toBe(200);
  const headers = { 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
  const settings = (await (await page.request.get('/api/crm/settings')).json()) as {
    activityKinds: string[];
  };
  const kindsSaved = await page.request.patch('/api/crm/settings', {
    headers,
    data: { activityKinds: [...new Set([...settings.activityKinds, 'tasting'])] },
  });
  expect(kindsSaved.status(), await kindsSaved.text()).toBe(200);
  await page.goto('/admin/metrics');
  await expect(page.getByRole('heading', { name: 'Custom metrics', level: 1 })).toBeVisible();
  // The demo's own custom metrics are listed in words.
  await expect(page.getByTestId('custom-table')).toContainText('A-tier visit share');
  await expect(page.getByTestId('custom-table')).toContainText('A-tier visits divided by Visits');
  await page.getByTestId('new-custom-metric').click();
  const form = page.getByTestId('custom-metric-form');
  await form.getByLabel('Name').fill(`Calls ${key}`);
  await form.getByLabel('Key').fill(key);
  await form.getByLabel('Description').fill('Calls made in the period in North Side.');
  // Kinds are the org's: the built-in ones and its own.
  const kinds = form.getByRole('combobox', { name: 'Kinds' });
  await kinds.click();
  await expect(page.getByRole('option', { name: 'tasting', exact: true })).toBeVisible();
  await page.getByRole('option', { name: 'call', exact: true }).click();
  await kinds.press('Tab');
  // A territory no account has: the server refuses it and names the closest ones, under the field.
  const territories = form.getByRole('combobox', { name: 'Territories' });
  await territories.fill('Nroth');
  await territories.press('Enter');
  await form.getByRole('button', { name: 'Create metric' }).click();
  await expect(form).toContainText(
    /No account has the territory "Nroth"; closest existing: North (Side|Shore), North (Side|Shore), /,
  );
  await snap(page, testInfo, 'kpi-custom-metric-error');
  await expectNoSeriousA11yViolations(page);
  await territories.press('Backspace');
  // The territories accounts have are suggested.
  await territories.fill('North S');
  await page.getByRole('option', { name: 'North Side', exact: true }).click();
  await expect(page.getByTestId('custom-words')).toContainText(
    'Number of call activities in the period, in North Side.',
  );
  await form.getByRole('button', { name: 'Create metric' }).click();
  await expect(page.getByTestId('custom-table')).toContainText(`Calls ${key}`);

  await page.goto('/kpis/leaderboard');
  await page.getByRole('combobox', { name: 'Metric' }).click();
  await page.getByRole('option', { name: `Calls ${key}` }).click();
  await page.locator('label', { hasText: 'Organization' }).click();
  await expect(page.getByTestId('metric-definition')).toContainText(
    'Calls made in the period in North Side.',
  );
  await expect(page.getByTestId('leaderboard').getByTestId('leaderboard-row').first()).toBeVisible();
});

test('an admin publishes a playbook and a rep reads it and acknowledges it', async ({
  browser,
}, testInfo) => {
  const name = unique(testInfo, 'Playbook');
  const admin = await browser.newPage();
  await signInByApi(admin, DEMO.admin, '/playbooks');
  await admin.getByTestId('new-playbook').click();
  await admin.getByLabel('Name').fill(name);
  await admin.getByRole('button', { name: 'Create draft' }).click();
  await expect(admin.getByRole('heading', { name, level: 1 })).toBeVisible();
  await admin.getByTestId('tab-draft').click();
  const editor = admin.getByTestId('playbook-editor');
  await editor.getByTestId('responsibility-input').first().fill('Call every new lead within a day');
  await editor.getByRole('button', { name: 'Add a target' }).click();
  await editor.getByLabel('Target 1 amount (USD)').fill('15000');
  await editor.getByTestId('save-draft').click();
  await expect(admin.getByText('Draft saved')).toBeVisible();
  await editor.getByTestId('publish').click();
  await expect(admin.getByText(/Version 1 published/)).toBeVisible();
  await admin.getByRole('tab', { name: 'Acknowledgements' }).click();
  await expect(admin.getByTestId('ack-pending')).toContainText('Taylor Brooks');
  await snap(admin, testInfo, 'kpi-playbook-admin');
  await expectNoSeriousA11yViolations(admin);
  await admin.close();

  const rep = await browser.newPage();
  await signInByApi(rep, 'rep6@northwind.example', '/playbooks');
  const card = rep.getByTestId('playbook-card').filter({ hasText: name });
  await expect(card).toContainText('Please acknowledge');
  await card.getByRole('link', { name }).click();
  await expect(rep.getByTestId('playbook-document')).toContainText('Call every new lead within a day');
  await expect(rep.getByTestId('playbook-document')).toContainText('Revenue won: $15,000.00 per month');
  await rep.getByTestId('acknowledge').click();
  await expect(rep.getByTestId('acknowledge-panel')).toHaveCount(0);
  await rep.goto('/playbooks');
  await expect(rep.getByTestId('playbook-card').filter({ hasText: name })).toContainText('Acknowledged v1');
  await rep.close();
});
