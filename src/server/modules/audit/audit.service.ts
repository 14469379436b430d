import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { insertAudit, listAudit } from './audit.repository.ts';
import { type auditQuery, toAuditItem } from './audit.schemas.ts';

/** Records a write by `actor` inside the caller's transaction. */
export async function audit(
  db: Executor,
  deps: Pick<Deps, 'clock'>,
  actor: { orgId: string; userId: string; requestId: string | null },
  entityType: string,
  entityId: string,
  action: string,
  summary: Record<string, unknown>,
): Promise<void> {
  await insertAudit(db, {
    orgId: actor.orgId,
    actorUserId: actor.userId,
    entityType,
    entityId,
    action,
    summary,
    requestId: actor.requestId,
    at: deps.clock.now(),
  });
}

/** What changed between two snapshots, for audit summaries: `{ field: [before, after] }`. */
export function diff<T extends Record<string, unknown>>(
  before: T,
  after: Partial<T>,
): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const [key, value] of Object.entries(after)) {
    if (value !== undefined && before[key] !== value) changes[key] = [before[key] ?? null, value];
  }
  return changes;
}

export async function listAuditLog(deps: Deps, actor: Actor, input: z.infer<typeof auditQuery>) {
  assertRole(actor, 'admin');
  const cursor = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await listAudit(deps.db.kysely, {
    orgId: actor.orgId,
    entityType: input.entityType,
    entityId: input.entityId,
    actorId: input.actorId,
    action: input.action,
    from: input.from ? Date.parse(input.from) : undefined,
    to: input.to ? Date.parse(input.to) : undefined,
    after: cursor ? { at: Number(cursor.sortValue), id: cursor.id } : undefined,
    limit: input.limit,
  });
  const page = pageOf(rows, input.limit, (r) => encodeCursor(r.at, r.id));
  return { items: page.items.map(toAuditItem), nextCursor: page.nextCursor };
}
