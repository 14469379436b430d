import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { apiJson } from './crm-helpers.ts';
import { ARTIFACTS_DIR, DEMO, signInByApi } from './helpers.ts';

const lists = ['accounts', 'contacts', 'deals', 'activities'] as const;
const PAGE_SIZE = 50;

/** Whether the page is no wider than the screen (nothing to scroll sideways). */
function fitsTheScreen(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

test('CRM lists are cards on a phone and tables on a laptop, with the same rows, filters, export and "load more"', async ({
  page,
  isMobile,
}, testInfo) => {
  await signInByApi(page, DEMO.admin);
  for (const list of lists) {
    await test.step(list, async () => {
      const first = await apiJson<{ items: { id: string }[]; total: { value: number } }>(
        page,
        `/api/crm/${list}?limit=${PAGE_SIZE}`,
      );
      await page.goto(`/crm/${list}`);
      const cards = page.getByTestId(`${list}-cards`);
      const table = page.getByTestId(`${list}-table`);
      const shown = Math.min(PAGE_SIZE, first.total.value);
      expect(shown).toBeGreaterThan(0);
      await expect(page.getByTestId('export-menu')).toBeVisible();
      if (!isMobile) {
        await expect(table.locator('tbody tr')).toHaveCount(shown);
        await expect(cards).toHaveCount(0);
        return;
      }
      await expect(cards.getByTestId('list-card')).toHaveCount(shown);
      await expect(table).toHaveCount(0);
      expect(await fitsTheScreen(page)).toBe(true);
      if (list === 'accounts') {
        // What a rep sees first (the screen, not the whole list of cards).
        mkdirSync(ARTIFACTS_DIR, { recursive: true });
        await page.screenshot({
          path: join(ARTIFACTS_DIR, `${testInfo.project.name}-crm-accounts-cards.png`),
        });
      }
      // The filters sit behind one button on a phone, as they did above the table.
      await expect(page.getByRole('button', { name: 'Filters' })).toBeVisible();
      if (first.total.value > PAGE_SIZE) {
        await page.getByTestId('load-more').tap();
        await expect(cards.getByTestId('list-card')).toHaveCount(Math.min(2 * PAGE_SIZE, first.total.value));
        expect(await fitsTheScreen(page)).toBe(true);
      }
    });
  }
});

// Phone only (@phone, see playwright.config.ts): cards are the phone layout; a laptop shows a table.
test('on a phone a tap anywhere on an account card opens the account; filters narrow the cards', {
  tag: '@phone',
}, async ({ page }) => {
  await signInByApi(page, DEMO.admin, '/crm/accounts');
  const cards = page.getByTestId('accounts-cards').getByTestId('list-card');
  await expect(cards.first()).toBeVisible();

  // Filter by tier: only tier A cards remain, and the export carries the filter.
  await page.getByRole('button', { name: 'Filters' }).tap();
  await page.getByRole('combobox', { name: 'Tier' }).click();
  // Dispatched rather than tapped: on a busy machine the dropdown may still be animating into place.
  await page.getByRole('option', { name: 'A', exact: true }).dispatchEvent('click');
  const tierA = await apiJson<{ total: { value: number } }>(page, '/api/crm/accounts?tier=A&limit=50');
  await expect(cards).toHaveCount(Math.min(50, tierA.total.value));
  for (const badge of await cards.getByText(/^Tier [ABC]$/).allTextContents()) expect(badge).toBe('Tier A');
  await page.keyboard.press('Escape');
  await page.getByTestId('export-menu').tap();
  await expect(page.getByTestId('export-csv')).toHaveAttribute('href', /tier=A/);
  await page.keyboard.press('Escape');

  const card = cards.first();
  const name = (await card.getByRole('link').first().textContent()) ?? '';
  expect(name).not.toBe('');
  // Not on the name itself: near the card's bottom-left corner, on its dimmed lines.
  const box = (await card.boundingBox())!;
  await card.tap({ position: { x: 12, y: box.height - 10 } });
  await expect(page).toHaveURL(/\/crm\/accounts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
});
