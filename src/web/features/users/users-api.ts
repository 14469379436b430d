import { apiGet, type QueryValue } from '../../lib/api.ts';
import type { Page, Role, User } from '../../lib/types.ts';

export const USERS_KEY = ['users'] as const;
export const INVITATIONS_KEY = ['invitations'] as const;
export const PAGE_SIZE = 50;

export interface UserFilters {
  q: string;
  role: Role | null;
  teamId: string | null;
  active: 'true' | 'false' | null;
}

export function fetchUsersPage(filters: Partial<UserFilters>, cursor: string | null, limit = PAGE_SIZE) {
  const query: Record<string, QueryValue> = {
    q: filters.q?.trim(),
    role: filters.role,
    teamId: filters.teamId,
    active: filters.active,
    cursor,
    limit,
  };
  return apiGet<Page<User>>('/api/users', query);
}

/**
 * Every active user with one of `roles` (e.g. everyone who can manage a team), following the cursor.
 * Capped at `maxPages` pages so a huge org cannot stall the page.
 */
export async function fetchAllUsers(roles: readonly Role[], maxPages = 10): Promise<User[]> {
  const users: User[] = [];
  for (const role of roles) {
    let cursor: string | null = null;
    for (let page = 0; page < maxPages; page += 1) {
      const result: Page<User> = await fetchUsersPage({ role, active: 'true' }, cursor, 100);
      users.push(...result.items);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
  }
  return users.sort((a, b) => a.name.localeCompare(b.name));
}
