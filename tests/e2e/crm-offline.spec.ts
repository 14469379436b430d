import { expect, type Page, test } from '@playwright/test';
import { apiJson, findRichAccount, myUserId } from './crm-helpers.ts';
import { demoPasswordFromLog, signInByApi, snap } from './helpers.ts';

interface Activity {
  id: string;
  kind: string;
  subject: string;
  outcome: string | null;
  source: string;
  account: { id: string; name: string } | null;
  checkIn: { at: string } | null;
  checkOut: { at: string } | null;
}

/** Signs in, opens Home and waits until the service worker controls the page (shell precached). */
async function openHomeWithServiceWorker(page: Page, email: string): Promise<void> {
  await signInByApi(page, email, '/');
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, {
    timeout: 30_000,
  });
  // The planned accounts are loaded (and kept on the device for offline use).
  await expect(page.getByTestId('visit-panel').getByTestId('visit-candidate').first()).toBeVisible();
}

/** Checks in at the `index`-th candidate, types the outcome, checks out; returns the account name. */
async function logVisit(page: Page, index: number, outcome: string): Promise<{ name: string; id: string }> {
  const panel = page.getByTestId('visit-panel');
  const candidate = panel.getByTestId('visit-candidate').nth(index);
  const name = ((await candidate.locator('p').first().textContent()) ?? '').trim();
  await candidate.getByRole('button', { name: /^Check in at / }).tap();
  await expect(panel.getByRole('heading', { name: `At ${name}` })).toBeVisible();
  const openVisit = await page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith('outfield.openVisit:')) return JSON.parse(localStorage.getItem(key) ?? '{}');
    }
    return null;
  });
  await panel.getByLabel('Outcome').fill(outcome);
  await panel.getByRole('button', { name: 'Check out' }).tap();
  await expect(panel.getByTestId('last-visit-queued')).toContainText(name);
  return { name, id: String(openVisit?.activityId) };
}

test('visits logged offline are kept on the phone and stored once when the connection returns', async ({
  page,
  context,
}, testInfo) => {
  expect(page.viewportSize()).toEqual({ width: 390, height: 844 });
  // A rep of its own, so the other visit tests running alongside do not reorder this rep's accounts.
  await openHomeWithServiceWorker(page, 'rep3@northwind.example');
  const ownerId = await myUserId(page);

  await context.setOffline(true);
  await page.reload();
  // The shell comes from the service worker, the session and accounts from the device.
  const panel = page.getByTestId('visit-panel');
  await expect(page.getByTestId('sync-status')).toHaveAccessibleName('Offline');
  await expect(panel.getByTestId('visit-candidate').first()).toBeVisible();

  const stamp = `${testInfo.workerIndex}-${Date.now()}`;
  const first = await logVisit(page, 0, `Offline visit one ${stamp}`);
  const second = await logVisit(page, 1, `Offline visit two ${stamp}`);
  expect(first.id).not.toBe(second.id);
  await expect(panel.getByTestId('outbox-pending')).toHaveCount(2);
  await expect(panel.getByTestId('outbox-pending').first()).toContainText('Waiting to sync');
  await expect(page.getByTestId('sync-status')).toHaveAccessibleName('Offline, 2 entries waiting to sync');
  await expect(page.getByTestId('sync-status')).toHaveText('2');
  // The indicator leaves room for the rest of the phone header.
  await expect(page.getByTestId('user-menu')).toBeInViewport({ ratio: 1 });
  await snap(page, testInfo, 'crm-offline-pending');

  // Nothing reached the server while offline.
  for (const visit of [first, second]) {
    const response = await page.request.get(`/api/crm/activities/${visit.id}`);
    expect(response.status()).toBe(404);
  }

  await context.setOffline(false);
  await expect(panel.getByTestId('outbox-pending')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('sync-status')).toHaveCount(0);

  const { items } = await apiJson<{ items: Activity[] }>(
    page,
    `/api/crm/activities?ownerId=${ownerId}&kind=visit&limit=100`,
  );
  for (const [visit, outcome] of [
    [first, `Offline visit one ${stamp}`],
    [second, `Offline visit two ${stamp}`],
  ] as const) {
    const stored = items.filter((a) => a.outcome === outcome);
    expect(stored, outcome).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: visit.id, source: 'offline', account: { name: visit.name } });
    expect(stored[0]?.checkOut).not.toBeNull();
  }

  // Sent twice, stored once: replaying the check-in (as a tab that died before it removed the op would)
  // answers the stored entry.
  const stored = await apiJson<Activity & { occurredAt: string }>(page, `/api/crm/activities/${first.id}`);
  const login = await page.request.post('/api/auth/login', {
    data: { email: 'rep3@northwind.example', password: demoPasswordFromLog() },
  });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const replay = await page.request.post('/api/crm/activities', {
    headers: { 'x-csrf-token': csrfToken },
    data: {
      id: first.id,
      kind: 'visit',
      subject: stored.subject,
      accountId: stored.account?.id,
      source: 'offline',
      occurredAt: stored.occurredAt,
      checkIn: null,
    },
  });
  expect(replay.status(), await replay.text()).toBeLessThan(300);
  const again = await apiJson<{ items: Activity[] }>(
    page,
    `/api/crm/activities?ownerId=${ownerId}&kind=visit&limit=100`,
  );
  expect(again.items.filter((a) => a.id === first.id)).toHaveLength(1);
  expect(again.items.filter((a) => a.outcome === `Offline visit one ${stamp}`)).toHaveLength(1);
});

