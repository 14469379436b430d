import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { Role } from '../../db/schema.ts';
import {
  AppError,
  conflict,
  invalidField,
  notFound,
  rateLimited,
  unauthenticated,
} from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import {
  burnPasswordCheck,
  hashPassword,
  hashSecret,
  hashSecretMemo,
  randomSecret,
  verifyPassword,
} from '../../lib/secrets.ts';
import type { Actor } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import { rebuildOrgRollups } from '../metrics/rollups.ts';
import {
  clearRateLimit,
  deleteSession,
  findSessionWithMembership,
  findSessionWithMembershipAnd,
  findSessionWithMembershipNow,
  findTokenWithMembership,
  findTokenWithMembershipAnd,
  findTokenWithMembershipNow,
  hitRateLimit,
  insertSession,
  peekRateLimit,
  touchSession,
  touchToken,
} from './auth.repository.ts';
import {
  countOrgs,
  findLoginByEmail,
  findMeRows,
  findUserByEmail,
  insertMembership,
  insertUser,
} from './identity.repository.ts';
import { type MeResponse, type SetupInput, toOrgResponse } from './identity.schemas.ts';
import type { SessionPrefetch } from './session-prefetch.ts';

/** Don't write last_seen_at on every request: once a minute is precise enough for a 30-minute idle limit. */
const TOUCH_EVERY_MS = 60_000;

export interface AuthenticatedSession {
  actor: Omit<Actor, 'requestId'>;
  csrfToken: string | null;
  /** What the route's prefetch computed in the session statement (resolveSession with a prefetch). */
  prefetched?: unknown;
}

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: number;
}

export async function createSession(
  db: Executor,
  deps: Pick<Deps, 'clock' | 'config'>,
  orgId: string,
  userId: string,
  client: { ip: string | null; userAgent: string | null },
): Promise<NewSession> {
  const now = deps.clock.now();
  const token = randomSecret();
  const csrfToken = randomSecret(24);
  const expiresAt = now + deps.config.sessionAbsoluteMs;
  await insertSession(db, {
    id: hashSecret(deps.config.sessionSecret, token),
    orgId,
    userId,
    csrfToken,
    now,
    expiresAt,
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 300) ?? null,
  });
  return { token, csrfToken, expiresAt };
}

type SessionRow = NonNullable<Awaited<ReturnType<typeof findSessionWithMembership>>>;
type TokenRow = NonNullable<Awaited<ReturnType<typeof findTokenWithMembership>>>;

/** Whether a session row is usable now, usable once its last-seen time is touched, or over. */
function sessionState(deps: Deps, row: SessionRow, now: number): 'ok' | 'touch' | 'over' {
  if (row.active !== 1 || now >= row.expires_at || now - row.last_seen_at >= deps.config.sessionIdleMs) {
    return 'over';
  }
  return now - row.last_seen_at >= TOUCH_EVERY_MS ? 'touch' : 'ok';
}

function sessionOf(row: SessionRow, id: string): AuthenticatedSession {
  return {
    actor: { userId: row.user_id, orgId: row.org_id, role: row.role, sessionId: id, tokenId: null },
    csrfToken: row.csrf_token,
  };
}

/**
 * The session behind a cookie, or null when it is unknown, expired, idle too long or the user
 * deactivated. With a `prefetch` (PostgreSQL) its value comes in the same statement, as `prefetched`
 * of a valid session only.
 */
export async function resolveSession(
  deps: Deps,
  token: string,
  prefetch?: SessionPrefetch<unknown>,
): Promise<AuthenticatedSession | null> {
  const id = hashSecretMemo(deps.config.sessionSecret, token);
  const row =
    prefetch === undefined
      ? await findSessionWithMembership(deps.db.kysely, id)
      : await findSessionWithMembershipAnd(deps.db.kysely, id, prefetch);
  if (!row) return null;
  const now = deps.clock.now();
  const state = sessionState(deps, row, now);
  if (state === 'over') {
    await deleteSession(deps.db.kysely, id);
    return null;
  }
  if (state === 'touch') await touchSession(deps.db.kysely, id, now);
  const session = sessionOf(row, id);
  if ('prefetched' in row) session.prefetched = row.prefetched;
  return session;
}

/**
 * resolveSession's answer without waiting, when it needs nothing but a read that can run at once
 * (SQLite outside a transaction); undefined means "call resolveSession": the read must wait, or
 * the session is to be deleted or touched first.
 */
