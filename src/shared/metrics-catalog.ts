/**
 * The built-in KPI catalog: what each metric means, in words shown to users next to every number.
 * The server computes them in `modules/metrics/metrics.engine.ts`; this file is the definition.
 */
export type MetricUnit = 'money' | 'count' | 'percent' | 'days' | 'money_per_day' | 'ratio';
/** How a value is shown: money in the org currency, a count, a percent, days, or a plain number. */
export type MetricFormat = 'money' | 'count' | 'percent' | 'days' | 'number';
export type Direction = 'higher' | 'lower';

export interface MetricInfo {
  key: string;
  name: string;
  definition: string;
  unit: MetricUnit;
  direction: Direction;
  /** Point-in-time metrics look at open deals now, not at what happened during a period. */
  snapshot?: boolean;
}

/** The strike window an org starts with (days after a visit; `strikeWindowDays` in the metric settings). */
export const DEFAULT_STRIKE_WINDOW_DAYS = 30;
/**
 * The activity outcomes that mean an order was taken, for an org that has not set its own
 * (`orderOutcomes` in the metric settings): the wording the visit form and the demo use.
 */
export const DEFAULT_ORDER_OUTCOMES: readonly string[] = ['Placed an order'];

/**
 * The definition of strike rate with an org's window and order outcomes. An outcome matches when it
 * equals one of the order outcomes after trimming, ignoring case.
 */
export function strikeRateDefinition(rule: { windowDays: number; orderOutcomes: readonly string[] }): string {
  const days = `${rule.windowDays} day${rule.windowDays === 1 ? '' : 's'}`;
  const order =
    rule.orderOutcomes.length === 0
      ? ' (no activity outcome is set to mean an order)'
      : ` or an order — an activity on that account (the visit itself or a later one, by anyone) whose outcome is ${rule.orderOutcomes.map((o) => `“${o}”`).join(' or ')} (ignoring case and surrounding spaces)`;
  return `Visits in the period that led to a won deal or an order within ${days}: a deal won on the same account from the visit until ${days} after it${order} ÷ visits in the period.`;
}

/** The meeting window an org starts with (days after a call or email; `meetingWindowDays` in the metric settings). */
export const DEFAULT_MEETING_WINDOW_DAYS = 14;

/** The definition of meetings from outreach with an org's meeting window. */
export function meetingsFromOutreachDefinition(windowDays: number): string {
  const days = `${windowDays} day${windowDays === 1 ? '' : 's'}`;
  return `Outreach activities (calls and emails) in the period that led to a meeting within ${days}: a meeting on the same account, by anyone, from the call or email until ${days} after it ÷ outreach activities in the period. A call or email without an account never counts as converted.`;
}

