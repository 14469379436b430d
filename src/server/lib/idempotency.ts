import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { Actor } from '../policy/policy.ts';
import { AppError, invalidField } from './errors.ts';

/**
 * `Idempotency-Key` for write routes. A client that may send a write twice (a retry after a
 * timeout, a dropped connection or a crashed server) sends the same key each time; the first
 * successful answer is stored in `idempotency_keys` IN THE SAME TRANSACTION as the write, so after a
 * crash either both are stored or neither is. A repeat with the same key gets the stored answer
 * (status and body, header `idempotent-replayed: true`) without writing again; the same key with a
 * different request (method, route, params or body) is refused with 422. Keys are scoped to
 * (org, user). Failed requests (any error) store nothing: the write rolled back, so a retry runs it
 * again. Without the header a route behaves as before.
 *
 * Wiring a write (the service owns the transaction):
 *   route:   return idempotent(deps, req, reply, (record) => service(deps, actor, …, record));
 *   service: inside its transaction, `await record?.(trx, status, response)` just before returning.
 * Used by deal create/update and activity create/update. Commission approval (not built yet) is
 * meant to take the same `record` hook in its approval transaction.
 */

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** For a route's OpenAPI `headers`: documents the optional header (other headers pass through). */
export const idempotencyHeaders = z.looseObject({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .optional()
    .describe(
      'Optional, 1-200 visible ASCII characters. Repeats with the same key answer the stored response; the same key with another request is refused (422).',
    ),
});

const keyPattern = /^[\x21-\x7e]{1,200}$/;

/** Called by a service inside its write transaction with the response it is about to return. */
export type IdempotencyRecorder = (trx: Executor, status: number, body: unknown) => Promise<void>;

export interface ServiceAnswer {
  status: number;
  body: unknown;
}

function fingerprintOf(req: FastifyRequest): string {
  const route = req.routeOptions.url ?? req.url;
  return createHash('sha256')
    .update(JSON.stringify([req.method, route, req.params ?? null, req.body ?? null]))
    .digest('hex');
}

function keyOf(req: FastifyRequest): string | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || !keyPattern.test(value) || Array.isArray(raw)) {
    throw invalidField('Idempotency-Key', 'must be one header of 1-200 visible ASCII characters');
  }
  return value;
}

function reused(): AppError {
  return new AppError(
    422,
    'conflict',
    'This Idempotency-Key was already used for a different request; use a new key for a new request',
    { fields: [{ path: 'Idempotency-Key', message: 'was already used for a different request' }] },
  );
}

async function stored(executor: Executor, actor: Actor, key: string) {
  return executor
    .selectFrom('idempotency_keys')
    .select(['fingerprint', 'response_status', 'response_body'])
    .where('org_id', '=', actor.orgId)
    .where('user_id', '=', actor.userId)
    .where('key', '=', key)
    .executeTakeFirst();
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Runs a write with the request's Idempotency-Key (if any) and sends the answer. `run` gets the
 * recorder to hand to the service (undefined without a key) and returns the status and body.
 */
export async function idempotent(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  run: (record: IdempotencyRecorder | undefined) => Promise<ServiceAnswer>,
): Promise<FastifyReply> {
  const key = keyOf(req);
  const actor = req.actor;
  if (key === undefined || !actor) {
    const answer = await run(undefined);
    return reply.code(answer.status).send(answer.body);
  }
  const fingerprint = fingerprintOf(req);
  const replay = async (): Promise<FastifyReply | undefined> => {
    const row = await stored(deps.db.kysely, actor, key);
    if (!row) return undefined;
    if (row.fingerprint !== fingerprint) throw reused();
    return reply
      .code(row.response_status)
      .header('idempotent-replayed', 'true')
      .send(JSON.parse(row.response_body));
  };
  const earlier = await replay();
  if (earlier) return earlier;
  const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
  const record: IdempotencyRecorder = async (trx, status, body) => {
    await trx
      .insertInto('idempotency_keys')
      .values({
        org_id: actor.orgId,
        user_id: actor.userId,
        key,
        fingerprint,
        route,
        response_status: status,
        response_body: JSON.stringify(body),
        created_at: deps.clock.now(),
      })
      .execute();
  };
  try {
    const answer = await run(record);
    return reply.code(answer.status).send(answer.body);
  } catch (error) {
    // Two requests with one key at once: the later insert collides, its whole write rolls back,
    // and it answers what the first stored.
    if (isUniqueViolation(error)) {
      const winner = await replay();
      if (winner) return winner;
    }
    throw error;
  }
}
