import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { defineJob, type JobRegistry } from '../../jobs/job-registry.ts';
import { signWebhook } from './webhook-signing.ts';
import { guardedLookup, webhookUrlProblem } from './webhook-url.ts';
import { WEBHOOK_DELIVER_JOB } from './webhooks.service.ts';

const SNIPPET_CHARS = 500;
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface HttpResult {
  status: number;
  snippet: string;
}

/**
 * One POST with a hard deadline over the whole exchange (connect, headers, body): a receiver that
 * hangs is cut off. Redirects are not followed (a 3xx counts as a failure), and DNS answers are
 * checked against the refused address ranges.
 */
export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  allowLoopback: boolean,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const req = transport.request(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        lookup: guardedLookup(allowLoopback),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            snippet: Buffer.concat(chunks).toString('utf8').slice(0, SNIPPET_CHARS),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      reject(
        error.name === 'AbortError' ? new Error(`no response within ${timeoutMs} ms (timed out)`) : error,
      );
    });
    req.end(body);
  });
}

const deliverPayload = z.object({ deliveryId: z.string() });

export function registerWebhookJobs(registry: JobRegistry): void {
  registry.register(
    defineJob({
      name: WEBHOOK_DELIVER_JOB,
      schema: deliverPayload,
      async run({ deps, job }, { deliveryId }) {
        const orgId = job.orgId;
        if (!orgId) throw new Error('webhook delivery without org');
        const db = deps.db.kysely;
        const row = await db
          .selectFrom('webhook_deliveries as d')
          .innerJoin('webhook_endpoints as e', (j) =>
            j.onRef('e.org_id', '=', 'd.org_id').onRef('e.id', '=', 'd.endpoint_id'),
          )
          .select(['d.id', 'd.body', 'd.event_type', 'e.url', 'e.secret', 'e.active', 'e.deleted_at'])
          .where('d.org_id', '=', orgId)
          .where('d.id', '=', deliveryId)
          .executeTakeFirst();
        if (!row) return;
        const record = (set: {
          status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
          response_status?: number | null;
          response_snippet?: string | null;
          error?: string | null;
          duration_ms?: number | null;
          delivered_at?: number | null;
        }) =>
          db.transaction().execute(async (trx) => {
            const now = deps.clock.now();
            const updated = await trx
              .updateTable('webhook_deliveries')
              .set((eb) => ({ ...set, attempts: eb('attempts', '+', 1), last_attempt_at: now }))
              .where('org_id', '=', orgId)
              .where('id', '=', deliveryId)
              .returning('attempts')
              .executeTakeFirst();
            // A cancelled message was not sent: there is no attempt to log.
            if (!updated || set.status === 'cancelled') return;
            await trx
              .insertInto('webhook_delivery_attempts')
              .values({
                org_id: orgId,
                delivery_id: deliveryId,
                attempt: updated.attempts,
                attempted_at: now,
                response_status: set.response_status ?? null,
                response_snippet: set.response_snippet ?? null,
                error: set.error ?? null,
                duration_ms: set.duration_ms ?? null,
              })
              .execute();
          });
        // Deleted or paused endpoints get nothing more; a test event still goes to a paused one.
        if (row.deleted_at !== null || (row.active === 0 && row.event_type !== 'webhook.test')) {
          await record({ status: 'cancelled', error: 'endpoint deleted or paused' });
          return;
        }
        const problem = webhookUrlProblem(row.url, deps.ops.webhookAllowLoopback);
        if (problem) {
          await record({ status: 'failed', error: `URL refused: ${problem}` });
          return;
        }
        const timestamp = Math.floor(deps.clock.now() / 1000);
        const started = performance.now();
        const last = job.attempt >= job.maxAttempts;
        try {
          const res = await postJson(
            row.url,
            row.body,
            {
              'user-agent': 'Outfield-Webhooks/1',
              'webhook-id': row.id,
              'webhook-timestamp': String(timestamp),
              'webhook-signature': signWebhook(row.secret, row.id, timestamp, row.body),
            },
            deps.ops.webhookTimeoutMs,
            deps.ops.webhookAllowLoopback,
          );
          const ok = res.status >= 200 && res.status < 300;
          await record({
            status: ok ? 'succeeded' : last ? 'failed' : 'pending',
            response_status: res.status,
            response_snippet: res.snippet,
            error: ok ? null : `receiver answered ${res.status}`,
            duration_ms: Math.round(performance.now() - started),
            delivered_at: ok ? deps.clock.now() : null,
          });
          if (!ok) throw new Error(`receiver answered ${res.status}`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (!message.startsWith('receiver answered')) {
            await record({
              status: last ? 'failed' : 'pending',
              response_status: null,
              response_snippet: null,
              error: message.slice(0, 500),
              duration_ms: Math.round(performance.now() - started),
            });
          }
          throw error;
        }
      },
    }),
  );
}
