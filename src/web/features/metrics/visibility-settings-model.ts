/** The peer visibility form's model: choices in words, the edit as a patch, server errors by field. */
import type { MetricSettings, MetricSettingsPatch, PeerVisibility } from './metrics-api.ts';

/** A metric's choice in the form: its own visibility, or the org's default. */
export type MetricChoice = PeerVisibility | 'default';

export const VISIBILITY_WORDS: Record<PeerVisibility, { label: string; explanation: string }> = {
  none: {
    label: 'Nothing',
    explanation: 'Reps see only their own number. Peers are left out of their lists and leaderboards.',
  },
  ranks: {
    label: 'Ranks only',
    explanation: 'Reps see where each peer stands (#1, #2, …) but not their numbers.',
  },
  values: {
    label: 'Values',
    explanation: 'Reps see their peers’ numbers as well as their ranks.',
  },
};

export const VISIBILITIES: readonly PeerVisibility[] = ['none', 'ranks', 'values'];

/** The form's state: the default and every metric's choice. */
export interface VisibilityDraft {
  defaultVisibility: PeerVisibility;
  metrics: Record<string, MetricChoice>;
}

/** The form as the saved settings leave it, for the metrics of the catalog. */
export function draftOf(settings: MetricSettings, metricKeys: readonly string[]): VisibilityDraft {
  return {
    defaultVisibility: settings.defaultVisibility,
    metrics: Object.fromEntries(metricKeys.map((key) => [key, settings.visibility[key] ?? 'default'])),
  };
}

/**
 * Only what the form changed against the saved settings: the default when it differs, and per
 * metric its new visibility or null (back to the default). Empty when nothing changed.
 */
export function visibilityPatch(settings: MetricSettings, draft: VisibilityDraft): MetricSettingsPatch {
  const patch: MetricSettingsPatch = {};
  if (draft.defaultVisibility !== settings.defaultVisibility)
    patch.defaultVisibility = draft.defaultVisibility;
  const visibility: Record<string, PeerVisibility | null> = {};
  for (const [key, choice] of Object.entries(draft.metrics)) {
    const saved: MetricChoice = settings.visibility[key] ?? 'default';
    if (choice !== saved) visibility[key] = choice === 'default' ? null : choice;
  }
  if (Object.keys(visibility).length > 0) patch.visibility = visibility;
  return patch;
}

/** How many fields a patch changes (the default counts once, each metric once). */
export function changeCount(patch: MetricSettingsPatch): number {
  return (patch.defaultVisibility ? 1 : 0) + Object.keys(patch.visibility ?? {}).length;
}

/**
 * The form field an API error path names: `defaultVisibility`, or a metric's key for
 * `visibility.<key>` (with or without a leading `body.`); null for anything else.
 */
export function visibilityFieldOf(
  path: string,
): { type: 'default' } | { type: 'metric'; key: string } | null {
  const segments = path.replace(/^\//, '').split(/[./]/).filter(Boolean);
  if (segments[0] === 'body') segments.shift();
  if (segments.length === 1 && segments[0] === 'defaultVisibility') return { type: 'default' };
  if (segments.length === 2 && segments[0] === 'visibility') return { type: 'metric', key: segments[1]! };
  return null;
}
