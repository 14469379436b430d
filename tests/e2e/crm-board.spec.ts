import { expect, type Locator, type Page, test } from '@playwright/test';
import { apiJson } from './crm-helpers.ts';
import { DEMO, signInByApi, snap } from './helpers.ts';

// Requests this file intercepts with page.route must not go through the service worker: once the
// app's worker controls the page (it installs during the first visit and claims the page), Chromium
// hands the page's fetches to it and page.route no longer sees them (a board move meant to be
// refused reached the real server). The offline specs are where the worker is tested.
test.use({ serviceWorkers: 'block' });

interface BoardDeal {
  id: string;
  name: string;
  canEdit: boolean;
  stage: { id: string };
}
interface Board {
  columns: { stage: { id: string; name: string; kind: string }; deals: BoardDeal[] }[];
}

/** Drags with real pointer events: press on the handle, move in steps, release over the target. */
async function drag(page: Page, handle: Locator, target: Locator): Promise<void> {
  await handle.scrollIntoViewIfNeeded();
  const from = await handle.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) throw new Error('drag: element not visible');
  const startX = from.x + from.width / 2;
  const startY = from.y + from.height / 2;
  await page.mouse.move(startX, startY);
  await page.mouse.down();
  await page.mouse.move(startX + 12, startY + 12, { steps: 4 });
  await page.mouse.move(to.x + to.width / 2, to.y + Math.min(120, to.height / 2), { steps: 20 });
  await page.mouse.up();
}

/**
 * Two neighbouring open stages and a deal the rep may move in the first. The tests of this file run
 * in parallel, and the card-menu test in both projects against the same demo server, so each takes
 * a deal of its own: the drag test the newest movable deal of the column, the card-menu test the
 * oldest on desktop and the one before it on a phone (otherwise a phone run could look for a card
 * that a desktop run had just moved for real).
 */
async function pickMove(page: Page, which: 'newest' | 'oldest' | 'second-oldest') {
  const board = await apiJson<Board>(page, '/api/crm/deals/board');
  const open = board.columns.filter((column) => column.stage.kind === 'open');
  for (let i = 0; i + 1 < open.length; i += 1) {
    const movable = open[i]!.deals.filter((d) => d.canEdit);
    if (movable.length < 3) continue;
    const at = { newest: 0, oldest: movable.length - 1, 'second-oldest': movable.length - 2 }[which];
    return { deal: movable[at]!, from: open[i]!.stage, to: open[i + 1]!.stage };
  }
  throw new Error('No column with three movable deals on the demo board');
}

// Desktop only (@desktop, see playwright.config.ts): the board is dragged with a mouse on a laptop;
// a phone moves a card with its menu, the next test, which runs in both projects.
test(
  'dragging a deal card to another stage moves it, and the stage persists after a reload',
  {
    tag: '@desktop',
  },
  async ({ page }, testInfo) => {
    await signInByApi(page, DEMO.rep, '/crm/board');
    const { deal, from, to } = await pickMove(page, 'newest');
    await page.goto('/crm/board');
    const card = page.getByTestId(`deal-card-${deal.id}`);
    const source = page.getByTestId(`board-column-${from.id}`);
    const target = page.getByTestId(`board-column-${to.id}`);
    await expect(source.getByTestId(`deal-card-${deal.id}`)).toBeVisible();

    const patched = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/api/crm/deals/${deal.id}`),
    );
    await drag(page, card.getByTestId('drag-handle'), target);
    // Optimistic: the card is in the new column at once; then the server confirms.
    await expect(target.getByTestId(`deal-card-${deal.id}`)).toBeVisible();
    expect((await patched).status()).toBe(200);

    await page.reload();
    await expect(page.getByTestId(`board-column-${to.id}`).getByTestId(`deal-card-${deal.id}`)).toBeVisible();
    await expect(page.getByTestId(`board-column-${from.id}`).getByTestId(`deal-card-${deal.id}`)).toHaveCount(
      0,
    );
    const stored = await apiJson<{ stage: { id: string } }>(page, `/api/crm/deals/${deal.id}`);
    expect(stored.stage.id).toBe(to.id);
    await snap(page, testInfo, 'crm-board');
  },
);

test('a deal can be moved from its card menu, and a refused move puts the card back', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.rep, '/crm/board');
  const { deal, from, to } = await pickMove(
    page,
    testInfo.project.name === 'phone' ? 'second-oldest' : 'oldest',
  );
  await page.goto('/crm/board');
  const source = page.getByTestId(`board-column-${from.id}`);
  const target = page.getByTestId(`board-column-${to.id}`);

  // The server refuses this move: the card must come back to where it was.
  await page.route(`**/api/crm/deals/${deal.id}`, (route) =>
    route.request().method() === 'PATCH'
      ? route.fulfill({
          status: 409,
          json: { error: { code: 'conflict', message: 'The deal changed meanwhile', details: null } },
        })
      : route.fallback(),
  );
  const moveButton = page
    .getByTestId(`deal-card-${deal.id}`)
    .getByRole('button', { name: /to another stage$/ });
  await moveButton.click();
  await page.getByRole('menuitem', { name: to.name, exact: true }).click();
  await expect(page.getByText('The deal changed meanwhile')).toBeVisible();
  await expect(source.getByTestId(`deal-card-${deal.id}`)).toBeVisible();
  await expect(target.getByTestId(`deal-card-${deal.id}`)).toHaveCount(0);

  // Through the keyboard-reachable menu for real this time.
  await page.unroute(`**/api/crm/deals/${deal.id}`);
  await moveButton.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menuitem', { name: to.name, exact: true }).click();
  await expect(target.getByTestId(`deal-card-${deal.id}`)).toBeVisible();
  await expect
    .poll(async () => (await apiJson<{ stage: { id: string } }>(page, `/api/crm/deals/${deal.id}`)).stage.id)
    .toBe(to.id);
});
