import { z } from 'zod';
import {
  DEFAULT_MEETING_WINDOW_DAYS,
  DEFAULT_ORDER_OUTCOMES,
  DEFAULT_STRIKE_WINDOW_DAYS,
} from '../../../shared/metrics-catalog.ts';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { type Actor, assertRole, type PeerVisibility, peerVisibilities } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import { loadOrgMetrics } from './metric-registry.ts';

/**
 * Org-wide metric settings, kept in `orgs.settings.metrics`:
 * - `visibility`: per metric, what reps see of peers (nothing, ranks only, values); metrics not
 *   listed use `defaultVisibility`. Enforced through `peerMetricView` in the policy module.
 * - `ramp`: percent of the full target a new rep carries in month 1, 2, … of tenure (tenure counted
 *   from the membership start); from the month after the last entry on, 100 %.
 * - `activityLeaderboards`: whether leaderboards of activity-count metrics (activities, visits,
 *   calls, meetings and custom activity counts/sums) may be shown; many teams find them
 *   demotivating for the middle of the pack.
 * - `strikeWindowDays` and `orderOutcomes`: what strike rate counts — a visit is a strike when
 *   within that many days a deal is won on its account or an activity there records one of the
 *   order outcomes (see `strike.ts`). Outcomes are stored trimmed, without case-insensitive repeats.
 * - `meetingWindowDays`: what meetings from outreach counts — a call or email converted when a
 *   meeting on its account follows within that many days (see `outreach.ts`).
 */
export const metricKeySchema = z
  .string()
  .min(2)
  .max(60)
  .regex(/^[a-z][a-z0-9_]*$/, 'must be lower-case letters, digits and _');

export const metricSettingsSchema = z.object({
  defaultVisibility: z.enum(peerVisibilities).default('ranks'),
  visibility: z.record(metricKeySchema, z.enum(peerVisibilities)).default({}),
  ramp: z.array(z.number().int().min(0).max(100)).max(24).default([]),
  activityLeaderboards: z.boolean().default(true),
  strikeWindowDays: z.number().int().min(1).max(365).default(DEFAULT_STRIKE_WINDOW_DAYS),
  orderOutcomes: z
    .array(z.string().min(1).max(200))
    .max(50)
    .default(() => [...DEFAULT_ORDER_OUTCOMES]),
  meetingWindowDays: z.number().int().min(1).max(365).default(DEFAULT_MEETING_WINDOW_DAYS),
});
export type MetricSettings = z.infer<typeof metricSettingsSchema>;

export const metricSettingsUpdate = z
  .object({
    defaultVisibility: z.enum(peerVisibilities),
    visibility: z
      .record(metricKeySchema, z.enum(peerVisibilities).nullable())
      .describe('Per metric; null removes the metric’s own setting (back to the default)'),
    ramp: z
      .array(z.number().int().min(0).max(100))
      .max(24)
      .describe('Percent of full target by month of tenure: [25, 50, 75] = 25 % in month 1 …'),
    activityLeaderboards: z
      .boolean()
      .describe('false switches off leaderboards of activity-count metrics for the whole org'),
    strikeWindowDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .describe('Strike rate: days after a visit in which a won deal or an order makes it a strike'),
    orderOutcomes: z
      .array(z.string().trim().min(1, 'must not be blank').max(200))
      .max(50)
      .describe(
        'Strike rate: activity outcomes that mean an order was taken (matched ignoring case and surrounding spaces)',
      ),
    meetingWindowDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .describe(
        'Meetings from outreach: days after a call or email in which a meeting on its account converts it',
      ),
  })
  .partial()
  .strict();

interface SettingsDoc {
  metrics?: unknown;
  [key: string]: unknown;
}

async function readDoc(db: Executor, orgId: string): Promise<SettingsDoc> {
  const row = await db.selectFrom('orgs').select('settings').where('id', '=', orgId).executeTakeFirst();
  if (!row) throw notFound('Organization');
  return JSON.parse(row.settings) as SettingsDoc;
}

/** The org's metric settings with defaults filled in. */
export async function loadMetricSettings(db: Executor, orgId: string): Promise<MetricSettings> {
  return settingsFromDoc(await readDoc(db, orgId));
}

function settingsFromDoc(doc: SettingsDoc): MetricSettings {
  const parsed = metricSettingsSchema.safeParse(doc.metrics ?? {});
  return parsed.success ? parsed.data : metricSettingsSchema.parse({});
}

// Parsed settings by the stored text: KPI reads parse the same few org documents all day.
const parsedSettings = new Map<string, MetricSettings>();
const PARSED_SETTINGS_LIMIT = 200;

/**
 * The metric settings in an org's stored settings text (`orgs.settings`), for callers that read the
 * org row anyway. Reuses the parse while the text is unchanged; the result is frozen.
 */
export function metricSettingsOf(settingsText: string): MetricSettings {
  let settings = parsedSettings.get(settingsText);
  if (!settings) {
    settings = deepFreeze(settingsFromDoc(JSON.parse(settingsText) as SettingsDoc));
    if (parsedSettings.size >= PARSED_SETTINGS_LIMIT) parsedSettings.clear();
    parsedSettings.set(settingsText, settings);
  }
  return settings;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The visibility that applies to one metric. */
export function visibilityOf(settings: MetricSettings, metricKey: string): PeerVisibility {
  return settings.visibility[metricKey] ?? settings.defaultVisibility;
}

/** Outcomes without repeats that differ only in case (the first spelling is kept). */
function distinctOutcomes(outcomes: readonly string[]): string[] {
  const seen = new Set<string>();
  return outcomes.filter((o) => {
    const k = o.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Changes visibility, ramp, leaderboard, strike-rate and outreach settings (admin), audited. Unknown metric keys are refused by name. */
export async function updateMetricSettings(
  deps: Deps,
  actor: Actor,
  input: z.infer<typeof metricSettingsUpdate>,
): Promise<MetricSettings> {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const known = new Set((await loadOrgMetrics(trx, actor.orgId)).map((m) => m.key));
    for (const [key, value] of Object.entries(input.visibility ?? {})) {
      // A setting may be removed (null) even for a metric that no longer exists.
      if (value !== null && !known.has(key))
        throw invalidField(`visibility.${key}`, 'is not a metric of the catalog');
    }
    const doc = await readDoc(trx, actor.orgId);
    const before = await loadMetricSettings(trx, actor.orgId);
    const visibility = { ...before.visibility };
    for (const [key, value] of Object.entries(input.visibility ?? {})) {
      if (value === null) delete visibility[key];
      else visibility[key] = value;
    }
    const next = metricSettingsSchema.parse({
      defaultVisibility: input.defaultVisibility ?? before.defaultVisibility,
      visibility,
      ramp: input.ramp ?? before.ramp,
      activityLeaderboards: input.activityLeaderboards ?? before.activityLeaderboards,
      strikeWindowDays: input.strikeWindowDays ?? before.strikeWindowDays,
      orderOutcomes: input.orderOutcomes ? distinctOutcomes(input.orderOutcomes) : before.orderOutcomes,
      meetingWindowDays: input.meetingWindowDays ?? before.meetingWindowDays,
    });
    await trx
      .updateTable('orgs')
      .set({ settings: JSON.stringify({ ...doc, metrics: next }), updated_at: deps.clock.now() })
      .where('id', '=', actor.orgId)
      .execute();
    await audit(trx, deps, actor, 'metric_settings', actor.orgId, 'update', { before, after: next });
    return next;
  });
}
