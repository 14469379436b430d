import { expect, test } from '@playwright/test';
import { DEMO, signInByApi, snap } from './helpers.ts';

// One viewport each by nature (tags @phone / @desktop select the Playwright project, see
// playwright.config.ts): the burger exists only in the phone layout, the fixed sidebar only on a laptop.
test(
  'on a phone the navigation lives behind the burger and closes after choosing a section',
  {
    tag: '@phone',
  },
  async ({ page }, testInfo) => {
    await signInByApi(page, DEMO.admin);
    await expect(page.getByTestId('welcome-card')).toBeVisible();
    const burger = page.getByTestId('nav-burger');
    await expect(burger).toBeVisible();
    await expect(page.getByTestId('nav-teams')).not.toBeInViewport();
    await snap(page, testInfo, 'home');

    await burger.click();
    await expect(burger).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByTestId('nav-home')).toBeInViewport();
    await snap(page, testInfo, 'nav-open');
    // The sections are more than a phone screen holds: the open navigation scrolls to the later ones.
    await page.getByTestId('nav-teams').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('nav-teams')).toBeInViewport();

    await page.getByTestId('nav-teams').click();
    await expect(page).toHaveURL(/\/admin\/teams$/);
    await expect(page.getByRole('heading', { name: 'Teams', level: 1 })).toBeVisible();
    await expect(page.getByTestId('nav-teams')).not.toBeInViewport();
    await expect(burger).toHaveAttribute('aria-expanded', 'false');
    await snap(page, testInfo, 'teams');

    await burger.click();
    await page.getByTestId('nav-profile').scrollIntoViewIfNeeded();
    await page.getByTestId('nav-profile').click();
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible();
  },
);

test('on a desktop the sidebar is always visible and there is no burger', { tag: '@desktop' }, async ({
  page,
}) => {
  await signInByApi(page, DEMO.admin);
  await expect(page.getByTestId('nav-teams')).toBeVisible();
  await expect(page.getByTestId('nav-burger')).toBeHidden();
});
