import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../../lib/secrets.ts';

/** A new signing secret in the Standard Webhooks form `whsec_<base64 of 24 random bytes>`. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/**
 * The Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`,
 * keyed with the base64-decoded secret. `timestamp` is in seconds.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** Verifies a `webhook-signature` header (space-separated list of `v1,<sig>`), as a receiver would. */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = signWebhook(secret, headers.id, ts, body);
  return headers.signature.split(' ').some((candidate) => safeEqual(candidate, expected));
}
