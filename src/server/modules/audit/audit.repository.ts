import type { Executor } from '../../db/database.ts';
import { newId } from '../../lib/ids.ts';

export interface AuditEntry {
  orgId: string;
  actorUserId: string | null;
  entityType: string;
  entityId: string;
  action: string;
  summary: Record<string, unknown>;
  requestId: string | null;
  at: number;
}

/**
 * Appends one audit row. Call it with the same transaction as the write it describes, so a write
 * without its audit row (or the reverse) cannot be committed. There is deliberately no update or
 * delete here, and database triggers refuse both.
 */
export async function insertAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      org_id: entry.orgId,
      id: newId(),
      at: entry.at,
      actor_user_id: entry.actorUserId,
      entity_type: entry.entityType,
      entity_id: entry.entityId,
      action: entry.action,
      summary: JSON.stringify(entry.summary),
      request_id: entry.requestId,
    })
    .execute();
}

export interface AuditFilter {
  orgId: string;
  entityType?: string | undefined;
  entityId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  after?: { at: number; id: string } | undefined;
  limit: number;
}

export async function listAudit(db: Executor, f: AuditFilter) {
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .select([
      'a.id',
      'a.at',
      'a.actor_user_id',
      'u.name as actor_name',
      'a.entity_type',
      'a.entity_id',
      'a.action',
      'a.summary',
      'a.request_id',
    ])
    .where('a.org_id', '=', f.orgId);
  if (f.entityType) q = q.where('a.entity_type', '=', f.entityType);
  if (f.entityId) q = q.where('a.entity_id', '=', f.entityId);
  if (f.actorId) q = q.where('a.actor_user_id', '=', f.actorId);
  if (f.action) q = q.where('a.action', '=', f.action);
  if (f.from !== undefined) q = q.where('a.at', '>=', f.from);
  if (f.to !== undefined) q = q.where('a.at', '<', f.to);
  const after = f.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('a.at', '<', after.at), eb.and([eb('a.at', '=', after.at), eb('a.id', '<', after.id)])]),
    );
  }
  return q
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(f.limit + 1)
    .execute();
}
