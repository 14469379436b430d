import { expect, type Locator, type Page, test } from '@playwright/test';
import { apiJson, findRichAccount, myUserId, showListFilters } from './crm-helpers.ts';
import { DEMO, expectNoSeriousA11yViolations, signInByApi, snap, unique } from './helpers.ts';

interface ApiDeal {
  id: string;
  name: string;
  amountMinor: number;
  status: string;
  closeReason: string | null;
  closedAt: string | null;
  probability: number;
  probabilityOverridden: boolean;
  splits: { userId: string; percent: number }[];
}

/** A record's row (laptop tables) or card (phone lists) in a section, by its name. */
function entry(section: Locator, name: string): Locator {
  return section
    .getByRole('row', { name: new RegExp(name) })
    .or(section.getByRole('listitem').filter({ hasText: name }));
}

/** Another active member of the org than me, to share a deal with. */
async function someoneElse(page: Page): Promise<{ id: string; name: string }> {
  const me = await myUserId(page);
  const users = await apiJson<{ items: { id: string; name: string; active: boolean }[] }>(
    page,
    '/api/users?limit=20',
  );
  const other = users.items.find((u) => u.id !== me && u.active);
  if (!other) throw new Error('The demo org has nobody else');
  return other;
}

/** Picks an option of a Mantine select: a string is typed first (searchable selects), a RegExp only clicked. */
async function choose(page: Page, input: ReturnType<Page['getByRole']>, option: string | RegExp) {
  await input.click();
  if (typeof option === 'string') await input.fill(option);
  // Dispatched rather than clicked: on a busy machine the dropdown may still be animating into place.
  await page.getByRole('option', { name: option }).first().dispatchEvent('click');
}

test('a deal is created with a split checked as it is typed, then edited to lost with a reason and date', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.rep);
  const account = await findRichAccount(page);
  const partner = await someoneElse(page);
  await page.goto(`/crm/accounts/${account.id}`);
  await page.getByTestId('account-deals').getByRole('button', { name: 'New deal' }).click();
  const form = page.getByRole('form', { name: 'New deal' });
  const name = unique(testInfo, 'Deal');
  await form.getByLabel('Name').fill(name);
  await expect(form.getByLabel('Account')).toHaveValue(account.name);
  await form.getByLabel(/^Amount/).fill('1,234.567');
  await form.getByRole('button', { name: 'Create deal' }).click();
  await expect(form.getByText('Enter an amount like 1234.50')).toBeVisible();
  await form.getByLabel(/^Amount/).fill('1,234.56');
  // The server refuses an override above 100: its message shows under the field.
  await form.getByLabel('Probability (%)').fill('150');
  await form.getByLabel('Split the credit between several reps').check({ force: true });
  const splits = form.getByTestId('deal-splits');
  await choose(page, splits.getByRole('combobox', { name: 'Rep 2' }), partner.name);
  await splits.getByLabel('Share 1 (%)').fill('60');
  await splits.getByLabel('Share 2 (%)').fill('30');
  await expect(form.getByTestId('split-total')).toContainText('Total 90% — The shares must add up to 100%');
  await splits.getByLabel('Share 2 (%)').fill('40');
  await expect(form.getByTestId('split-total')).toHaveText('Total 100% ✓');
  await expectNoSeriousA11yViolations(page);
  await snap(page, testInfo, 'crm-deal-form');
  await form.getByRole('button', { name: 'Create deal' }).click();
  await expect(form.getByText('Too big: expected number to be <=100')).toBeVisible();
  await expect(form.getByLabel('Probability (%)')).toHaveAttribute('aria-invalid', 'true');
  await form.getByLabel('Probability (%)').fill('35');
  await form.getByRole('button', { name: 'Create deal' }).click();
  await expect(form).toHaveCount(0);

  const row = entry(page.getByTestId('account-deals'), name);
  await expect(row).toBeVisible();
  const created = (
    await apiJson<{ items: ApiDeal[] }>(
      page,
      `/api/crm/deals?accountId=${account.id}&q=${encodeURIComponent(name)}`,
    )
  ).items[0];
  expect(created).toMatchObject({ amountMinor: 123_456, probability: 35, probabilityOverridden: true });
  expect(created?.splits.map((s) => s.percent).sort()).toEqual([40, 60]);

  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('form', { name: 'Edit deal' });
  await expect(edit.getByLabel('Name')).toHaveValue(name);
  await expect(edit.getByLabel(/^Amount/)).toHaveValue('1234.56');
  await choose(page, edit.getByRole('combobox', { name: 'Stage' }), /^Closed lost/);
  await edit.getByLabel('Lost on').fill('2026-01-05');
  await edit.getByLabel('Why we lost').fill('Went with a cheaper quote');
  await edit.getByLabel('Probability (%)').fill('');
  await edit.getByLabel('Split the credit between several reps').uncheck({ force: true });
  await edit.getByRole('button', { name: 'Save deal' }).click();
  await expect(edit).toHaveCount(0);
  const saved = await apiJson<ApiDeal>(page, `/api/crm/deals/${created?.id}`);
  expect(saved).toMatchObject({
    status: 'lost',
    closeReason: 'Went with a cheaper quote',
    probabilityOverridden: false,
    splits: [],
  });
  expect(saved.closedAt).toBeTruthy();
});

