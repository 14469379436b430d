/** Pure helpers of the import page. */
import type { ImportRun } from './crm-types.ts';

function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * A first manual mapping: each CSV header that names a field (ignoring case, spaces and
 * punctuation: "Postal code" → postalCode) maps to it; the rest are ignored (null).
 */
export function suggestMapping(
  headers: readonly string[],
  fields: readonly string[],
): Record<string, string | null> {
  const byName = new Map(fields.map((field) => [normalise(field), field]));
  const used = new Set<string>();
  const mapping: Record<string, string | null> = {};
  for (const header of headers) {
    const field = byName.get(normalise(header)) ?? null;
    mapping[header] = field && !used.has(field) ? field : null;
    if (field) used.add(field);
  }
  return mapping;
}

/** Whole percent of the rows processed; 100 once done, 0 before the total is known. */
export function importProgress(run: Pick<ImportRun, 'state' | 'processedRows' | 'totalRows'>): number {
  if (run.state === 'done') return 100;
  if (run.totalRows <= 0) return 0;
  return Math.min(100, Math.floor((run.processedRows / run.totalRows) * 100));
}