export function resolveSessionNow(deps: Deps, token: string): AuthenticatedSession | null | undefined {
  const id = hashSecretMemo(deps.config.sessionSecret, token);
  const row = findSessionWithMembershipNow(deps.db.kysely, id);
  if (row === undefined) return undefined;
  if (row === null) return null;
  return sessionState(deps, row, deps.clock.now()) === 'ok' ? sessionOf(row, id) : undefined;
}

export const API_TOKEN_PREFIX = 'ofp_';

/** Whether a token row is usable now (null: not at all), and whether its last-used time is due a touch. */
function tokenState(row: TokenRow, now: number): 'ok' | 'touch' | null {
  if (row.active !== 1 || row.revoked_at !== null) return null;
  if (row.expires_at !== null && now >= row.expires_at) return null;
  return row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS ? 'touch' : 'ok';
}

function tokenSessionOf(row: TokenRow): AuthenticatedSession {
  return {
    actor: { userId: row.user_id, orgId: row.org_id, role: row.role, sessionId: null, tokenId: row.id },
    csrfToken: null,
  };
}

/**
 * The user behind a personal API token (Authorization: Bearer), or null. With a `prefetch`
 * (PostgreSQL) its value comes in the same statement, as `prefetched` of a valid token only.
 */
export async function resolveApiToken(
  deps: Deps,
  token: string,
  prefetch?: SessionPrefetch<unknown>,
): Promise<AuthenticatedSession | null> {
  if (!token.startsWith(API_TOKEN_PREFIX)) return null;
  const hash = hashSecretMemo(deps.config.sessionSecret, token);
  const row =
    prefetch === undefined
      ? await findTokenWithMembership(deps.db.kysely, hash)
      : await findTokenWithMembershipAnd(deps.db.kysely, hash, prefetch);
  if (!row) return null;
  const now = deps.clock.now();
  const state = tokenState(row, now);
  if (state === null) return null;
  if (state === 'touch') await touchToken(deps.db.kysely, row.org_id, row.id, now);
  const session = tokenSessionOf(row);
  if ('prefetched' in row) session.prefetched = row.prefetched;
  return session;
}

/** resolveApiToken without waiting, or undefined: call resolveApiToken (as resolveSessionNow). */
export function resolveApiTokenNow(deps: Deps, token: string): AuthenticatedSession | null | undefined {
  if (!token.startsWith(API_TOKEN_PREFIX)) return null;
  const row = findTokenWithMembershipNow(deps.db.kysely, hashSecretMemo(deps.config.sessionSecret, token));
  if (row === undefined) return undefined;
  if (row === null) return null;
  const state = tokenState(row, deps.clock.now());
  if (state === null) return null;
  return state === 'ok' ? tokenSessionOf(row) : undefined;
}

async function checkNotLimited(deps: Deps, key: string, limit: number): Promise<void> {
  const row = await peekRateLimit(deps.db.kysely, key);
  if (!row) return;
  const now = deps.clock.now();
  const windowEnd = row.window_start + deps.config.loginLimits.windowMs;
  if (windowEnd > now && row.count >= limit) throw rateLimited((windowEnd - now) / 1000);
}

/**
 * Email + password sign-in. Failures are counted per account and per client IP (fixed windows in the
 * database, so limits hold across instances); the answer never says whether the email exists.
 */
export async function login(
  deps: Deps,
  input: { email: string; password: string },
  client: { ip: string | null; userAgent: string | null },
): Promise<{ session: NewSession; orgId: string; userId: string }> {
  const limits = deps.config.loginLimits;
  const accountKey = `login:account:${input.email}`;
  const ipKey = `login:ip:${client.ip ?? 'unknown'}`;
  await checkNotLimited(deps, accountKey, limits.perAccount);
  await checkNotLimited(deps, ipKey, limits.perIp);

  const found = await findLoginByEmail(deps.db.kysely, input.email);
  let ok = false;
  if (found) ok = await verifyPassword(found.password_hash, input.password);
  else await burnPasswordCheck(input.password);
  if (!found || !ok || found.active !== 1) {
    const now = deps.clock.now();
    await hitRateLimit(deps.db.kysely, accountKey, now, limits.windowMs);
    await hitRateLimit(deps.db.kysely, ipKey, now, limits.windowMs);
    throw new AppError(401, 'invalid_credentials', 'Email or password is incorrect');
  }
  await clearRateLimit(deps.db.kysely, accountKey);
  const session = await createSession(deps.db.kysely, deps, found.org_id, found.id, client);
  return { session, orgId: found.org_id, userId: found.id };
}

export async function logout(deps: Deps, actor: Actor): Promise<void> {
  if (actor.sessionId) await deleteSession(deps.db.kysely, actor.sessionId);
}

