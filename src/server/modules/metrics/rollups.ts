import { sql } from 'kysely';
import { z } from 'zod';
import { startOfDayInZone } from '../../../shared/time.ts';
import type { Deps } from '../../context.ts';
import { type Executor, isPostgres } from '../../db/database.ts';
import { refreshPlannerStats } from '../../db/planner-stats.ts';
import { enqueueJob } from '../../jobs/job-queue.ts';
import { defineJob, type JobRegistry } from '../../jobs/job-registry.ts';

/**
 * Daily rollups for the metric engine: activities per (rep, local day, kind, verified) and credited
 * closed deals per (person, local day of closing, status, currency, stage). A "day" is the number of
 * days since 1970-01-01 of the local calendar date in the org's time zone, so every period of the org
 * is a whole range of days. Monthly rollups (`*_rollup_months`) hold the same rows summed over each
 * local calendar month, keyed by the month's first day: a period of whole months (every month,
 * quarter and year) reads them — one row per person and key instead of one per day.
 *
 * Maintenance recomputes the affected (person, day) keys from the raw rows inside the write's
 * transaction, then the months those days fall in from the daily rows. On PostgreSQL each person's
 * rollups are first locked (transaction-scoped advisory lock, people in a fixed order), so two
 * writers of the same key serialise and the second recomputes with the first's rows committed (READ
 * COMMITTED takes a fresh snapshot per statement). A rebuild takes the org's lock exclusively; writers take it shared.
 *
 * Rollups are valid for an org only while `metric_rollup_state` names its current time zone and
 * `ROLLUP_VERSION`; otherwise the engine reads the raw rows and maintenance does nothing.
 */
/** 3: deal rollups count the deals of known cycle (2: daily and monthly tiers; 1: daily only). */
export const ROLLUP_VERSION = 3;

/**
 * Whether a closed deal (`deals as d`) has a known sales cycle: it closed no earlier than it was
 * created. A deal entered in Outfield as closed on an earlier day (recorded after the fact, or
 * imported without its created date) has none, and is left out of cycle averages rather than
 * counted as a negative or zero-day cycle. Shared by the rollups and the engine's raw reads.
 */
export const KNOWN_CYCLE = sql<number>`case when d.closed_at >= d.created_at then 1 else 0 end`;
/** The cycle in milliseconds of a deal of known cycle, else 0 (see KNOWN_CYCLE). */
export const KNOWN_CYCLE_MS = sql<number>`case when d.closed_at >= d.created_at then d.closed_at - d.created_at else 0 end`;
export const ROLLUPS_REBUILD_JOB = 'metrics.rollups-rebuild';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a calendar date. */
export function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
}

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The first day of the calendar month a day falls in. */
export function monthStart(day: number): number {
  const d = new Date(day * DAY_MS);
  return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS);
}

/** The first day of the next calendar month. */
export function nextMonthStart(day: number): number {
  const d = new Date(day * DAY_MS);
  return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS);
}

/** The first days of the months from the one holding `firstDay` to the one holding `lastDay`. */
export function monthStarts(firstDay: number, lastDay: number): number[] {
  const out: number[] = [];
  for (let m = monthStart(firstDay); m <= lastDay; m = nextMonthStart(m)) out.push(m);
  return out;
}

// Dashboards ask for the same few periods all day and writes touch a handful of days, while a
// zone conversion through dayjs costs tenths of a millisecond: the conversions are memoised.
const MEMO_LIMIT = 20_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const starts = new Map<string, number>();

/** The local calendar date of an instant (same answer as `dateInZone`, through a cached formatter). */
function localDate(instant: number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  let y = '';
  let m = '';
  let d = '';
  for (const part of f.formatToParts(instant)) {
    if (part.type === 'year') y = part.value;
    else if (part.type === 'month') m = part.value;
    else if (part.type === 'day') d = part.value;
  }
  return `${y.padStart(4, '0')}-${m}-${d}`;
}

export function dayOfInstant(instant: number, timeZone: string): number {
  return dayNumber(localDate(instant, timeZone));
}

