/**
 * Logging a visit from the phone: check in (with the GPS position when the phone has one), write
 * the outcome, check out. Every write goes through `sendVisitOp` (outbox-sync.ts), and each op is
 * plain data with a client-generated id, so the offline outbox queues ops and replays them (the server
 * stores a check-in sent twice once).
 */
import { v7 as uuidv7 } from 'uuid';
import { apiPatch, apiPost } from '../../lib/api.ts';
import type { Account, Activity } from './crm-types.ts';

export interface GpsFix {
  lat: number;
  lng: number;
  /** Radius of the fix in metres, as the browser reports it. */
  accuracyM: number | null;
}

export interface CheckInOp {
  type: 'check-in';
  body: {
    id: string;
    kind: 'visit';
    subject: string;
    accountId: string;
    source: 'online' | 'offline';
    checkIn: { at: string; lat: number; lng: number; accuracyM: number | null } | null;
    occurredAt: string;
  };
}

export interface CheckOutOp {
  type: 'check-out';
  activityId: string;
  body: {
    outcome: string | null;
    checkOut: { at: string; lat?: number; lng?: number };
  };
}

/** Any other activity (a call, an email…) logged in one go. */
export interface LogActivityOp {
  type: 'log';
  body: {
    id: string;
    kind: string;
    subject: string;
    outcome: string | null;
    durationMinutes: number | null;
    accountId: string | null;
    source: 'online' | 'offline';
    occurredAt: string;
  };
}

export type VisitOp = CheckInOp | CheckOutOp | LogActivityOp;

/** A visit checked in and not yet checked out, kept across reloads of the page. */
export interface OpenVisit {
  activityId: string;
  accountId: string;
  accountName: string;
  checkedInAt: string;
  verified: boolean | null;
  distanceM: number | null;
  hadFix: boolean;
}

export function newClientId(): string {
  return uuidv7();
}

/** The check-in of a visit to `account` at `now`, with the position when there is one. */
export function buildCheckIn(
  account: Pick<Account, 'id' | 'name'>,
  fix: GpsFix | null,
  now: Date,
  id: string = newClientId(),
): CheckInOp {
  const at = now.toISOString();
  return {
    type: 'check-in',
    body: {
      id,
      kind: 'visit',
      subject: `Visit: ${account.name}`.slice(0, 300),
      accountId: account.id,
      source: 'online',
      checkIn: fix ? { at, lat: fix.lat, lng: fix.lng, accuracyM: fix.accuracyM } : null,
      occurredAt: at,
    },
  };
}

/** The check-out of an open visit with its outcome (blank text means no outcome). */
export function buildCheckOut(
  activityId: string,
  outcome: string,
  fix: GpsFix | null,
  now: Date,
): CheckOutOp {
  const trimmed = outcome.trim();
  return {
    type: 'check-out',
    activityId,
    body: {
      outcome: trimmed ? trimmed.slice(0, 2000) : null,
      checkOut: fix ? { at: now.toISOString(), lat: fix.lat, lng: fix.lng } : { at: now.toISOString() },
    },
  };
}

/** A finished activity of `kind` on an account, at `now`, with a fresh client id. */
export function buildLogActivity(
  input: {
    kind: string;
    subject: string;
    outcome: string;
    durationMinutes: number | null;
    accountId: string | null;
  },
  now: Date,
  id: string = newClientId(),
): LogActivityOp {
  const outcome = input.outcome.trim();
  return {
    type: 'log',
    body: {
      id,
      kind: input.kind,
      subject: input.subject.trim(),
      outcome: outcome ? outcome : null,
      durationMinutes: input.durationMinutes,
      accountId: input.accountId,
      source: 'online',
      occurredAt: now.toISOString(),
    },
  };
}

/**
 * Sends one op to the API, as it is. The app calls `sendVisitOp` (outbox-sync.ts), which wraps this
 * with the offline outbox; the outbox's sync loop calls this to replay queued ops.
 */
export function postVisitOp(op: VisitOp): Promise<Activity> {
  switch (op.type) {
    case 'check-in':
    case 'log':
      return apiPost<Activity>('/api/crm/activities', op.body);
    case 'check-out':
      return apiPatch<Activity>(`/api/crm/activities/${encodeURIComponent(op.activityId)}`, op.body);
    default: {
      const never: never = op;
      throw new Error(`unknown visit op ${String(never)}`);
    }
  }
}

/**
 * The phone's current position, or null when there is no geolocation, the user refused it, or no fix
 * came within `timeoutMs`. Never rejects: a visit without GPS is still logged (as unverified).
 */
export function readGpsFix(timeoutMs = 8000, maxAgeMs = 60_000): Promise<GpsFix | null> {
  if (typeof navigator === 'undefined' || !navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs + 500);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        clearTimeout(timer);
        resolve({
          lat: position.coords.latitude,
          lng: position.coords.longitude,
          accuracyM: Number.isFinite(position.coords.accuracy) ? position.coords.accuracy : null,
        });
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: maxAgeMs },
    );
  });
}

const OPEN_VISIT_KEY = 'outfield.openVisit';

function isOpenVisit(value: unknown): value is OpenVisit {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.activityId === 'string' &&
    typeof v.accountId === 'string' &&
    typeof v.accountName === 'string' &&
    typeof v.checkedInAt === 'string' &&
    typeof v.hadFix === 'boolean'
  );
}

/** The open visit of `userId` on this device (another user signed in here does not see it). */
export function loadOpenVisit(
  userId: string,
  storage: Pick<Storage, 'getItem'> | null = safeStorage(),
): OpenVisit | null {
  try {
    const raw = storage?.getItem(`${OPEN_VISIT_KEY}:${userId}`);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    return isOpenVisit(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export function saveOpenVisit(
  userId: string,
  visit: OpenVisit | null,
  storage: Pick<Storage, 'setItem' | 'removeItem'> | null = safeStorage(),
): void {
  const key = `${OPEN_VISIT_KEY}:${userId}`;
  try {
    if (visit) storage?.setItem(key, JSON.stringify(visit));
    else storage?.removeItem(key);
  } catch {
    // Private mode or a full quota: the open visit then lives only as long as the page.
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
