/** Instants: the clock services read, and the wire format for them. */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The time source, injected so that tests can move time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO 8601 in UTC with seconds precision, e.g. "2026-01-19T00:00:00Z". */
export function isoSeconds(instant: Date | number): string {
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, "Z");
}