/** The UTC instant at which a local day starts. */
export function dayStart(day: number, timeZone: string): number {
  const key = `${timeZone}|${day}`;
  let start = starts.get(key);
  if (start === undefined) {
    if (starts.size >= MEMO_LIMIT) starts.clear();
    start = startOfDayInZone(dateOfDay(day), timeZone);
    starts.set(key, start);
  }
  return start;
}

export interface RollupState {
  timeZone: string;
  version: number;
}

export async function rollupState(db: Executor, orgId: string): Promise<RollupState | undefined> {
  const row = await db
    .selectFrom('metric_rollup_state')
    .select(['time_zone', 'version'])
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return row ? { timeZone: row.time_zone, version: Number(row.version) } : undefined;
}

export interface DayRange {
  from: number;
  /** Exclusive. */
  to: number;
  /** The range is whole calendar months: the monthly rollups answer it (same `day` bounds). */
  monthly: boolean;
}

/**
 * The days a period covers when the org's rollups can answer it: valid for this time zone and
 * version, and the bounds fall on local midnights. Null: read the raw rows. `monthly` when both
 * bounds are firsts of months.
 */
export function rollupRange(
  state: RollupState | undefined,
  timeZone: string,
  start: number,
  end: number,
): DayRange | null {
  if (!state || state.version !== ROLLUP_VERSION || state.timeZone !== timeZone) return null;
  const key = `${timeZone}|${start}|${end}`;
  let range = ranges.get(key);
  if (range === undefined) {
    const from = dayOfInstant(start, timeZone);
    const to = dayOfInstant(end, timeZone);
    range =
      dayStart(from, timeZone) !== start || dayStart(to, timeZone) !== end || to < from
        ? null
        : Object.freeze({
            from,
            to,
            monthly: to > from && monthStart(from) === from && monthStart(to) === to,
          });
    if (ranges.size >= MEMO_LIMIT) ranges.clear();
    ranges.set(key, range);
  }
  return range;
}

const ranges = new Map<string, DayRange | null>();

async function lockOrg(db: Executor, orgId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  if (!isPostgres(db)) return;
  const key = `rollups:${orgId}`;
  if (mode === 'shared') await sql`select pg_advisory_xact_lock_shared(hashtext(${key}))`.execute(db);
  else await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(db);
}

/** Serialises writers of one person's rollups (per table) until the transaction ends. */
async function lockUser(db: Executor, orgId: string, table: 'a' | 'd', userId: string) {
  if (!isPostgres(db)) return;
  await sql`select pg_advisory_xact_lock(hashtext(${orgId}), hashtext(${`${table}:${userId}`}))`.execute(db);
}

export interface UserDay {
  userId: string;
  day: number;
}

function sortedKeys(keys: Iterable<UserDay>): UserDay[] {
  const seen = new Map<string, UserDay>();
  for (const k of keys) seen.set(`${k.userId}\u0000${k.day}`, k);
  return [...seen.values()].sort((a, b) =>
    a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.day - b.day,
  );
}

/** Maintenance context: null when the org's rollups are not valid (nothing to keep up to date). */
async function maintenanceZone(db: Executor, orgId: string): Promise<string | null> {
  await lockOrg(db, orgId, 'shared');
  const state = await rollupState(db, orgId);
  return state && state.version === ROLLUP_VERSION ? state.timeZone : null;
}

type Span = ReturnType<typeof daySpans>[number];

/**
 * The two rollups: their daily and monthly tables (same columns), the key columns besides person and
 * day, and the summed columns.
 */
const ROLLUPS = {
  a: {
    daily: 'activity_rollups',
    monthly: 'activity_rollup_months',
    keys: ['kind', 'verified'],
    sums: ['n', 'duration_sum', 'duration_n'],
  },
  d: {
    daily: 'deal_rollups',
    monthly: 'deal_rollup_months',
    keys: ['status', 'currency', 'stage_id'],
    sums: ['amount', 'share_bp', 'deals', 'cycle_ms', 'cycle_deals'],
  },
} as const;
const ACTIVITY_ROLLUP_COLUMNS = ['org_id', 'user_id', 'day', ...ROLLUPS.a.keys, ...ROLLUPS.a.sums] as const;
const DEAL_ROLLUP_COLUMNS = ['org_id', 'user_id', 'day', ...ROLLUPS.d.keys, ...ROLLUPS.d.sums] as const;

