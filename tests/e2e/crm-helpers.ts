import { expect, type Page } from '@playwright/test';

export interface ApiAccount {
  id: string;
  name: string;
  latitude: number | null;
  longitude: number | null;
  owner: { id: string; name: string };
}

/** GET an API path with the page's session cookie and return its JSON (failing on a non-200). */
export async function apiJson<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path);
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return (await response.json()) as T;
}

export async function myUserId(page: Page): Promise<string> {
  const me = await apiJson<{ user: { id: string } }>(page, '/api/me');
  return me.user.id;
}

/**
 * Shows a CRM list's filters: on a laptop they are always in view; on a phone every filter but the
 * search folds behind a "Filters" button, opened here. Call once the list has rendered.
 */
export async function showListFilters(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: /^Filters/ });
  if ((await toggle.isVisible()) && (await toggle.getAttribute('aria-expanded')) !== 'true') {
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  }
}

/** An account of the signed-in user that has a location and, if asked, contacts, deals and activities. */
export async function findRichAccount(page: Page): Promise<ApiAccount> {
  const ownerId = await myUserId(page);
  const accounts = await apiJson<{ items: ApiAccount[] }>(
    page,
    `/api/crm/accounts?ownerId=${ownerId}&sort=lastActivityAt&dir=desc&limit=30`,
  );
  for (const account of accounts.items) {
    if (account.latitude === null) continue;
    const [contacts, deals, activities] = await Promise.all(
      ['contacts', 'deals', 'activities'].map((entity) =>
        apiJson<{ items: unknown[] }>(page, `/api/crm/${entity}?accountId=${account.id}&limit=1`),
      ),
    );
    if (contacts?.items.length && deals?.items.length && activities?.items.length) return account;
  }
  throw new Error('The demo data has no account with a location, contacts, deals and activities');
}
