import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineMeters } from './geo.ts';

const point = fc.record({
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lng: fc.double({ min: -180, max: 180, noNaN: true }),
});

describe('haversineMeters', () => {
  it('measures known distances', () => {
    // Chicago Willis Tower to Chicago Union Station: about 390 m.
    const d = haversineMeters({ lat: 41.8789, lng: -87.6359 }, { lat: 41.8787, lng: -87.6403 });
    expect(d).toBeGreaterThan(350);
    expect(d).toBeLessThan(400);
    // One degree of latitude is about 111.2 km.
    expect(haversineMeters({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111_195, -2);
  });

  it('is zero for the same point, symmetric and never more than half the circumference', () => {
    fc.assert(
      fc.property(point, point, (a, b) => {
        expect(haversineMeters(a, a)).toBeCloseTo(0, 6);
        expect(haversineMeters(a, b)).toBeCloseTo(haversineMeters(b, a), 6);
        expect(haversineMeters(a, b)).toBeLessThanOrEqual(Math.PI * 6_371_008.8 + 1);
      }),
    );
  });
});