/** Inserts the activity rollups of one run of equal-length days (one person's, or everyone's). */
async function insertActivitySpan(db: Executor, orgId: string, span: Span, userId?: string) {
  const dayExpr = spanDay(span, 'occurred_at');
  let q = db
    .selectFrom('activities')
    .select([
      'org_id',
      'owner_id',
      dayExpr.as('day'),
      'kind',
      sql<number>`coalesce(verified, -1)`.as('v'),
      (eb) => eb.fn.countAll().as('n'),
      sql<number>`coalesce(sum(duration_minutes), 0)`.as('ds'),
      (eb) => eb.fn.count('duration_minutes').as('dn'),
    ])
    .where('org_id', '=', orgId)
    .where('occurred_at', '>=', span.start)
    .where('occurred_at', '<', span.end);
  if (userId !== undefined) q = q.where('owner_id', '=', userId);
  await db
    .insertInto('activity_rollups')
    .columns(ACTIVITY_ROLLUP_COLUMNS)
    // A one-day span's day is a constant, which GROUP BY would read as a column position: left out.
    .expression(
      q.groupBy([
        'org_id',
        'owner_id',
        ...(span.regular ? [dayExpr] : []),
        'kind',
        sql`coalesce(verified, -1)`,
      ]),
    )
    .execute();
}

/** Credited won/lost deals closed within one run of days (one person's, or everyone's). */
function closedCredits(db: Executor, orgId: string, span: Span, userId?: string) {
  let q = db
    .selectFrom('deal_credits as c')
    .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
    .where('c.org_id', '=', orgId)
    .where('d.status', 'in', ['won', 'lost'])
    .where('d.closed_at', '>=', span.start)
    .where('d.closed_at', '<', span.end);
  if (userId !== undefined) q = q.where('c.user_id', '=', userId);
  return q;
}

function dealDay(span: Span) {
  return spanDay(span, 'd.closed_at');
}

/**
 * The local day of an instant inside a span, in SQL. A run of 24-hour days divides by a day's
 * length; a 23- or 25-hour day (daylight saving) is a span of its own and is that one day — dividing
 * would put the 25th hour of a fall-back day on the next day.
 */
function spanDay(span: Span, column: 'occurred_at' | 'd.closed_at') {
  // A one-day span: the day is a constant (kept out of the GROUP BY, where 20758 would mean a column).
  if (!span.regular) return sql<number>`(${sql.lit(span.day)} + 0)`;
  return sql<number>`(${sql.lit(span.day)} + (${sql.ref(column)} - ${sql.lit(span.start)}) / ${sql.lit(DAY_MS)})`;
}

async function insertDealSpan(db: Executor, orgId: string, span: Span, userId?: string) {
  const dayExpr = dealDay(span);
  await db
    .insertInto('deal_rollups')
    .columns(DEAL_ROLLUP_COLUMNS)
    .expression(
      closedCredits(db, orgId, span, userId)
        .select([
          'c.org_id',
          'c.user_id',
          dayExpr.as('day'),
          'd.status',
          'd.currency',
          'd.stage_id',
          (eb) => eb.fn.sum('c.credit_minor').as('amount'),
          (eb) => eb.fn.sum('c.share_bp').as('share_bp'),
          (eb) => eb.fn.countAll().as('deals'),
          sql`sum(${KNOWN_CYCLE_MS})`.as('cycle_ms'),
          sql`sum(${KNOWN_CYCLE})`.as('cycle_deals'),
        ])
        .groupBy([
          'c.org_id',
          'c.user_id',
          ...(span.regular ? [dayExpr] : []),
          'd.status',
          'd.currency',
          'd.stage_id',
        ]),
    )
    .execute();
}

/**
 * Recomputes the touched (person, day) keys from the raw rows: per person (locked first, people in
 * a fixed order), runs of nearby touched days are deleted and re-inserted with one statement per
 * run of equal-length days — a 1,000-row import batch costs a few statements per person, not per key.
 */