test('an entry the server refuses after sync is shown as a conflict and only goes when discarded', async ({
  page,
  context,
}) => {
  expect(page.viewportSize()).toEqual({ width: 390, height: 844 });
  await openHomeWithServiceWorker(page, 'rep4@northwind.example');
  const login = await page.request.post('/api/auth/login', {
    data: { email: 'rep4@northwind.example', password: demoPasswordFromLog() },
  });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  await page.reload();
  await expect(page.getByTestId('visit-panel').getByTestId('visit-candidate').first()).toBeVisible();

  await context.setOffline(true);
  const panel = page.getByTestId('visit-panel');
  await expect(page.getByTestId('sync-status')).toHaveAccessibleName('Offline');
  const visit = await logVisit(page, 0, 'Should not overwrite anything');

  // Meanwhile another entry reaches the server under the same id (the stand-in for any entry the
  // server refuses): the queued visit must not be stored over it, nor be dropped.
  const other = await page.request.post('/api/crm/activities', {
    headers: { 'x-csrf-token': csrfToken },
    data: { id: visit.id, kind: 'call', subject: 'A call logged elsewhere', source: 'online' },
  });
  expect(other.status(), await other.text()).toBe(201);

  await context.setOffline(false);
  const conflict = panel.getByTestId('outbox-conflict');
  await expect(conflict).toBeVisible({ timeout: 30_000 });
  await expect(conflict).toContainText(`Not saved: Visit: ${visit.name}`);
  await expect(conflict).toContainText('Another entry already has this id');
  await expect(page.getByTestId('sync-status')).toHaveAccessibleName('1 not saved (conflict)');
  // The check-out waits behind its refused check-in: the other entry is untouched.
  const untouched = await apiJson<Activity>(page, `/api/crm/activities/${visit.id}`);
  expect(untouched).toMatchObject({ kind: 'call', outcome: null, checkOut: null });

  // Still there after a reload: conflicts live in IndexedDB, not in the page.
  await page.reload();
  await expect(panel.getByTestId('outbox-conflict')).toBeVisible();

  await panel.getByTestId('outbox-conflict').getByRole('button', { name: 'Discard' }).tap();
  await page.getByTestId('confirm-button').tap();
  await expect(panel.getByTestId('outbox-conflict')).toHaveCount(0);
  await expect(page.getByTestId('sync-status')).toHaveCount(0);
  expect(await apiJson<Activity>(page, `/api/crm/activities/${visit.id}`)).toMatchObject({
    kind: 'call',
    checkOut: null,
  });
});

/** How many CRM queries this device keeps for offline reading (IndexedDB `outfield-query-cache`). */
async function keptQueries(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const open = indexedDB.open('outfield-query-cache');
        open.onerror = () => resolve([]);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('snapshots')) return resolve([]);
          const all = db.transaction('snapshots').objectStore('snapshots').getAll();
          all.onsuccess = () =>
            resolve(
              (all.result as { state: { queries: { queryHash: string }[] } }[]).flatMap((s) =>
                s.state.queries.map((q) => q.queryHash),
              ),
            );
          all.onerror = () => resolve([]);
        };
      }),
  );
}

