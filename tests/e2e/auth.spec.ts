import { expect, test } from '@playwright/test';
import { DEMO, demoPasswordFromLog, openNavigation, signInByApi, snap } from './helpers.ts';

test('a demo user signs in with email and password, then signs out', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  await snap(page, testInfo, 'sign-in');

  await page.getByLabel('Email').fill(DEMO.admin);
  await page.getByLabel(/^Password/).fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('sign-in-error')).toContainText('not right');

  await page.getByLabel(/^Password/).fill(demoPasswordFromLog());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('welcome-card')).toBeVisible();
  await expect(page.getByTestId('welcome-role')).toHaveText('Admin');
  await expect(page.getByTestId('org-name')).toHaveText(/Northwind/);
  await snap(page, testInfo, 'home-admin');

  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  // The session is really gone: the app sends us back to sign in.
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/sign-in$/);
  const me = await page.request.get('/api/me');
  expect(me.status()).toBe(401);
});

test('the sign-in page sends the user back to the page they asked for', async ({ page }) => {
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByLabel('Email').fill(DEMO.rep);
  await page.getByLabel(/^Password/).fill(demoPasswordFromLog());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible();
});

test('each role sees only its sections in the navigation', async ({ page }) => {
  await signInByApi(page, DEMO.rep);
  await openNavigation(page);
  await expect(page.getByTestId('nav-home')).toBeVisible();
  await expect(page.getByTestId('nav-profile')).toBeVisible();
  await expect(page.getByTestId('nav-team')).toHaveCount(0);
  await expect(page.getByTestId('nav-users')).toHaveCount(0);
  await page.goto('/admin/users');
  await expect(page.getByRole('alert')).toContainText('No access');

  await page.context().clearCookies();
  await signInByApi(page, DEMO.manager);
  await openNavigation(page);
  await expect(page.getByTestId('nav-team')).toBeVisible();
  await expect(page.getByTestId('nav-settings')).toHaveCount(0);
  await page.getByTestId('nav-team').click();
  await expect(page.getByTestId('managed-team').first()).toBeVisible();
});
