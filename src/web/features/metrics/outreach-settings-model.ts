/** The meetings-from-outreach settings form's pure parts: the edit as a patch, server errors by field. */
import type { MetricSettings, MetricSettingsPatch } from './metrics-api.ts';

export const WINDOW_ERROR = 'Enter a whole number of days from 1 to 365';

/**
 * The window as typed (a number, or '' while empty) as a patch against the saved settings: empty
 * when unchanged, or the error of a value that is not a whole number of days from 1 to 365
 * (checked here too, so nothing is sent).
 */
export function outreachPatch(
  settings: Pick<MetricSettings, 'meetingWindowDays'>,
  windowDays: number | string,
): { patch: MetricSettingsPatch; error: string | null } {
  const days = typeof windowDays === 'number' ? windowDays : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 365) return { patch: {}, error: WINDOW_ERROR };
  return { patch: days === settings.meetingWindowDays ? {} : { meetingWindowDays: days }, error: null };
}

/** The API's error for `meetingWindowDays` as a sentence under the field; null when it names another field. */
export function outreachErrorOf(fields: readonly { path: string; message: string }[]): string | null {
  for (const f of fields) {
    const segments = f.path.replace(/^\//, '').split(/[./]/).filter(Boolean);
    if (segments[0] === 'body') segments.shift();
    if (segments[0] !== 'meetingWindowDays') return null;
    return f.message ? `${f.message[0]!.toUpperCase()}${f.message.slice(1)}` : WINDOW_ERROR;
  }
  return null;
}
