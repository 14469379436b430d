import { CompiledQuery, type SqlBool, sql } from 'kysely';
import { dateInZone, startOfDayInZone } from '../../../../shared/time.ts';
import { type Executor, isPostgres } from '../../../db/database.ts';
import type { AccountsTable, ActivitiesTable, ContactsTable, DealsTable } from '../../../db/schema.ts';
import { newId } from '../../../lib/ids.ts';
import { canReadOwned, canWriteOwned } from '../../../policy/policy.ts';
import { activityRollupTouches, refreshActivityRollups, refreshDealRollups } from '../../metrics/rollups.ts';
import { syncDealCredits } from '../deals.service.ts';
import type { Candidate, ImportContext, RowError } from './import-rows.ts';

export interface BatchResult {
  inserted: number;
  updated: number;
  errors: RowError[];
  /** Rows that passed every check (written unless the batch was a dry run). */
  accepted: Candidate[];
}

type Row<T> = { [K in keyof T]: T[K] };

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `column IN (…values)`; on PostgreSQL `column = ANY($1)` with the values as one array parameter
 * (a batch's thousand ids would otherwise be a thousand parameters to compile, send and parse).
 */
function oneOf(db: Executor, column: string, values: string[]) {
  const ref = sql.ref(column);
  return isPostgres(db)
    ? sql<SqlBool>`${ref} = any(${values}::text[])`
    : sql<SqlBool>`${ref} in (${sql.join(values)})`;
}

/**
 * `INSERT … ON CONFLICT (org_id, id) DO UPDATE SET <update columns> = excluded.…` of a batch (the
 * update columns are the ones the file maps: an update touches nothing else). On
 * PostgreSQL the batch travels as one JSON parameter read back with the table's own row type
 * (`json_populate_recordset(null::<table>, $1)`): one native JSON.stringify here and one
 * parameter there, instead of rows × columns parameters for the server to parse and plan.
 * SQLite gets the multi-row VALUES form.
 */
async function upsertRows<T extends 'accounts' | 'contacts' | 'deals' | 'activities'>(
  db: Executor,
  table: T,
  rows: Record<string, unknown>[],
  updateColumns: readonly string[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!isPostgres(db)) {
    // The statement text is built here rather than by Kysely's builder, which would visit every one
    // of the batch's (rows × columns) values as a node. Column names are this module's own.
    const columns = Object.keys(rows[0]!);
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${new Array(rows.length).fill(tuple).join(', ')} on conflict ("org_id", "id") do update set ${updateColumns.map((c) => `"${c}" = excluded."${c}"`).join(', ')}`;
    const parameters: unknown[] = [];
    for (const row of rows) for (const c of columns) parameters.push(row[c] ?? null);
    await db.executeQuery(CompiledQuery.raw(text, parameters));
    return;
  }
  const columns = Object.keys(rows[0]!).map((c) => sql.ref(c));
  await sql`insert into ${sql.table(table)} (${sql.join(columns)})
    select ${sql.join(columns)} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::json)
    on conflict (org_id, id) do update set ${sql.join(updateColumns.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}`.execute(
    db,
  );
}

async function existingByExternalId(
  db: Executor,
  table: 'accounts' | 'contacts' | 'deals' | 'activities',
  ctx: ImportContext,
  externalIds: string[],
): Promise<Map<string, { id: string; owner: string | null; extra: Record<string, unknown> }>> {
  const found = new Map<string, { id: string; owner: string | null; extra: Record<string, unknown> }>();
  if (externalIds.length === 0) return found;
  if (table === 'contacts') {
    const rows = await db
      .selectFrom('contacts as c')
      .innerJoin('accounts as a', (j) =>
        j.onRef('a.org_id', '=', 'c.org_id').onRef('a.id', '=', 'c.account_id'),
      )
      .select(['c.id', 'c.external_id', 'a.owner_id'])
      .where('c.org_id', '=', ctx.orgId)
      .where('c.external_source', '=', ctx.source)
      .where('c.external_id', 'in', externalIds)
      .execute();
    for (const r of rows) found.set(r.external_id!, { id: r.id, owner: r.owner_id, extra: {} });
    return found;
  }
  if (table === 'deals') {
    const rows = await db
      .selectFrom('deals')
      .select(['id', 'external_id', 'owner_id', 'stage_id', 'status', 'closed_at'])
      .where('org_id', '=', ctx.orgId)
      .where('external_source', '=', ctx.source)
      .where('external_id', 'in', externalIds)
      .execute();
    for (const r of rows)
      found.set(r.external_id!, {
        id: r.id,
        owner: r.owner_id,
        extra: { stageId: r.stage_id, status: r.status, closedAt: r.closed_at },
      });
    return found;
  }
  const rows = await db
    .selectFrom(table)
    .select(['id', 'external_id', 'owner_id'])
    .where('org_id', '=', ctx.orgId)
    .where('external_source', '=', ctx.source)
    .where(oneOf(db, 'external_id', externalIds))
    .execute();
  for (const r of rows) found.set(r.external_id!, { id: r.id, owner: r.owner_id, extra: {} });
  return found;
}

/** Resolves the accounts rows name (by external id of the import's source, else by exact name). */
async function resolveAccounts(db: Executor, ctx: ImportContext, batch: Candidate[]) {
  const extIds = [...new Set(batch.map((c) => c.accountRef?.externalId).filter((v): v is string => !!v))];
  const names = [
    ...new Set(
      batch
        .filter((c) => c.accountRef && !c.accountRef.externalId && c.accountRef.name)
        .map((c) => c.accountRef!.name!.toLowerCase()),
    ),
  ];
  const byExt = new Map<string, { id: string; owner_id: string }>();
  const byName = new Map<string, { id: string; owner_id: string }[]>();
  for (const ids of chunk(extIds, 900)) {
    const rows = await db
      .selectFrom('accounts')
      .select(['id', 'owner_id', 'external_id'])
      .where('org_id', '=', ctx.orgId)
      .where('external_source', '=', ctx.source)
      .where('external_id', 'in', ids)
      .execute();
    for (const r of rows) byExt.set(r.external_id!, { id: r.id, owner_id: r.owner_id });
  }
  for (const part of chunk(names, 900)) {
    const rows = await db
      .selectFrom('accounts')
      .select(['id', 'owner_id', 'name_lower'])
      .where('org_id', '=', ctx.orgId)
      .where('name_lower', 'in', part)
      .execute();
    for (const r of rows) byName.set(r.name_lower, [...(byName.get(r.name_lower) ?? []), r]);
  }
  // Accounts the actor may not read do not exist for them: an import answers about them exactly
  // as about a missing account (no existence oracle by name or id) and they never make a name
  // ambiguous.
  const readable = (a: { owner_id: string }) =>
    canReadOwned(ctx.actor, ctx.reach, a.owner_id, { teamRead: ctx.settings.repsReadTeamAccounts });
  return (c: Candidate): { account?: { id: string; owner_id: string }; problem?: RowError } => {
    const ref = c.accountRef;
    if (!ref) return {};
    const column = ctx.mapping.get(ref.externalId ? 'accountExternalId' : 'accountName')?.header ?? null;
    let account: { id: string; owner_id: string } | undefined;
    if (ref.externalId) {
      account = byExt.get(ref.externalId);
      if (account && !readable(account)) account = undefined;
      if (!account)
        return {
          problem: {
            row: c.row,
            column,
            reason: `no account has ${ctx.source} id "${ref.externalId}" (import the accounts first)`,
          },
        };
    } else {
      const matches = (byName.get(ref.name!.toLowerCase()) ?? []).filter(readable);
      if (matches.length > 1)
        return {
          problem: { row: c.row, column, reason: `${matches.length} accounts are named "${ref.name}"` },
        };
      account = matches[0];
      if (!account) return { problem: { row: c.row, column, reason: `no account is named "${ref.name}"` } };
    }
    // (Readable, so saying why it cannot be used reveals nothing.)
    if (ctx.entity === 'contacts' && !canWriteOwned(ctx.actor, ctx.reach, account.owner_id))
      return { problem: { row: c.row, column, reason: 'is not an account you can edit' } };
    return { account };
  };
}

/**
 * Contacts of the import's source by external id. An activity's "Associated Contact IDs" is an
 * optional link: an id we do not know leaves the activity without a contact rather than failing it.
 */
async function contactsByExternalId(
  db: Executor,
  ctx: ImportContext,
  externalIds: string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const ids of chunk([...new Set(externalIds)], 900)) {
    const rows = await db
      .selectFrom('contacts')
      .select(['id', 'external_id'])
      .where('org_id', '=', ctx.orgId)
      .where('external_source', '=', ctx.source)
      .where('external_id', 'in', ids)
      .execute();
    for (const r of rows) found.set(r.external_id!, r.id);
  }
  return found;
}

const has = (ctx: ImportContext, field: string) => ctx.mapping.has(field);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * Checks a batch against the database (existing records by external id and whether the actor may
 * change them, account references) and, unless `write` is false, upserts it: new rows get new ids,
 * rows whose (external source, external id) exists update only the columns the file maps.
 */
export async function processBatch(
  db: Executor,
  ctx: ImportContext,
  batch: Candidate[],
  write: boolean,
): Promise<BatchResult> {
  const result: BatchResult = { inserted: 0, updated: 0, errors: [], accepted: [] };
  const table = ctx.entity;
  const existing = await existingByExternalId(
    db,
    table,
    ctx,
    batch.map((c) => c.externalId).filter((v): v is string => v !== null),
  );
  const accountOf = table === 'accounts' ? null : await resolveAccounts(db, ctx, batch);
  const extColumn = ctx.mapping.get('externalId')?.header ?? null;
  const ready: {
    c: Candidate;
    id: string;
    before?: { id: string; owner: string | null; extra: Record<string, unknown> };
    accountId: string | null;
  }[] = [];
  for (const c of batch) {
    const before = c.externalId ? existing.get(c.externalId) : undefined;
    if (before && before.owner !== null && !canWriteOwned(ctx.actor, ctx.reach, before.owner)) {
      result.errors.push({
        row: c.row,
        column: extColumn,
        reason: `updates an existing record (${c.externalId}) you cannot edit`,
      });
      continue;
    }
    let accountId: string | null = null;
    if (accountOf) {
      const r = accountOf(c);
      if (r.problem) {
        result.errors.push(r.problem);
        continue;
      }
      accountId = r.account?.id ?? null;
    }
    ready.push({ c, id: before?.id ?? newId(), before, accountId });
    result.accepted.push(c);
    if (before) result.updated += 1;
    else result.inserted += 1;
  }
  if (!write || ready.length === 0) return result;
  const now = ctx.now;
  const o = ctx.orgId;

  switch (table) {
    case 'accounts': {
      const rows: Row<AccountsTable>[] = ready.map(({ c, id, before }) => {
        const i = c.input;
        const name = text(i.name) ?? '';
        return {
          org_id: o,
          id,
          name,
          name_lower: name.toLowerCase(),
          street: text(i.street),
          city: text(i.city),
          region: text(i.region),
          postal_code: text(i.postalCode),
          country: text(i.country),
          latitude: num(i.latitude),
          longitude: num(i.longitude),
          territory: text(i.territory),
          industry: text(i.industry),
          tier: (text(i.tier) as AccountsTable['tier']) ?? null,
          status: (text(i.status) as AccountsTable['status']) ?? 'active',
          owner_id: text(i.ownerId) ?? before?.owner ?? ctx.actor.userId,
          external_source: ctx.source,
          external_id: c.externalId,
          last_activity_at: null,
          created_at: now,
          updated_at: now,
        };
      });
      const cols = [
        ...(has(ctx, 'name') ? ['name', 'name_lower'] : []),
        ...(
          [
            ['street', 'street'],
            ['city', 'city'],
            ['region', 'region'],
            ['postalCode', 'postal_code'],
            ['country', 'country'],
            ['latitude', 'latitude'],
            ['longitude', 'longitude'],
            ['territory', 'territory'],
            ['industry', 'industry'],
            ['tier', 'tier'],
            ['status', 'status'],
            ['owner', 'owner_id'],
          ] as const
        )
          .filter(([f]) => has(ctx, f))
          .map(([, col]) => col),
        'updated_at',
      ];
      await upsertRows(db, 'accounts', rows, cols);
      break;
    }
    case 'contacts': {
      const rows: Row<ContactsTable>[] = ready.map(({ c, id, accountId }) => {
        const name = text(c.input.name) ?? '';
        return {
          org_id: o,
          id,
          account_id: accountId!,
          name,
          name_lower: name.toLowerCase(),
          title: text(c.input.title),
          email: text(c.input.email),
          phone: text(c.input.phone),
          external_source: ctx.source,
          external_id: c.externalId,
          created_at: now,
          updated_at: now,
        };
      });
      const cols = [
        'account_id',
        ...(has(ctx, 'name') || has(ctx, 'firstName') || has(ctx, 'lastName') ? ['name', 'name_lower'] : []),
        ...(['title', 'email', 'phone'] as const).filter((f) => has(ctx, f)),
        'updated_at',
      ];
      await upsertRows(db, 'contacts', rows, cols);
      break;
    }
    case 'deals': {
      const history: {
        org_id: string;
        id: string;
        deal_id: string;
        from_stage_id: string | null;
        to_stage_id: string;
        changed_at: number;
        changed_by: string;
      }[] = [];
      const rows: Row<DealsTable>[] = ready.map(({ c, id, before, accountId }) => {
        const i = c.input;
        const stage = c.stage!;
        const name = text(i.name) ?? '';
        const closeDate = text(i.expectedCloseDate);
        const prevStage = before ? (before.extra.stageId as string) : null;
        const prevStatus = before ? (before.extra.status as string) : null;
        // Created when the source CRM says (never after now), else when imported.
        const createdAt = typeof i.createdAt === 'number' ? Math.min(i.createdAt, now) : null;
        let closedAt: number | null = null;
        if (stage.kind !== 'open') {
          // Closed on the day it was created: at its creation, not the day's start before it.
          if (closeDate)
            closedAt = Math.min(
              Math.max(
                startOfDayInZone(closeDate, ctx.timeZone),
                createdAt !== null && dateInZone(createdAt, ctx.timeZone) === closeDate ? createdAt : 0,
              ),
              now,
            );
          else if (prevStatus === stage.kind) closedAt = (before?.extra.closedAt as number | null) ?? now;
          else closedAt = now;
        }
        if (prevStage !== stage.id && (has(ctx, 'stage') || !before)) {
          history.push({
            org_id: o,
            id: newId(),
            deal_id: id,
            from_stage_id: prevStage,
            to_stage_id: stage.id,
            changed_at: now,
            changed_by: ctx.actor.userId,
          });
        }
        return {
          org_id: o,
          id,
          account_id: accountId!,
          owner_id: text(i.ownerId) ?? before?.owner ?? ctx.actor.userId,
          name,
          name_lower: name.toLowerCase(),
          amount_minor: num(i.amountMinor) ?? 0,
          currency: text(i.currency) ?? ctx.currency,
          pipeline_id: stage.pipelineId,
          stage_id: stage.id,
          probability_override: num(i.probability),
          expected_close_date: closeDate,
          status: stage.kind,
          closed_at: closedAt,
          close_reason: stage.kind === 'open' ? null : text(i.closeReason),
          external_source: ctx.source,
          external_id: c.externalId,
          created_at: createdAt ?? now,
          updated_at: now,
        };
      });
      const cols = [
        'account_id',
        'name',
        'name_lower',
        'amount_minor',
        ...(has(ctx, 'createdDate') ? ['created_at'] : []),
        ...(has(ctx, 'owner') ? ['owner_id'] : []),
        ...(has(ctx, 'currency') ? ['currency'] : []),
        ...(has(ctx, 'stage') ? ['pipeline_id', 'stage_id', 'status', 'closed_at'] : []),
        ...(has(ctx, 'probability') ? ['probability_override'] : []),
        ...(has(ctx, 'closeDate') ? ['expected_close_date'] : []),
        ...(has(ctx, 'closeReason') ? ['close_reason'] : []),
        'updated_at',
      ];
      await upsertRows(db, 'deals', rows, cols);
      for (const part of chunk(history, 1000))
        await db.insertInto('deal_stage_history').values(part).execute();
      if (has(ctx, 'splitOwners') || has(ctx, 'splitPercents')) {
        // The file maps the split columns, so it sets the split of every deal it writes (empty cells
        // clear it); rows whose split cells were both left unmapped never reach here.
        const withSplits = ready.filter(({ c }) => Array.isArray(c.input.splits));
        for (const part of chunk(withSplits, 500)) {
          await db
            .deleteFrom('deal_splits')
            .where('org_id', '=', o)
            .where(
              'deal_id',
              'in',
              part.map((r) => r.id),
            )
            .execute();
        }
        const splitRows = withSplits.flatMap(({ c, id }) =>
          (c.input.splits as { userId: string; percent: number }[]).map((s) => ({
            org_id: o,
            deal_id: id,
            user_id: s.userId,
            share_bp: Math.round(s.percent * 100),
          })),
        );
        for (const part of chunk(splitRows, 1000)) await db.insertInto('deal_splits').values(part).execute();
      }
      // Keep revenue credits in step with the imported amounts and owners (metrics read them).
      for (const part of chunk(
        rows.map((r) => r.id),
        500,
      )) {
        await db.deleteFrom('deal_credits').where('org_id', '=', o).where('deal_id', 'in', part).execute();
        await db
          .insertInto('deal_credits')
          .columns(['org_id', 'deal_id', 'user_id', 'share_bp', 'credit_minor'])
          .expression((eb) =>
            eb
              .selectFrom('deals as d')
              .select(['d.org_id', 'd.id', 'd.owner_id', eb.val(10_000).as('share_bp'), 'd.amount_minor'])
              .where('d.org_id', '=', o)
              .where('d.id', 'in', part)
              .where((w) =>
                w.not(
                  w.exists(
                    w
                      .selectFrom('deal_splits as s')
                      .select('s.deal_id')
                      .whereRef('s.org_id', '=', 'd.org_id')
                      .whereRef('s.deal_id', '=', 'd.id'),
                  ),
                ),
              ),
          )
          .execute();
        const split = await db
          .selectFrom('deal_splits')
          .select('deal_id')
          .distinct()
          .where('org_id', '=', o)
          .where('deal_id', 'in', part)
          .execute();
        for (const d of split) await syncDealCredits(db, o, d.deal_id);
      }
      await refreshDealRollups(
        db,
        o,
        rows.map((r) => r.id),
      );
      break;
    }
    case 'activities': {
      const contactIds = await contactsByExternalId(
        db,
        ctx,
        ready.map(({ c }) => c.contactExternalId).filter((v): v is string => !!v),
      );
      const rows: Row<ActivitiesTable>[] = ready.map(({ c, id, before, accountId }) => {
        const i = c.input;
        const kind = text(i.kind) ?? 'task';
        return {
          org_id: o,
          id,
          owner_id: text(i.ownerId) ?? before?.owner ?? ctx.actor.userId,
          kind,
          subject: text(i.subject) ?? '',
          outcome: text(i.outcome),
          occurred_at: Date.parse(text(i.occurredAt) ?? ''),
          duration_minutes: num(i.durationMinutes),
          account_id: accountId,
          contact_id: (c.contactExternalId && contactIds.get(c.contactExternalId)) || null,
          deal_id: null,
          source: 'import',
          checkin_at: null,
          checkin_lat: null,
          checkin_lng: null,
          checkin_accuracy_m: null,
          checkout_at: null,
          checkout_lat: null,
          checkout_lng: null,
          distance_m: null,
          // An imported visit has no check-in we could verify, exactly like a visit logged without one.
          verified: kind === 'visit' ? 0 : null,
          external_source: ctx.source,
          external_id: c.externalId,
          created_at: now,
          updated_at: now,
        };
      });
      const cols = [
        'kind',
        'subject',
        'occurred_at',
        'verified',
        ...(has(ctx, 'outcome') ? ['outcome'] : []),
        ...(has(ctx, 'durationMinutes') ? ['duration_minutes'] : []),
        ...(has(ctx, 'owner') ? ['owner_id'] : []),
        ...(has(ctx, 'accountExternalId') || has(ctx, 'accountName') ? ['account_id'] : []),
        ...(has(ctx, 'contactExternalId') ? ['contact_id'] : []),
        'updated_at',
      ];
      // Rollup keys the upsert leaves (moved, re-owned activities) and enters.
      const leaving = await activityRollupTouches(
        db,
        o,
        rows.map((r) => r.id),
      );
      await upsertRows(db, 'activities', rows, cols);
      await refreshActivityRollups(db, o, [
        ...leaving,
        ...(await activityRollupTouches(
          db,
          o,
          rows.map((r) => r.id),
        )),
      ]);
      const accountIds = [...new Set(rows.map((r) => r.account_id).filter((v): v is string => v !== null))];
      for (const ids of chunk(accountIds, 900)) {
        await db
          .updateTable('accounts')
          .set({
            last_activity_at: sql<number>`(select max(x.occurred_at) from activities x where x.org_id = accounts.org_id and x.account_id = accounts.id)`,
          })
          .where('org_id', '=', o)
          .where('id', 'in', ids)
          .execute();
      }
      break;
    }
  }
  return result;
}
