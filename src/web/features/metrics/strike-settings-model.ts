/** The strike-rate settings form's pure parts: the draft, the edit as a patch, server errors by field. */
import type { MetricSettings, MetricSettingsPatch } from './metrics-api.ts';

/** The form's state: the window as typed (a number, or '' while empty) and the order outcomes. */
export interface StrikeDraft {
  windowDays: number | string;
  orderOutcomes: string[];
}

export interface StrikeErrors {
  strikeWindowDays?: string;
  orderOutcomes?: string;
}

export function strikeDraftOf(
  settings: Pick<MetricSettings, 'strikeWindowDays' | 'orderOutcomes'>,
): StrikeDraft {
  return { windowDays: settings.strikeWindowDays, orderOutcomes: [...settings.orderOutcomes] };
}

/** Outcomes as the server stores them: trimmed, blanks dropped, no repeats that differ only in case. */
export function cleanOutcomes(outcomes: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of outcomes) {
    const o = raw.trim();
    if (!o || seen.has(o.toLowerCase())) continue;
    seen.add(o.toLowerCase());
    out.push(o);
  }
  return out;
}

/**
 * Only what the form changed against the saved settings (empty when nothing did), or the error of
 * a window that is not a whole number of days from 1 to 365 (checked here too, so nothing is sent).
 */
export function strikePatch(
  settings: Pick<MetricSettings, 'strikeWindowDays' | 'orderOutcomes'>,
  draft: StrikeDraft,
): { patch: MetricSettingsPatch; errors: StrikeErrors } {
  const patch: MetricSettingsPatch = {};
  const errors: StrikeErrors = {};
  const days = typeof draft.windowDays === 'number' ? draft.windowDays : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 365)
    errors.strikeWindowDays = 'Enter a whole number of days from 1 to 365';
  else if (days !== settings.strikeWindowDays) patch.strikeWindowDays = days;
  const outcomes = cleanOutcomes(draft.orderOutcomes);
  if (JSON.stringify(outcomes) !== JSON.stringify(settings.orderOutcomes)) patch.orderOutcomes = outcomes;
  return { patch: Object.keys(errors).length ? {} : patch, errors };
}

function sentence(message: string): string {
  return message ? `${message[0]!.toUpperCase()}${message.slice(1)}` : message;
}

/**
 * The API's field errors under the form's fields: `strikeWindowDays`, and `orderOutcomes` or
 * `orderOutcomes.<i>` (named by its value, e.g. “Order outcome 2 (…)”). Null when a path names
 * neither field (shown as a notification instead).
 */
export function strikeErrorsOf(
  fields: readonly { path: string; message: string }[],
  sent: MetricSettingsPatch,
): StrikeErrors | null {
  const errors: StrikeErrors = {};
  for (const f of fields) {
    const segments = f.path.replace(/^\//, '').split(/[./]/).filter(Boolean);
    if (segments[0] === 'body') segments.shift();
    if (segments[0] === 'strikeWindowDays') errors.strikeWindowDays ??= sentence(f.message);
    else if (segments[0] === 'orderOutcomes') {
      const index = segments[1] === undefined ? Number.NaN : Number(segments[1]);
      const which = Number.isInteger(index)
        ? `Order outcome ${index + 1}${sent.orderOutcomes?.[index] !== undefined ? ` (“${sent.orderOutcomes[index]!.slice(0, 40)}”)` : ''}: `
        : '';
      errors.orderOutcomes ??= `${which}${which ? f.message : sentence(f.message)}`;
    } else return null;
  }
  return errors;
}
