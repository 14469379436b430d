import { expect, test } from '@playwright/test';
import { apiJson, myUserId } from './crm-helpers.ts';
import { DEMO, signInByApi, snap } from './helpers.ts';

interface Account {
  id: string;
  name: string;
  latitude: number | null;
  longitude: number | null;
}
interface Activity {
  id: string;
  kind: string;
  outcome: string | null;
  verified: boolean | null;
  distanceM: number | null;
  account: { id: string } | null;
  checkIn: { lat: number | null; lng: number | null; accuracyM: number | null } | null;
  checkOut: { at: string } | null;
}

// Phone only (@phone, see playwright.config.ts): the visit flow is measured at 390×844.
test(
  'a rep logs a visit from the home screen of a phone in at most three taps',
  {
    tag: '@phone',
  },
  async ({ page }, testInfo) => {
    expect(page.viewportSize()).toEqual({ width: 390, height: 844 });
    await signInByApi(page, DEMO.rep, '/profile');
    const ownerId = await myUserId(page);
    const { items } = await apiJson<{ items: Account[] }>(
      page,
      `/api/crm/accounts?ownerId=${ownerId}&status=active&limit=50`,
    );
    const account = items.find((a) => a.latitude !== null && a.longitude !== null);
    if (!account) throw new Error('The demo rep has no located account');
    // The phone stands 20 m north of the account: close enough to verify the visit.
    await page.context().grantPermissions(['geolocation']);
    await page.context().setGeolocation({
      latitude: account.latitude! + 0.00018,
      longitude: account.longitude!,
      accuracy: 12,
    });
    const outcome = `Ordered 12 cases, follow up Friday (${testInfo.workerIndex}-${Date.now()})`;

    let taps = 0;
    const tap = async (locator: ReturnType<typeof page.getByRole>) => {
      await locator.tap();
      taps += 1;
    };

    await page.goto('/');
    const panel = page.getByTestId('visit-panel');
    await expect(panel.getByText('Nearest accounts')).toBeVisible();
    await tap(panel.getByRole('button', { name: `Check in at ${account.name}` }).first());
    await expect(panel.getByTestId('open-visit')).toBeVisible();
    await expect(panel.getByRole('heading', { name: `At ${account.name}` })).toBeVisible();
    await expect(panel.getByTestId('visit-verified')).toBeVisible();
    await panel.getByLabel('Outcome').fill(outcome); // typing, not a tap
    await snap(page, testInfo, 'crm-visit-open');
    await tap(panel.getByRole('button', { name: 'Check out' }));
    await expect(panel.getByTestId('last-visit')).toBeVisible();
    expect(taps).toBeLessThanOrEqual(3);

    const { items: visits } = await apiJson<{ items: Activity[] }>(
      page,
      `/api/crm/activities?accountId=${account.id}&kind=visit&limit=20`,
    );
    const stored = visits.filter((v) => v.outcome === outcome);
    expect(stored).toHaveLength(1);
    const visit = stored[0]!;
    expect(visit.verified).toBe(true);
    expect(visit.distanceM).toBeLessThan(40);
    expect(visit.checkIn?.accuracyM).toBe(12);
    expect(visit.checkIn?.lat).toBeCloseTo(account.latitude! + 0.00018, 5);
    expect(visit.checkOut).not.toBeNull();
    await snap(page, testInfo, 'crm-visit-done');
  },
);

// Phone only (@phone): logging a visit where it happens is a phone flow.
test('without GPS the home screen offers the planned accounts and still logs the visit, unverified', {
  tag: '@phone',
}, async ({ page }) => {
  // Another rep than the first test's, so the two can run side by side.
  await signInByApi(page, 'rep2@northwind.example');
  const panel = page.getByTestId('visit-panel');
  await expect(panel.getByText('Your accounts, longest unvisited first')).toBeVisible();
  const first = panel.getByTestId('visit-candidate').first();
  await expect(first).toBeVisible();
  const name = (await first.locator('p').first().textContent()) ?? '';
  await first.getByRole('button', { name: /^Check in at / }).tap();
  await expect(panel.getByTestId('visit-unverified')).toContainText('no GPS check-in');
  await panel.getByRole('button', { name: 'Check out' }).tap();
  await expect(panel.getByTestId('last-visit')).toContainText(name);
});
