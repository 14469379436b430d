import { expect, test } from '@playwright/test';
import { DEMO, expectNoSeriousA11yViolations, signInByApi, snap, unique } from './helpers.ts';

test('an admin adds a webhook endpoint, sends a test event, reads each attempt in the log and sees the job', async ({
  page,
}, testInfo) => {
  // Desktop project only (playwright.config.ts): admin screens are laptop-first.
  test.setTimeout(180_000);
  await signInByApi(page, DEMO.admin, '/admin/webhooks');
  await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  // .invalid never resolves: every attempt fails, quickly and without leaving the machine.
  const url = `https://${unique(testInfo, 'hooks')}.example.invalid/outfield`;
  await page.getByRole('button', { name: 'New endpoint' }).click();
  const form = page.getByRole('form', { name: 'New webhook endpoint' });
  await form.getByLabel('URL').fill(url);
  await form.getByLabel('Description').fill('ERP bridge');
  await form.getByRole('checkbox', { name: 'deal.won' }).check();
  await form.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(page.getByText('Copy the signing secret now')).toBeVisible();

  const card = page.locator('.mantine-Card-root', { hasText: url });
  await expect(card.getByText('deal.won')).toBeVisible();
  await card.getByRole('button', { name: 'Send test event' }).click();
  // Queuing it opens the delivery log by itself.
  await expect(page.getByText('Test event queued')).toBeVisible();
  await expect(card.getByRole('button', { name: 'Hide deliveries' })).toBeVisible();
  await expect(card.getByText('webhook.test')).toBeVisible();
  // The runner tries it in the background; the log lists the attempt with its error.
  await expect(async () => {
    await card.getByRole('button', { name: 'Hide deliveries' }).click();
    await card.getByRole('button', { name: 'Deliveries' }).click();
    await expect(card.getByLabel('Attempts of webhook.test').getByText(/#1 · no answer/)).toBeVisible({
      timeout: 2_000,
    });
  }).toPass({ timeout: 90_000 });
  await expectNoSeriousA11yViolations(page);
  await snap(page, testInfo, 'admin-webhooks');

  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByRole('heading', { name: 'Jobs', level: 1 })).toBeVisible();
  // The failed delivery waits for its retry in the queue.
  await page.getByText(/^Queued \(\d+\)$/).click();
  await expect(page.getByText('webhooks.deliver').first()).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await snap(page, testInfo, 'admin-jobs');

  // Leave the demo org as it was for the other tests.
  await page
    .getByRole('navigation', { name: 'Main navigation' })
    .getByRole('link', { name: 'Webhooks' })
    .click();
  await card.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(card).toHaveCount(0);
});

test('a notification arrives in the bell, opens what it is about and is then read', async ({
  page,
  playwright,
  baseURL,
}, testInfo) => {
  test.setTimeout(120_000);
  await signInByApi(page, DEMO.admin);
  const csrf = ((await (await page.request.get('/api/me')).json()) as { csrfToken: string }).csrfToken;
  const email = `${unique(testInfo, 'bell')}@northwind.example`;
  const invited = await page.request.post('/api/invitations', {
    data: { email, role: 'rep' },
    headers: { 'x-csrf-token': csrf },
  });
  expect(invited.status(), await invited.text()).toBe(201);
  const token = new URL(((await invited.json()) as { url: string }).url).pathname.split('/').pop()!;

  // The invitee accepts from their own browser (no cookies shared with the admin).
  const invitee = await playwright.request.newContext({ baseURL });
  const accepted = await invitee.post(`/api/invitations/by-token/${token}/accept`, {
    data: { name: 'Bell Newcomer', password: 'a-long-enough-password' },
  });
  expect(accepted.status(), await accepted.text()).toBe(201);
  await invitee.dispose();

  await page.reload();
  const bell = page.getByTestId('notification-bell');
  await expect(bell).toHaveAccessibleName(/Notifications, \d+ unread/);
  const before = Number(/(\d+) unread/.exec((await bell.getAttribute('aria-label')) ?? '')?.[1]);
  await bell.click();
  const item = page.getByRole('button', { name: 'Unread: Bell Newcomer accepted your invitation' });
  await expect(item).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await snap(page, testInfo, 'notifications');
  await item.click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(bell).toHaveAccessibleName(
    before - 1 > 0 ? `Notifications, ${before - 1} unread` : 'Notifications',
  );
});
