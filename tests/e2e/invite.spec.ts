import { expect, test } from '@playwright/test';
import { DEMO, expectNoSeriousA11yViolations, signInByApi, snap, unique } from './helpers.ts';

test('an admin invites a user who accepts the link in a fresh browser and lands signed in', async ({
  page,
  browser,
  baseURL,
  viewport,
  isMobile,
  hasTouch,
}, testInfo) => {
  test.setTimeout(120_000);
  const email = `${unique(testInfo, 'invitee')}@northwind.example`;
  await signInByApi(page, DEMO.admin, '/admin/users');
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await expect(page.getByTestId('user-row').first()).toBeVisible();
  await snap(page, testInfo, 'users');

  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite someone' });
  await dialog.getByLabel(/^Email/).fill(email);
  await dialog.getByRole('combobox', { name: 'Role' }).click();
  await page.getByRole('option', { name: 'Rep' }).click();
  await dialog.getByRole('button', { name: 'Create invitation' }).click();
  const link = dialog.getByTestId('invite-url');
  await expect(link).toHaveValue(/\/invite\/.+/);
  const url = await link.inputValue();
  await snap(page, testInfo, 'invite-link');
  if (!isMobile) await expectNoSeriousA11yViolations(page);
  await dialog.getByRole('button', { name: 'Done' }).click();

  await page.getByRole('tab', { name: /Invitations/ }).click();
  await expect(page.getByTestId('invitation-row').filter({ hasText: email })).toContainText('pending');

  // The invitee opens the link in a browser that has never seen Outfield.
  const invitee = await browser.newContext({ baseURL, viewport, isMobile, hasTouch });
  try {
    const invitePage = await invitee.newPage();
    await invitePage.goto(url);
    await expect(invitePage.getByRole('heading', { name: /^Join Northwind/ })).toBeVisible();
    await expect(invitePage.getByTestId('invitation-details')).toContainText(email);
    await expect(invitePage.getByTestId('invitation-details')).toContainText('Rep');
    await snap(invitePage, testInfo, 'invitation');
    await invitePage.getByLabel(/^Your name/).fill('Ina Invitee');
    await invitePage.getByLabel(/^Choose a password/).fill('invited and trusted');
    await invitePage.getByLabel(/^Confirm password/).fill('invited and trusted');
    await invitePage.getByRole('button', { name: /^Join/ }).click();

    await expect(invitePage).toHaveURL(/\/$/);
    await expect(invitePage.getByTestId('welcome-card')).toContainText('Ina');
    await expect(invitePage.getByTestId('welcome-role')).toHaveText('Rep');
    const me = await invitePage.request.get('/api/me');
    expect((await me.json()).user.email).toBe(email);

    // A used link does not work twice.
    await invitePage.goto(url);
    await expect(invitePage.getByRole('heading', { name: 'Invitation unavailable' })).toBeVisible();
  } finally {
    await invitee.close();
  }

  await page.reload();
  await page.getByRole('tab', { name: /Invitations/ }).click();
  await expect(page.getByTestId('invitation-row').filter({ hasText: email })).toHaveCount(0);
  await page.getByRole('tab', { name: /People/ }).click();
  await page.getByRole('searchbox', { name: 'Search' }).fill(email);
  await expect(page.getByTestId('user-row')).toHaveCount(1);
  await expect(page.getByTestId('user-row')).toContainText('Ina Invitee');
});
