import { expect, test } from '@playwright/test';
import { findRichAccount } from './crm-helpers.ts';
import { DEMO, signInByApi, snap } from './helpers.ts';

test('an account page shows its contacts, deals, timeline and a map without fetching tiles', async ({
  page,
}, testInfo) => {
  const origin = process.env.E2E_DEMO_URL ?? '';
  const outside: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !/^(data|blob):/.test(url)) outside.push(url);
  });
  await signInByApi(page, DEMO.rep);
  const account = await findRichAccount(page);
  outside.length = 0;
  await page.goto(`/crm/accounts/${account.id}`);
  await expect(page.getByRole('heading', { name: account.name, level: 1 })).toBeVisible();
  await expect(page.getByTestId('account-contacts').getByTestId('contacts-table')).toBeVisible();
  await expect(page.getByTestId('account-deals').getByTestId('deals-table')).toBeVisible();
  await expect(page.getByTestId('account-timeline').getByTestId('timeline-item').first()).toBeVisible();
  const map = page.getByTestId('account-map');
  await expect(map).toHaveAttribute('data-map-mode', 'plain');
  await expect(map.getByTestId('map-coordinates')).toHaveText(
    `${account.latitude!.toFixed(5)}, ${account.longitude!.toFixed(5)}`,
  );
  await page.waitForLoadState('networkidle');
  expect(outside).toEqual([]);
  await snap(page, testInfo, 'crm-account');
});

test('with a tile source configured the account map is a Leaflet map loading tiles from it', async ({
  page,
  isMobile,
}) => {
  test.skip(isMobile, 'the map itself is the same on a phone; checked on desktop');
  await signInByApi(page, DEMO.rep);
  const account = await findRichAccount(page);
  // Stand in for a server started with MAP_TILE_URL=/test-tiles/{z}/{x}/{y}.png: same origin, no network.
  await page.route('**/api/config', (route) =>
    route.fulfill({ json: { map: { tileUrl: '/test-tiles/{z}/{x}/{y}.png', attribution: 'Test tiles' } } }),
  );
  const tiles: string[] = [];
  await page.route('**/test-tiles/**', (route) => {
    tiles.push(route.request().url());
    return route.fulfill({
      contentType: 'image/png',
      body: Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        'base64',
      ),
    });
  });
  await page.goto(`/crm/accounts/${account.id}`);
  const map = page.getByTestId('account-map');
  await expect(map).toHaveAttribute('data-map-mode', 'tiles');
  await expect(map.locator('.leaflet-container')).toBeVisible();
  await expect(map.locator('.leaflet-control-attribution')).toContainText('Test tiles');
  await expect.poll(() => tiles.length).toBeGreaterThan(0);
  expect(tiles.every((url) => /\/test-tiles\/15\/\d+\/\d+\.png$/.test(url))).toBe(true);
});