async function recompute(db: Executor, orgId: string, timeZone: string, table: 'a' | 'd', keys: UserDay[]) {
  const byUser = new Map<string, number[]>();
  for (const k of sortedKeys(keys)) {
    const days = byUser.get(k.userId) ?? [];
    days.push(k.day);
    byUser.set(k.userId, days);
  }
  const monthUsers = new Map<number, Set<string>>();
  for (const [userId, days] of byUser) {
    await lockUser(db, orgId, table, userId);
    const runs: { from: number; to: number }[] = [];
    for (const day of days) {
      const last = runs.at(-1);
      if (last && day - last.to <= 3) last.to = day;
      else runs.push({ from: day, to: day });
    }
    for (const run of runs) {
      for (const m of monthStarts(run.from, run.to)) {
        const people = monthUsers.get(m) ?? new Set<string>();
        people.add(userId);
        monthUsers.set(m, people);
      }
      await db
        .deleteFrom(ROLLUPS[table].daily)
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('day', '>=', run.from)
        .where('day', '<=', run.to)
        .execute();
      for (const span of daySpans(run.from, run.to, timeZone)) {
        if (table === 'a') await insertActivitySpan(db, orgId, span, userId);
        else await insertDealSpan(db, orgId, span, userId);
      }
    }
  }
  // Then the months those days fall in, a month of every touched person per statement (their
  // locks are held until the transaction ends).
  for (const [month, people] of monthUsers) {
    const ids = [...people];
    for (let i = 0; i < ids.length; i += 500)
      await refreshMonth(db, orgId, table, month, ids.slice(i, i + 500));
  }
}

/**
 * Recomputes one month of the monthly rollups from the daily ones (these people's, or everyone's):
 * the daily rows of the month summed per key, keyed by the month's first day.
 */
async function refreshMonth(
  db: Executor,
  orgId: string,
  table: 'a' | 'd',
  month: number,
  userIds?: readonly string[],
) {
  const t = ROLLUPS[table];
  const people = userIds === undefined ? sql`` : sql` and user_id in (${sql.join(userIds)})`;
  const keys = sql.join(t.keys.map((k) => sql.ref(k)));
  await sql`delete from ${sql.table(t.monthly)} where org_id = ${orgId} and day = ${month}${people}`.execute(
    db,
  );
  await sql`insert into ${sql.table(t.monthly)}
    (org_id, user_id, day, ${keys}, ${sql.join(t.sums.map((c) => sql.ref(c)))})
    select org_id, user_id, ${sql.lit(month)}, ${keys}, ${sql.join(t.sums.map((c) => sql`sum(${sql.ref(c)})`))}
    from ${sql.table(t.daily)}
    where org_id = ${orgId} and day >= ${month} and day < ${nextMonthStart(month)}${people}
    group by org_id, user_id, ${keys}`.execute(db);
}

/**
 * Keeps the activity rollups in step with a write: pass the (owner, occurred_at) of every activity
 * the write touched, before and after (a moved or re-owned activity leaves one key and enters
 * another). Call it inside the write's transaction, after the write.
 */
export async function refreshActivityRollups(
  db: Executor,
  orgId: string,
  touched: readonly { userId: string; at: number }[],
): Promise<void> {
  if (touched.length === 0) return;
  const timeZone = await maintenanceZone(db, orgId);
  if (!timeZone) return;
  const keys = touched.map((t) => ({ userId: t.userId, day: dayOfInstant(t.at, timeZone) }));
  await recompute(db, orgId, timeZone, 'a', keys);
}

/** The (owner, occurred_at) of existing activities, for `refreshActivityRollups` before a bulk upsert. */
export async function activityRollupTouches(
  db: Executor,
  orgId: string,
  ids: readonly string[],
): Promise<{ userId: string; at: number }[]> {
  const out: { userId: string; at: number }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('activities')
      .select(['owner_id', 'occurred_at'])
      .where('org_id', '=', orgId)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) out.push({ userId: r.owner_id, at: Number(r.occurred_at) });
  }
  return out;
}

/**
 * Keeps the deal rollups in step with writes to these deals (status, close date, amount, currency,
 * stage, owner, splits, deletes): refreshes the keys each deal counted in before and counts in now.
 * Call it inside the write's transaction, after `deal_credits` were rewritten.
 */
