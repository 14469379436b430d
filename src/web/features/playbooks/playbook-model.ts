/** Pure parts of the playbook screens: the editor's rows ⇄ the API document, the diff in words, error paths. */
import { amountText, parseAmount } from '../targets/target-grid-model.ts';
import type { PeriodKind, PlaybookDiff, PlaybookDocumentIn, PlaybookDocumentOut } from './playbooks-api.ts';

export interface EditorDoc {
  summary: string;
  responsibilities: string[];
  targets: { metric: string; periodKind: PeriodKind; amount: string }[];
  metrics: { metric: string; note: string }[];
}

export const PERIOD_WORDS: Record<PeriodKind, string> = {
  week: 'per week',
  month: 'per month',
  quarter: 'per quarter',
  year: 'per year',
};

export function editorOf(doc: PlaybookDocumentOut | undefined, currency: string): EditorDoc {
  if (!doc) return { summary: '', responsibilities: [''], targets: [], metrics: [] };
  return {
    summary: doc.summary,
    responsibilities: doc.responsibilities.length ? [...doc.responsibilities] : [''],
    targets: doc.targets.map((t) => ({
      metric: t.metric.key,
      periodKind: t.periodKind,
      amount: amountText(t.amount, t.metric.format, currency),
    })),
    metrics: doc.metrics.map((m) => ({ metric: m.metric.key, note: m.note })),
  };
}

/**
 * The document to send, or the editor paths that cannot be read (`targets.0.amount`). Blank
 * responsibilities are dropped (their indices shift, so errors come back on the sent list).
 */
export function documentOf(
  e: EditorDoc,
  formatOf: (metric: string) => string,
  currency: string,
): { ok: true; doc: PlaybookDocumentIn } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const targets = e.targets.map((t, i) => {
    const parsed = parseAmount(t.amount, formatOf(t.metric), currency);
    if (!parsed.ok) errors[`targets.${i}.amount`] = parsed.reason;
    else if (parsed.value === null) errors[`targets.${i}.amount`] = 'Give an amount';
    return { metric: t.metric, periodKind: t.periodKind, amount: parsed.ok ? (parsed.value ?? 0) : 0 };
  });
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    doc: {
      summary: e.summary,
      responsibilities: e.responsibilities.map((r) => r.trim()).filter(Boolean),
      targets,
      metrics: e.metrics,
    },
  };
}

/** `body.document.targets.0.metric` → `targets.0.metric`; `name` stays `name`. */
export function editorPath(apiPath: string): string {
  return apiPath.replace(/^\/?(body[./])?/, '').replace(/^document[./]/, '');
}

/** The changes since the version I acknowledged, as sentences. */
export function diffWords(
  d: PlaybookDiff,
  name: (metric: string) => string,
  amount: (metric: string, v: number) => string,
): string[] {
  const out: string[] = [];
  if (d.summary)
    out.push(
      d.summary.from
        ? `Summary changed from “${d.summary.from}” to “${d.summary.to}”`
        : `New summary: “${d.summary.to}”`,
    );
  else if (d.summaryChanged) out.push('The summary changed.');
  for (const r of d.responsibilities.added) out.push(`New responsibility: ${r}`);
  for (const r of d.responsibilities.removed) out.push(`No longer a responsibility: ${r}`);
  for (const t of d.targets.added)
    out.push(`New target: ${name(t.metric)} ${amount(t.metric, t.amount)} ${PERIOD_WORDS[t.periodKind]}`);
  for (const t of d.targets.changed)
    out.push(
      `Target changed: ${name(t.metric)} ${PERIOD_WORDS[t.periodKind]} from ${amount(t.metric, t.from)} to ${amount(t.metric, t.to)}`,
    );
  for (const t of d.targets.removed)
    out.push(`Target removed: ${name(t.metric)} ${PERIOD_WORDS[t.periodKind]}`);
  for (const m of d.metrics.added) out.push(`Now judged by: ${name(m)}`);
  for (const m of d.metrics.removed) out.push(`No longer judged by: ${name(m)}`);
  for (const m of d.metrics.changed) out.push(`Note on ${name(m.metric)} changed: “${m.to}”`);
  return out;
}