export const builtinMetrics: readonly MetricInfo[] = [
  {
    key: 'revenue_won',
    name: 'Revenue won',
    definition:
      'Sum of the amounts of deals won (closed in a won stage) in the period, in the org currency. A split deal credits each person their share.',
    unit: 'money',
    direction: 'higher',
  },
  {
    key: 'deals_won',
    name: 'Deals won',
    definition:
      "Number of deals won in the period; a split deal counts as each person's share (e.g. 0.5). Deals in the org currency (a custom metric can count deals in another currency).",
    unit: 'count',
    direction: 'higher',
  },
  {
    key: 'quota_attainment',
    name: 'Quota attainment',
    definition:
      'Revenue won ÷ the effective revenue target for the period (the revenue_won target after any ramp for new reps). "—" without a target.',
    unit: 'percent',
    direction: 'higher',
  },
  {
    key: 'win_rate',
    name: 'Win rate',
    definition:
      'Deals won ÷ deals closed (won + lost) in the period, deals in the org currency. "—" when nothing closed.',
    unit: 'percent',
    direction: 'higher',
  },
  {
    key: 'avg_deal_size',
    name: 'Average deal size',
    definition: 'Revenue won ÷ deals won in the period, deals in the org currency.',
    unit: 'money',
    direction: 'higher',
  },
  {
    key: 'sales_cycle_days',
    name: 'Sales cycle length',
    definition:
      "Average days from a deal's creation to its win, over deals won in the period in the org currency. A deal entered as won on a day before it was created in Outfield (recorded after the fact, or imported) has no known cycle and is left out.",
    unit: 'days',
    direction: 'lower',
  },
  {
    key: 'weighted_pipeline',
    name: 'Weighted pipeline',
    definition:
      "Σ amount × probability over open deals in the org currency now (probability: the deal's override, else its stage's).",
    unit: 'money',
    direction: 'higher',
    snapshot: true,
  },
  {
    key: 'open_pipeline',
    name: 'Open pipeline',
    definition:
      'Sum of the amounts of open deals in the org currency expected to close by the end of the period, or without an expected close date.',
    unit: 'money',
    direction: 'higher',
    snapshot: true,
  },
  {
    key: 'pipeline_coverage',
    name: 'Pipeline coverage',
    definition:
      'Open pipeline (open deals in the org currency expected to close by the end of the period, or without a date) ÷ remaining target (the effective revenue target − revenue won so far in the period). "—" without a target or once it is met.',
    unit: 'ratio',
    direction: 'higher',
    snapshot: true,
  },
  {
    key: 'pipeline_velocity',
    name: 'Pipeline velocity',
    definition:
      'Open deals × win rate × average deal size ÷ sales cycle length: revenue the pipeline produces per day.',
    unit: 'money_per_day',
    direction: 'higher',
    snapshot: true,
  },
  {
    key: 'activities',
    name: 'Activities',
    definition:
      'Number of activities of any kind (visits, calls, emails, meetings, demos, tasks) in the period.',
    unit: 'count',
    direction: 'higher',
  },
  {
    key: 'visits',
    name: 'Visits',
    definition: 'Number of visits logged in the period.',
    unit: 'count',
    direction: 'higher',
  },
  {
    key: 'calls',
    name: 'Calls',
    definition: 'Number of calls logged in the period.',
    unit: 'count',
    direction: 'higher',
  },
  {
    key: 'meetings',
    name: 'Meetings',
    definition: 'Number of meetings logged in the period.',
    unit: 'count',
    direction: 'higher',
  },
  {
    key: 'emails',
    name: 'Emails',
    definition: 'Number of emails logged in the period.',
    unit: 'count',
    direction: 'higher',
  },
  {
    key: 'demos',
    name: 'Demos',
    definition: 'Number of demos logged in the period.',
    unit: 'count',
    direction: 'higher',
  },
  {
    key: 'tasks',
    name: 'Tasks',
    definition: 'Number of tasks logged in the period.',
    unit: 'count',
    direction: 'higher',
  },
  {
    key: 'verified_visit_rate',
    name: 'Verified-visit rate',
    definition:
      "Visits whose check-in lay within the org's radius of the account ÷ all visits in the period.",
    unit: 'percent',
    direction: 'higher',
  },
  {
    key: 'visits_per_field_day',
    name: 'Visits per field day',
    definition: "Visits ÷ days (in the org's time zone) with at least one visit, in the period.",
    unit: 'ratio',
    direction: 'higher',
  },
  {
    key: 'meetings_from_outreach',
    name: 'Meetings from outreach',
    definition: `Outreach activities (calls and emails) in the period that led to a meeting within the org's meeting window (${DEFAULT_MEETING_WINDOW_DAYS} days by default): a meeting on the same account, by anyone, from the call or email until the window ends ÷ outreach activities in the period. A call or email without an account never counts as converted.`,
    unit: 'percent',
    direction: 'higher',
  },
  {
    key: 'strike_rate',
    name: 'Strike rate',
    definition: `Visits in the period that led to a won deal or an order within the org's strike window (${DEFAULT_STRIKE_WINDOW_DAYS} days by default): a deal won on the same account from the visit until the window ends, or an activity on that account in the window (the visit itself or a later one, by anyone) whose outcome is one of the org's order outcomes (by default “${DEFAULT_ORDER_OUTCOMES.join('”, “')}”; ignoring case and surrounding spaces) ÷ visits in the period.`,
    unit: 'percent',
    direction: 'higher',
  },
];

/** The format a built-in unit is shown in. */
export function formatOfUnit(unit: MetricUnit): MetricFormat {
  switch (unit) {
    case 'money':
    case 'money_per_day':
      return 'money';
    case 'count':
      return 'count';
    case 'percent':
      return 'percent';
    case 'days':
      return 'days';
    case 'ratio':
      return 'number';
    default: {
      const never: never = unit;
      throw new Error(`unknown unit ${String(never)}`);
    }
  }
}

export function metricInfo(key: string): MetricInfo | undefined {
  return builtinMetrics.find((m) => m.key === key);
}