export async function refreshDealRollups(db: Executor, orgId: string, dealIds: readonly string[]) {
  if (dealIds.length === 0) return;
  const timeZone = await maintenanceZone(db, orgId);
  if (!timeZone) return;
  const keys: UserDay[] = [];
  for (let i = 0; i < dealIds.length; i += 500) {
    const part = dealIds.slice(i, i + 500);
    const old = await db
      .selectFrom('deal_rollup_keys')
      .select(['user_id', 'day'])
      .where('org_id', '=', orgId)
      .where('deal_id', 'in', part)
      .execute();
    for (const r of old) keys.push({ userId: r.user_id, day: Number(r.day) });
    await db
      .deleteFrom('deal_rollup_keys')
      .where('org_id', '=', orgId)
      .where('deal_id', 'in', part)
      .execute();
    const now = await db
      .selectFrom('deal_credits as c')
      .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
      .select(['c.deal_id', 'c.user_id', 'd.closed_at'])
      .where('c.org_id', '=', orgId)
      .where('c.deal_id', 'in', part)
      .where('d.status', 'in', ['won', 'lost'])
      .where('d.closed_at', 'is not', null)
      .execute();
    const rows = now.map((r) => ({
      org_id: orgId,
      deal_id: r.deal_id,
      user_id: r.user_id,
      day: dayOfInstant(Number(r.closed_at), timeZone),
    }));
    for (const r of rows) keys.push({ userId: r.user_id, day: r.day });
    for (let j = 0; j < rows.length; j += 500)
      await db
        .insertInto('deal_rollup_keys')
        .values(rows.slice(j, j + 500))
        .execute();
  }
  await recompute(db, orgId, timeZone, 'd', keys);
}

/** Runs of consecutive 24-hour local days covering [firstDay, lastDay]; a 23/25-hour day is a run of its own. */
export function daySpans(firstDay: number, lastDay: number, timeZone: string) {
  const spans: { day: number; start: number; end: number; regular: boolean }[] = [];
  let next = dayStart(firstDay, timeZone);
  for (let d = firstDay; d <= lastDay; d++) {
    const start = next;
    next = dayStart(d + 1, timeZone);
    const regular = next - start === DAY_MS;
    const cur = spans.at(-1);
    if (cur?.regular && regular && cur.end === start) cur.end = next;
    else spans.push({ day: d, start, end: next, regular });
  }
  return spans;
}

/**
 * Rebuilds an org's rollups from the raw rows in its current time zone, in one transaction, and
 * marks them valid. Days are computed in SQL per run of equal-length days (a handful per year in
 * zones with daylight saving), so nothing is streamed through the process.
 */
