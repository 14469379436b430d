import { expect, test } from '@playwright/test';
import { setupServerUrl, snap } from './helpers.ts';

test('first-run setup on an empty database creates the org and its admin and lands in the shell', async ({
  page,
}, testInfo) => {
  const base = setupServerUrl();
  await page.goto(`${base}/`);
  await expect(page).toHaveURL(`${base}/setup`);
  await expect(page.getByRole('heading', { name: 'Set up Outfield' })).toBeVisible();
  await snap(page, testInfo, 'setup');

  await page.getByLabel(/^Organisation name/).fill('Fjord Field Sales');
  await page.getByRole('combobox', { name: 'Currency' }).fill('EUR');
  await page.getByRole('option', { name: /^EUR/ }).click();
  await page.getByRole('combobox', { name: 'Fiscal year starts in' }).click();
  await page.getByRole('option', { name: 'April' }).click();
  await page.getByRole('combobox', { name: 'Time zone' }).fill('Europe/Oslo');
  await page.getByRole('option', { name: 'Europe/Oslo' }).click();
  await page.getByLabel(/^Your name/).fill('Frida Founder');
  await page.getByLabel(/^Your email/).fill('frida@fjord.example');
  await page.getByLabel(/^Password/).fill('short');
  await page.getByLabel(/^Confirm password/).fill('short');
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page.getByText('Use at least 10 characters')).toBeVisible();

  await page.getByLabel(/^Password/).fill('a long enough password');
  await page.getByLabel(/^Confirm password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Create organisation' }).click();

  await expect(page).toHaveURL(`${base}/`);
  await expect(page.getByTestId('welcome-card')).toContainText('Frida');
  await expect(page.getByTestId('welcome-role')).toHaveText('Admin');
  await expect(page.getByTestId('org-name')).toHaveText('Fjord Field Sales');
  await expect(page.getByTestId('org-card')).toContainText('EUR');
  await expect(page.getByTestId('org-card')).toContainText('April');
  await expect(page.getByTestId('org-card')).toContainText('Europe/Oslo');
  await expect(page.getByTestId('nav-settings')).toBeVisible();
  await snap(page, testInfo, 'setup-done-home');

  // The org now exists: setup is closed and says so.
  const setup = await page.request.get(`${base}/api/setup`);
  expect(await setup.json()).toEqual({ needed: false });
  await page.goto(`${base}/setup`);
  await expect(page.getByRole('heading', { name: 'Already set up' })).toBeVisible();
});
