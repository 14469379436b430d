import { describe, expect, it } from 'vitest';
import { account } from './crm-fixtures.test-util.ts';
import { rankVisitCandidates } from './nearby.ts';

const here = { lat: 41.8781, lng: -87.6298 };

describe('rankVisitCandidates', () => {
  it('orders accounts by haversine distance from the position, nearest first', () => {
    const far = account('far', { latitude: 41.9781, longitude: -87.6298 }); // ~11 km north
    const near = account('near', { latitude: 41.8791, longitude: -87.6298 }); // ~111 m north
    const mid = account('mid', { latitude: 41.8881, longitude: -87.6298 }); // ~1.1 km
    const ranked = rankVisitCandidates([far, near, mid], here);
    expect(ranked.map((c) => c.account.id)).toEqual(['near', 'mid', 'far']);
    expect(ranked[0]?.distanceM).toBeGreaterThan(105);
    expect(ranked[0]?.distanceM).toBeLessThan(118);
  });

  it('puts accounts without coordinates after located ones, ordered by due date', () => {
    const located = account('located', { latitude: 42, longitude: -87 });
    const dueLater = account('later', { nextVisitDue: '2025-03-01T00:00:00.000Z' });
    const dueSoon = account('soon', { nextVisitDue: '2025-02-01T00:00:00.000Z' });
    const ranked = rankVisitCandidates([dueLater, located, dueSoon], here);
    expect(ranked.map((c) => c.account.id)).toEqual(['located', 'soon', 'later']);
    expect(ranked[1]?.distanceM).toBeNull();
  });

  it('without a position orders by the next visit due (overdue first), then by name', () => {
    const noDue = account('x', { name: 'Alpha', nextVisitDue: null, latitude: 41, longitude: -87 });
    const soon = account('y', { name: 'Zulu', nextVisitDue: '2025-01-05T00:00:00.000Z' });
    const later = account('z', { name: 'Beta', nextVisitDue: '2025-02-05T00:00:00.000Z' });
    const ranked = rankVisitCandidates([noDue, later, soon], null);
    expect(ranked.map((c) => c.account.id)).toEqual(['y', 'z', 'x']);
    expect(ranked.every((c) => c.distanceM === null)).toBe(true);
  });

  it('lists an account that came from both the nearby and the planned list once', () => {
    const a = account('a', { latitude: 41.88, longitude: -87.63 });
    expect(rankVisitCandidates([a, a], here)).toHaveLength(1);
  });
});
