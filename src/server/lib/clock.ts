/** The app's only source of "now", so tests can move time (session expiry, rate limits). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fakeClock(
  start = Date.UTC(2026, 0, 5, 9, 0, 0),
): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
    set(ms: number) {
      current = ms;
    },
  };
}
