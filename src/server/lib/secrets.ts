import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** A random secret for a cookie, API token or invitation link (256 bits, url-safe). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Secrets are stored only as keyed hashes: a database leak alone does not yield usable tokens,
 * and lookups stay a single indexed equality.
 */
export function hashSecret(key: string, secret: string): string {
  return createHmac('sha256', key).update(secret).digest('base64url');
}

const MEMO_MAX = 4096;
/** Per key (the session secret: one or two per process), the hash of each recent secret. */
const memos = new Map<string, Map<string, string>>();

/**
 * hashSecret for the token of every authenticated request: the same few tokens arrive again and
 * again, and an HMAC costs more than the database lookup it keys. A bounded first-in-first-out
 * memo keeps the last few thousand in this process only (they are in its memory per request anyway).
 * Memos are per key, so a lookup hashes only the token, never a key + token string built per call.
 */
export function hashSecretMemo(key: string, secret: string): string {
  let memo = memos.get(key);
  if (memo === undefined) {
    // A process has one session secret; tests build many apps, each with its own.
    if (memos.size >= 16) memos.clear();
    memo = new Map();
    memos.set(key, memo);
  }
  let hashed = memo.get(secret);
  if (hashed === undefined) {
    hashed = hashSecret(key, secret);
    memo.set(secret, hashed);
    if (memo.size > MEMO_MAX) memo.delete(memo.keys().next().value as string);
  }
  return hashed;
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

// argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's minimum recommendation).
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/** Verify against a fixed hash when the account does not exist, so timing does not reveal it. */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('outfield-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
}