export async function rebuildOrgRollups(
  db: Executor,
  orgId: string,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const run = async (trx: Executor) => {
    await lockOrg(trx, orgId, 'exclusive');
    const org = await trx.selectFrom('orgs').select('time_zone').where('id', '=', orgId).executeTakeFirst();
    if (!org) return;
    const timeZone = org.time_zone;
    await trx.deleteFrom('activity_rollups').where('org_id', '=', orgId).execute();
    await trx.deleteFrom('deal_rollups').where('org_id', '=', orgId).execute();
    await trx.deleteFrom('deal_rollup_keys').where('org_id', '=', orgId).execute();
    await trx.deleteFrom(ROLLUPS.a.monthly).where('org_id', '=', orgId).execute();
    await trx.deleteFrom(ROLLUPS.d.monthly).where('org_id', '=', orgId).execute();
    const a = await trx
      .selectFrom('activities')
      .select([(eb) => eb.fn.min('occurred_at').as('lo'), (eb) => eb.fn.max('occurred_at').as('hi')])
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    const d = await trx
      .selectFrom('deals')
      .select([(eb) => eb.fn.min('closed_at').as('lo'), (eb) => eb.fn.max('closed_at').as('hi')])
      .where('org_id', '=', orgId)
      .where('status', 'in', ['won', 'lost'])
      .executeTakeFirst();
    const bounds = (r: { lo: unknown; hi: unknown } | undefined) =>
      r?.lo != null && r.hi != null
        ? { first: dayOfInstant(Number(r.lo), timeZone), last: dayOfInstant(Number(r.hi), timeZone) }
        : null;
    const aDays = bounds(a);
    const dDays = bounds(d);
    const aSpans = aDays ? daySpans(aDays.first, aDays.last, timeZone) : [];
    const dSpans = dDays ? daySpans(dDays.first, dDays.last, timeZone) : [];
    const aMonths = aDays ? monthStarts(aDays.first, aDays.last) : [];
    const dMonths = dDays ? monthStarts(dDays.first, dDays.last) : [];
    const total = aSpans.length + dSpans.length + aMonths.length + dMonths.length;
    let done = 0;
    for (const span of aSpans) {
      await insertActivitySpan(trx, orgId, span);
      onProgress?.(++done, total);
    }
    for (const span of dSpans) {
      await insertDealSpan(trx, orgId, span);
      await trx
        .insertInto('deal_rollup_keys')
        .columns(['org_id', 'deal_id', 'user_id', 'day'])
        .expression(
          closedCredits(trx, orgId, span).select([
            'c.org_id',
            'c.deal_id',
            'c.user_id',
            dealDay(span).as('day'),
          ]),
        )
        .execute();
      onProgress?.(++done, total);
    }
    // The monthly tier from the daily one, a month (everyone's rows) per statement.
    for (const month of aMonths) {
      await refreshMonth(trx, orgId, 'a', month);
      onProgress?.(++done, total);
    }
    for (const month of dMonths) {
      await refreshMonth(trx, orgId, 'd', month);
      onProgress?.(++done, total);
    }
    const now = Date.now();
    await trx
      .insertInto('metric_rollup_state')
      .values({ org_id: orgId, time_zone: timeZone, version: ROLLUP_VERSION, built_at: now })
      .onConflict((oc) =>
        oc.column('org_id').doUpdateSet({ time_zone: timeZone, version: ROLLUP_VERSION, built_at: now }),
      )
      .execute();
  };
  if (db.isTransaction) await run(db);
  else await db.transaction().execute(run);
}

/**
 * After an org's time zone changed: its rollups (keyed by local day) no longer line up with its
 * periods — the engine already falls back to raw rows — so a rebuild is queued. Orgs without
 * rollups are left alone. Call it inside the write's transaction.
 */
export async function rollupsAfterTimeZoneChange(db: Executor, deps: Pick<Deps, 'clock'>, orgId: string) {
  if (!(await rollupState(db, orgId))) return;
  await enqueueJob(db, deps, {
    name: ROLLUPS_REBUILD_JOB,
    orgId,
    payload: { orgId },
  });
}

/**
 * Queues a rebuild for every org whose rollups are missing, outdated (another ROLLUP_VERSION) or in
 * another time zone — e.g. orgs created before rollups existed. Run at start-up; until a rebuild has
 * run the engine reads raw rows, so answers are right meanwhile, only slower. Returns the org ids queued.
 */
export async function queueMissingRollups(db: Executor, deps: Pick<Deps, 'clock'>): Promise<string[]> {
  const stale = await db
    .selectFrom('orgs as o')
    .leftJoin('metric_rollup_state as r', 'r.org_id', 'o.id')
    .select('o.id')
    .where((eb) =>
      eb.or([
        eb('r.org_id', 'is', null),
        eb('r.version', '!=', ROLLUP_VERSION),
        eb('r.time_zone', '!=', eb.ref('o.time_zone')),
      ]),
    )
    .execute();
  for (const { id } of stale) {
    await enqueueJob(db, deps, {
      name: ROLLUPS_REBUILD_JOB,
      orgId: id,
      payload: { orgId: id },
      dedupeKey: `${ROLLUPS_REBUILD_JOB}:${id}`,
    });
  }
  return stale.map((r) => r.id);
}

export function registerRollupJobs(registry: JobRegistry): void {
  registry.register(
    defineJob({
      name: ROLLUPS_REBUILD_JOB,
      schema: z.object({ orgId: z.string().min(1).max(64) }),
      async run(ctx, payload) {
        await rebuildOrgRollups(ctx.deps.db.kysely, payload.orgId);
        await refreshPlannerStats(ctx.deps.db, [
          ROLLUPS.a.daily,
          ROLLUPS.d.daily,
          'deal_rollup_keys',
          ROLLUPS.a.monthly,
          ROLLUPS.d.monthly,
        ]);
      },
    }),
  );
}
