import { expect, test } from '@playwright/test';
import { DEMO, expectNoSeriousA11yViolations, signInByApi, snap } from './helpers.ts';

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

const SIGNED_IN_PAGES: [path: string, title: string][] = [
  ['/admin/settings', 'Organisation settings'],
  ['/admin/users', 'Users'],
  ['/admin/teams', 'Teams'],
  ['/admin/audit', 'Audit log'],
  ['/profile', 'Profile'],
  ['/team', 'Team'],
];

for (const [path, title] of SIGNED_IN_PAGES) {
  test(`the ${title} page has no serious accessibility violations`, async ({ page, isMobile }, testInfo) => {
    test.skip(isMobile, 'admin screens are laptop-first; checked on desktop');
    await signInByApi(page, DEMO.admin, path);
    await expect(page.getByRole('heading', { name: title, level: 1 })).toBeVisible();
    await page.waitForLoadState('networkidle');
    await expectNoSeriousA11yViolations(page);
    await snap(page, testInfo, path.replaceAll('/', '-').replace(/^-/, ''));
  });
}