test('contacts are added and edited on the account page, with server field errors under the fields', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.rep);
  const account = await findRichAccount(page);
  await page.goto(`/crm/accounts/${account.id}`);
  const section = page.getByTestId('account-contacts');
  await section.getByRole('button', { name: 'Add contact' }).click();
  const form = page.getByRole('form', { name: 'New contact' });
  const name = unique(testInfo, 'Contact');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Email').fill('not-an-email');
  await form.getByRole('button', { name: 'Add contact' }).click();
  await expect(form.getByText('Must be a valid email address')).toBeVisible();
  await expect(form.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await expectNoSeriousA11yViolations(page);
  await form.getByLabel('Email').fill('buyer@example.test');
  await form.getByLabel('Job title').fill('Buyer');
  await form.getByRole('button', { name: 'Add contact' }).click();
  await expect(form).toHaveCount(0);
  const row = entry(section, name);
  await expect(row).toContainText('Buyer');

  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('form', { name: 'Edit contact' });
  await expect(edit.getByLabel('Email')).toHaveValue('buyer@example.test');
  await edit.getByLabel('Job title').fill('Head of purchasing');
  await edit.getByLabel('Phone').fill('+1 312 555 0199');
  await edit.getByRole('button', { name: 'Save contact' }).click();
  await expect(edit).toHaveCount(0);
  await expect(entry(section, name)).toContainText('Head of purchasing');
  await snap(page, testInfo, 'crm-contact-edited');
});

test('a contact is created from the contacts list with an account picked by search', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.rep);
  const account = await findRichAccount(page);
  await page.goto('/crm/contacts');
  await page.getByRole('button', { name: 'New contact' }).click();
  const form = page.getByRole('form', { name: 'New contact' });
  const name = unique(testInfo, 'Listed');
  await form.getByLabel('Name').fill(name);
  await form.getByRole('button', { name: 'Add contact' }).click();
  await expect(form.getByText('Choose the account')).toBeVisible();
  await choose(page, form.getByRole('combobox', { name: 'Account' }), account.name);
  await form.getByRole('button', { name: 'Add contact' }).click();
  await expect(form).toHaveCount(0);
  const found = await apiJson<{ items: { accountId: string }[] }>(
    page,
    `/api/crm/contacts?q=${encodeURIComponent(name)}`,
  );
  expect(found.items).toEqual([expect.objectContaining({ accountId: account.id })]);
});

test('an account is edited, every field included, with server field errors under the fields', async ({
  page,
}, testInfo) => {
  await signInByApi(page, DEMO.rep);
  const account = await findRichAccount(page);
  await page.goto(`/crm/accounts/${account.id}`);
  await page.getByRole('button', { name: 'Edit account' }).click();
  const form = page.getByRole('form', { name: 'Edit account' });
  await expect(form.getByLabel('Name')).toHaveValue(account.name);
  await expect(form.getByRole('combobox', { name: 'Owner' })).toHaveValue(account.owner.name);
  await form.getByLabel('Latitude').fill('95');
  await form.getByRole('button', { name: 'Save account' }).click();
  await expect(form.getByText('Must be between -90 and 90')).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await snap(page, testInfo, 'crm-account-edit');
  await form.getByLabel('Latitude').fill(String(account.latitude));
  const externalId = unique(testInfo, 'EXT');
  await form.getByLabel('Industry').fill('Logistics');
  await form.getByLabel('External system').fill('salesforce');
  await form.getByLabel('External id').fill(externalId);
  await form.getByRole('button', { name: 'Save account' }).click();
  await expect(form).toHaveCount(0);
  await expect(page.getByText(`salesforce: ${externalId}`)).toBeVisible();
  const saved = await apiJson<{ industry: string; externalId: string; latitude: number }>(
    page,
    `/api/crm/accounts/${account.id}`,
  );
  expect(saved).toMatchObject({ industry: 'Logistics', externalId, latitude: account.latitude });
});

test('the deals list filters by pipeline on the server', async ({ page }) => {
  await signInByApi(page, DEMO.manager, '/crm/deals');
  const pipelines = await apiJson<{ items: { id: string; name: string }[] }>(page, '/api/crm/pipelines');
  const pipeline = pipelines.items[0]!;
  // A table on a laptop, cards on a phone.
  const list = page.getByTestId('deals-table').or(page.getByTestId('deals-cards'));
  await expect(list).toBeVisible();
  await showListFilters(page);
  const request = page.waitForRequest(
    (r) =>
      r.url().includes('/api/crm/deals?') &&
      r.url().includes(`pipelineId=${encodeURIComponent(pipeline.id)}`),
  );
  await choose(page, page.getByRole('combobox', { name: 'Pipeline' }), new RegExp(`^${pipeline.name}$`));
  await request;
  await expect(list).toBeVisible();
});
