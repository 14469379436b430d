import { expect, test } from '@playwright/test';
import { DEMO, expectNoSeriousA11yViolations, openNavigation, signInByApi, snap } from './helpers.ts';

test('the sign-in page has no serious accessibility violations', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
});

test('the home page has no serious accessibility violations', async ({ page }) => {
  await signInByApi(page, DEMO.manager);
  await expect(page.getByTestId('welcome-card')).toBeVisible();
  await expectNoSeriousA11yViolations(page);
});

/** [navigation link, page heading, screenshot name] */
const ADMIN_PAGES: [link: string, heading: string, shot: string][] = [
  ['Settings', 'Organisation settings', 'admin-settings'],
  ['Teams', 'Teams', 'admin-teams'],
  ['Audit log', 'Audit log', 'admin-audit'],
  ['Profile', 'Profile', 'profile'],
];

test('the admin screens and the profile have no serious accessibility violations', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  await signInByApi(page, DEMO.admin);
  for (const [link, heading, shot] of ADMIN_PAGES) {
    await test.step(heading, async () => {
      await (await openNavigation(page)).getByRole('link', { name: link, exact: true }).click();
      await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
      await page.waitForLoadState('networkidle');
      await expectNoSeriousA11yViolations(page);
      await snap(page, testInfo, shot);
    });
  }
});

/** [navigation link, page heading, screenshot name] of the CRM. */
const CRM_PAGES: [link: string, heading: string, shot: string][] = [
  ['Accounts', 'Accounts', 'crm-accounts'],
  ['Contacts', 'Contacts', 'crm-contacts'],
  ['Deals', 'Deals', 'crm-deals'],
  ['Deal board', 'Deal board', 'crm-board'],
  ['Activities', 'Activities', 'crm-activities'],
  ['Import', 'Import', 'crm-import'],
];

test('the CRM screens have no serious accessibility violations', async ({ page, isMobile }, testInfo) => {
  test.setTimeout(150_000);
  await signInByApi(page, DEMO.rep);
  await test.step('home with the visit panel', async () => {
    await expect(page.getByTestId('visit-candidate').first()).toBeVisible();
    await expectNoSeriousA11yViolations(page);
  });
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  for (const [link, heading, shot] of CRM_PAGES) {
    await test.step(heading, async () => {
      if (isMobile) await page.getByTestId('nav-burger').click();
      await nav.getByRole('link', { name: link, exact: true }).click();
      await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
      await page.waitForLoadState('networkidle');
      await expect(page.locator('.mantine-Loader-root')).toHaveCount(0);
      if (isMobile && link === 'Accounts') {
        // On a phone the filters other than search fold behind one button.
        await expect(page.getByLabel('Tier').first()).toBeHidden();
        await page.getByRole('button', { name: 'Filters' }).click();
        await expect(page.getByLabel('Tier').first()).toBeVisible();
      }
      await expectNoSeriousA11yViolations(page);
      await snap(page, testInfo, shot);
    });
  }
  await test.step('account page', async () => {
    await page.goto('/crm/accounts');
    // A table on a laptop, cards on a phone.
    await page
      .getByTestId(/^accounts-(table|cards)$/)
      .getByRole('link')
      .first()
      .click();
    await expect(page.getByTestId('account-timeline')).toBeVisible();
    await page.waitForLoadState('networkidle');
    await expectNoSeriousA11yViolations(page);
  });
});
