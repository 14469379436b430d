import { expect, test } from '@playwright/test';
import { DEMO, openNavigation, signInByApi, snap, unique } from './helpers.ts';

test.describe('admin screens', () => {
  // Several screens and round trips per test: allow for a busy CI machine.
  test.describe.configure({ timeout: 120_000 });
  // Laptop-first, but an admin on the road must manage teams, users and tokens from a phone too:
  // these run in both projects.

  test('an admin builds a team under another, gives it a manager and puts a new user on it', async ({
    page,
  }, testInfo) => {
    const suffix = unique(testInfo, 't');
    const parent = `Region ${suffix}`;
    const child = `Squad ${suffix}`;
    const email = `${suffix}@northwind.example`;
    await signInByApi(page, DEMO.admin, '/admin/teams');

    for (const [name, under] of [
      [parent, null],
      [child, parent],
    ] as const) {
      await page.getByRole('button', { name: 'New team' }).click();
      const dialog = page.getByRole('dialog', { name: 'New team' });
      await dialog.getByLabel(/^Team name/).fill(name);
      if (under) {
        await dialog.getByRole('combobox', { name: 'Parent team' }).fill(under);
        await page.getByRole('option', { name: under, exact: true }).click();
      }
      await dialog.getByRole('button', { name: 'Create team' }).click();
      await expect(dialog).toBeHidden();
    }
    // The child is listed inside its parent's item.
    const parentItem = page.getByRole('listitem').filter({ has: page.getByText(parent, { exact: true }) });
    await expect(parentItem.getByText(child, { exact: true })).toBeVisible();

    await page.getByRole('button', { name: `Actions for ${child}` }).click();
    await page.getByRole('menuitem', { name: 'Set managers' }).click();
    const managers = page.getByRole('dialog', { name: `Managers of ${child}` });
    await managers.getByRole('combobox', { name: 'Managers' }).fill('Marco');
    await page.getByRole('option', { name: /Marco Manager/ }).click();
    await page.keyboard.press('Escape');
    await managers.getByRole('button', { name: 'Save managers' }).click();
    await expect(managers).toBeHidden();
    await expect(page.getByTestId('team-row').filter({ hasText: child })).toContainText('Marco Manager');

    await (await openNavigation(page)).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'New user', exact: true }).click();
    const create = page.getByRole('dialog', { name: 'New user' });
    await create.getByLabel(/^Name/).fill('Tess Teammate');
    await create.getByLabel(/^Email/).fill(email);
    await create.getByRole('combobox', { name: 'Team' }).fill(child);
    await page.getByRole('option', { name: new RegExp(child) }).click();
    await create.getByLabel(/^Initial password/).fill('welcome to the squad');
    await create.getByRole('button', { name: 'Create user' }).click();
    await expect(create).toBeHidden();

    await page.getByRole('searchbox', { name: 'Search' }).fill(email);
    const row = page.getByTestId('user-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(child);

    await row.getByRole('button', { name: 'Deactivate Tess Teammate' }).click();
    await page.getByTestId('confirm-button').click();
    await expect(row).toHaveCount(0);
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Deactivated' }).click();
    await expect(row).toContainText('Deactivated');
    await snap(page, testInfo, 'users-deactivated');
  });

  test('a user creates an API token, sees its secret once, and revokes it', async ({ page }, testInfo) => {
    await signInByApi(page, DEMO.rep, '/profile');
    const name = unique(testInfo, 'token');
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API token' });
    await dialog.getByLabel(/^Name/).fill(name);
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByTestId('token-secret');
    await expect(secret).toHaveValue(/^ofp_/);
    await snap(page, testInfo, 'token-secret');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect(secret).toBeHidden();

    const row = page.getByTestId('token-row').filter({ hasText: name });
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: `Revoke token ${name}` }).click();
    await page.getByTestId('confirm-button').click();
    await expect(row).toHaveCount(0);
  });
});
