/** Which accounts a rep is offered for a visit, nearest first when the phone knows where it is. */
import { haversineMeters, type LatLng } from '../../../shared/geo.ts';
import type { Account } from './crm-types.ts';

export interface VisitCandidate {
  account: Account;
  /** Metres from the rep's position; null without a position or without account coordinates. */
  distanceM: number | null;
}

function dueTime(account: Account): number {
  return account.nextVisitDue ? Date.parse(account.nextVisitDue) : Number.POSITIVE_INFINITY;
}

/**
 * Orders accounts for the visit list. With a position: by haversine distance, accounts without
 * coordinates last (by due date). Without one: by when the next visit is due (overdue first), then
 * by name. Duplicates (the same account from the nearby and the planned list) appear once.
 */
export function rankVisitCandidates(accounts: readonly Account[], position: LatLng | null): VisitCandidate[] {
  const seen = new Set<string>();
  const candidates: VisitCandidate[] = [];
  for (const account of accounts) {
    if (seen.has(account.id)) continue;
    seen.add(account.id);
    const distanceM =
      position && account.latitude !== null && account.longitude !== null
        ? haversineMeters(position, { lat: account.latitude, lng: account.longitude })
        : null;
    candidates.push({ account, distanceM });
  }
  return candidates.sort((a, b) => {
    if (a.distanceM !== null && b.distanceM !== null && a.distanceM !== b.distanceM)
      return a.distanceM - b.distanceM;
    if (a.distanceM !== null && b.distanceM === null) return -1;
    if (a.distanceM === null && b.distanceM !== null) return 1;
    const due = dueTime(a.account) - dueTime(b.account);
    if (due !== 0 && !Number.isNaN(due)) return due;
    return a.account.name.localeCompare(b.account.name);
  });
}