test('the account page and the accounts list read offline from the last load, and an activity logged there is stored once', async ({
  page,
  context,
}, testInfo) => {
  expect(page.viewportSize()).toEqual({ width: 390, height: 844 });
  await openHomeWithServiceWorker(page, 'rep5@northwind.example');
  const ownerId = await myUserId(page);
  const account = await findRichAccount(page);

  // Online: open the accounts list, then the account (what a rep does before driving off).
  await page.goto('/crm/accounts');
  await expect(page.getByTestId('accounts-cards')).toBeVisible();
  const firstListed =
    (await page.getByTestId('accounts-cards').getByRole('link').first().textContent()) ?? '';
  expect(firstListed).not.toBe('');
  // Kept on the device within a moment of loading.
  await expect
    .poll(async () => (await keptQueries(page)).some((hash) => hash.includes('"accounts","list"')))
    .toBe(true);
  await page.goto(`/crm/accounts/${account.id}`);
  await expect(page.getByRole('heading', { name: account.name, level: 1 })).toBeVisible();
  await expect(page.getByTestId('account-contacts').getByTestId('contacts-cards')).toBeVisible();
  await expect(page.getByTestId('account-deals').getByTestId('deals-cards')).toBeVisible();
  await expect(page.getByTestId('account-timeline').getByTestId('timeline-item').first()).toBeVisible();
  await expect(page.getByTestId('offline-banner')).toHaveCount(0);
  // Every part of the page is kept on the device (the cache is written a moment after each load):
  // going offline before the timeline's list was kept made the offline page show no timeline.
  await expect
    .poll(async () => {
      const kept = (await keptQueries(page)).filter((hash) => hash.includes(account.id));
      return ['"contacts"', '"deals"', '"activities"'].every((list) =>
        kept.some((hash) => hash.includes(list)),
      );
    })
    .toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: account.name, level: 1 })).toBeVisible();
  await expect(page.getByTestId('offline-banner').first()).toContainText('Offline — showing data from');
  await expect(page.getByTestId('account-contacts').getByTestId('contacts-cards')).toBeVisible();
  await expect(page.getByTestId('account-deals').getByTestId('deals-cards')).toBeVisible();
  await expect(page.getByTestId('account-timeline').getByTestId('timeline-item').first()).toBeVisible();
  // Read-only offline, except logging.
  await expect(page.getByRole('button', { name: 'Edit account' })).toBeDisabled();
  await snap(page, testInfo, 'crm-offline-account');

  const subject = `Offline call ${testInfo.workerIndex}-${Date.now()}`;
  await page.getByRole('button', { name: 'Log activity' }).tap();
  const form = page.getByRole('form', { name: 'Log activity' });
  await form.getByLabel('Subject').fill(subject);
  await form.getByRole('button', { name: 'Log activity' }).tap();
  await expect(form).toHaveCount(0);
  await expect(page.getByTestId('sync-status')).toHaveText('1');

  // The accounts list, opened afresh without a connection.
  await page.goto('/crm/accounts');
  await expect(page.getByTestId('accounts-cards')).toBeVisible();
  await expect(page.getByTestId('accounts-cards').getByRole('link').first()).toHaveText(firstListed);
  await expect(page.getByTestId('offline-banner')).toContainText('Offline — showing data from');
  await snap(page, testInfo, 'crm-offline-accounts');

  await context.setOffline(false);
  await expect(page.getByTestId('sync-status')).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('offline-banner')).toHaveCount(0);
  const { items } = await apiJson<{ items: Activity[] }>(
    page,
    `/api/crm/activities?ownerId=${ownerId}&accountId=${account.id}&limit=100`,
  );
  const stored = items.filter((a) => a.subject === subject);
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ kind: 'call', source: 'offline', account: { id: account.id } });
});

test('signing out wipes the CRM data kept for offline reading', async ({ page }) => {
  await openHomeWithServiceWorker(page, 'rep6@northwind.example');
  await page.goto('/crm/accounts');
  await expect(page.getByTestId('accounts-cards')).toBeVisible();
  await expect.poll(async () => (await keptQueries(page)).length).toBeGreaterThan(0);
  await page.getByTestId('user-menu').tap();
  await page.getByRole('menuitem', { name: 'Sign out' }).tap();
  await expect(page).toHaveURL(/sign-in|login/);
  await expect.poll(async () => (await keptQueries(page)).length).toBe(0);
});