export async function loadMe(
  db: Executor,
  orgId: string,
  userId: string,
  csrfToken: string,
): Promise<MeResponse> {
  return meOf(await findMeRows(db, orgId, userId), csrfToken);
}

/**
 * loadMe without waiting when the read can run at once (SQLite outside a transaction, see
 * compiledQuery's `now`), else undefined: then call loadMe. Spares /api/me — every page load and
 * every outbox sync — a promise and a microtask.
 */
export function loadMeNow(
  db: Executor,
  orgId: string,
  userId: string,
  csrfToken: string,
): MeResponse | undefined {
  const rows = findMeRows.now(db, orgId, userId);
  return rows === undefined ? undefined : meOf(rows, csrfToken);
}

function meOf(rows: readonly MeRow[], csrfToken: string): MeResponse {
  const profile = rows[0];
  if (!profile) throw unauthenticated();
  const teams: MeResponse['teams'] = [];
  for (const row of rows) {
    if (row.team_id !== null && row.team_name !== null && row.relation !== null) {
      teams.push({ id: row.team_id, name: row.team_name, relation: row.relation });
    }
  }
  return {
    user: { id: profile.id, email: profile.email, name: profile.name, timeZone: profile.time_zone },
    org: toOrgResponse({
      id: profile.org_id,
      name: profile.org_name,
      currency: profile.org_currency,
      time_zone: profile.org_time_zone,
      fiscal_year_start_month: profile.org_fiscal_year_start_month,
    }),
    role: profile.role,
    teams,
    csrfToken,
  };
}

type MeRow = Awaited<ReturnType<typeof findMeRows>>[number];

export async function setupNeeded(db: Executor): Promise<boolean> {
  return (await countOrgs(db)) === 0;
}

/**
 * First-run setup: creates the first org and its admin, only while the database has no org.
 * The check and the inserts share one transaction, so two racing setups cannot both succeed.
 */
export async function runSetup(
  deps: Deps,
  input: SetupInput,
  client: { ip: string | null; userAgent: string | null },
  requestId: string | null,
): Promise<{ session: NewSession; orgId: string; userId: string }> {
  const passwordHash = await hashPassword(input.password);
  return deps.db.kysely.transaction().execute(async (trx) => {
    if ((await countOrgs(trx)) > 0) throw conflict('Outfield is already set up; sign in instead');
    const created = await createOrgWithAdmin(trx, deps, { ...input, passwordHash }, requestId);
    // An empty org: its (empty) metric rollups are valid from the start.
    await rebuildOrgRollups(trx, created.orgId);
    const session = await createSession(trx, deps, created.orgId, created.userId, client);
    return { session, ...created };
  });
}

export interface NewOrgInput {
  orgName: string;
  currency: string;
  timeZone: string;
  fiscalYearStartMonth: number;
  adminName: string;
  adminEmail: string;
  passwordHash: string;
}

/** Creates an org and its first admin (used by setup, the CLI and the demo). */
export async function createOrgWithAdmin(
  trx: Executor,
  deps: Pick<Deps, 'clock'>,
  input: NewOrgInput,
  requestId: string | null,
): Promise<{ orgId: string; userId: string }> {
  const now = deps.clock.now();
  if (await findUserByEmail(trx, input.adminEmail)) throw invalidField('adminEmail', 'is already in use');
  const orgId = newId();
  const userId = newId();
  await trx
    .insertInto('orgs')
    .values({
      id: orgId,
      name: input.orgName,
      currency: input.currency,
      time_zone: input.timeZone,
      fiscal_year_start_month: input.fiscalYearStartMonth,
      settings: '{}',
      created_at: now,
      updated_at: now,
    })
    .execute();
  await insertUser(trx, {
    id: userId,
    email: input.adminEmail,
    name: input.adminName,
    timeZone: input.timeZone,
    passwordHash: input.passwordHash,
    now,
  });
  await insertMembership(trx, orgId, userId, 'admin', now);
  const actor = { orgId, userId, requestId };
  await audit(trx, deps, actor, 'org', orgId, 'create', { name: input.orgName, currency: input.currency });
  await audit(trx, deps, actor, 'user', userId, 'create', {
    email: input.adminEmail,
    role: 'admin' satisfies Role,
  });
  return { orgId, userId };
}

export async function assertPassword(db: Executor, userId: string, password: string): Promise<void> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) throw notFound('User');
  if (!(await verifyPassword(row.password_hash, password)))
    throw invalidField('currentPassword', 'is incorrect');
}
