import { expect, test } from '@playwright/test';
import { findRichAccount } from './crm-helpers.ts';
import { DEMO, signInByApi, snap, unique } from './helpers.ts';

// Requests this file intercepts with page.route must not go through the service worker: once the
// app's worker controls the page (it installs during the first visit and claims the page), Chromium
// hands the page's fetches to it and page.route no longer sees them (a board move meant to be
// refused reached the real server). The offline specs are where the worker is tested.
test.use({ serviceWorkers: 'block' });

test('an account page shows its contacts, deals, timeline and a map without fetching tiles', async ({
  page,
  isMobile,
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
  // Cards on a phone, tables on a laptop.
  const layout = isMobile ? 'cards' : 'table';
  await expect(page.getByTestId('account-contacts').getByTestId(`contacts-${layout}`)).toBeVisible();
  await expect(page.getByTestId('account-deals').getByTestId(`deals-${layout}`)).toBeVisible();
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
}) => {
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

test('a new account form shows the server field errors under their fields, then creates the account', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.rep, '/crm/accounts');
  await page.getByRole('button', { name: 'New account' }).click();
  const form = page.getByRole('form', { name: 'New account' });
  const name = unique(testInfo, 'Created');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Latitude').fill('95');
  await form.getByLabel('Longitude').fill('-87.6');
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(form.getByText('Must be between -90 and 90')).toBeVisible();
  await expect(form.getByLabel('Latitude')).toHaveAttribute('aria-invalid', 'true');

  await form.getByLabel('Latitude').fill('41.9');
  await form.getByLabel('Longitude').fill('');
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(form.getByText('Give latitude and longitude together')).toBeVisible();
  await expect(form.getByLabel('Longitude')).toHaveAttribute('aria-invalid', 'true');

  await form.getByLabel('Longitude').fill('-87.65');
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByTestId('map-coordinates')).toHaveText('41.90000, -87.65000');
  await expect(page.getByTestId('account-contacts').getByTestId('list-empty')).toHaveText('No contacts yet.');

  // A note's Markdown is rendered; its raw HTML and javascript: link are not.
  const notes = page.getByTestId('account-notes');
  await notes
    .getByLabel('New note')
    .fill(
      '**Met the buyer.** See [price list](https://example.com/prices) and [this](javascript:alert(1)) <b id="raw">raw</b>',
    );
  await notes.getByRole('button', { name: 'Add note' }).click();
  const note = notes.getByTestId('note');
  await expect(note.locator('strong')).toHaveText('Met the buyer.');
  await expect(note.getByRole('link', { name: 'price list' })).toHaveAttribute(
    'href',
    'https://example.com/prices',
  );
  await expect(note.locator('a[href^="javascript"]')).toHaveCount(0);
  await expect(note.locator('#raw')).toHaveCount(0);

  // Logging a call: the server's "required" error shows under Subject, then the call is on the timeline.
  await page.getByTestId('account-timeline').getByRole('button', { name: 'Log activity' }).click();
  const log = page.getByRole('form', { name: 'Log activity' });
  await log.getByRole('button', { name: 'Log activity' }).click();
  await expect(log.getByLabel('Subject')).toHaveAttribute('aria-invalid', 'true');
  await log.getByLabel('Subject').fill('Called about the spring order');
  await log.getByLabel('Duration (minutes)').fill('15');
  await log.getByRole('button', { name: 'Log activity' }).click();
  const item = page.getByTestId('account-timeline').getByTestId('timeline-item').first();
  await expect(item).toContainText('Called about the spring order');
  await expect(item).toContainText('15 min');
});
