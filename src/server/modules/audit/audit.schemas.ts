import { z } from 'zod';
import { iso } from '../identity/identity.schemas.ts';

export const auditQuery = z.object({
  entityType: z.string().max(60).optional(),
  entityId: z.string().max(64).optional(),
  actorId: z.string().max(64).optional(),
  action: z.string().max(60).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Inclusive lower bound (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Exclusive upper bound (ISO 8601)'),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const auditItem = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ id: z.string(), name: z.string() }).nullable(),
  entityType: z.string(),
  entityId: z.string(),
  action: z.string(),
  summary: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
});
export const auditPage = z.object({ items: z.array(auditItem), nextCursor: z.string().nullable() });

export function toAuditItem(row: {
  id: string;
  at: number;
  actor_user_id: string | null;
  actor_name: string | null;
  entity_type: string;
  entity_id: string;
  action: string;
  summary: string;
  request_id: string | null;
}): z.infer<typeof auditItem> {
  return {
    id: row.id,
    at: iso(row.at),
    actor: row.actor_user_id ? { id: row.actor_user_id, name: row.actor_name ?? '(deleted user)' } : null,
    entityType: row.entity_type,
    entityId: row.entity_id,
    action: row.action,
    summary: JSON.parse(row.summary) as Record<string, unknown>,
    requestId: row.request_id,
  };
}
