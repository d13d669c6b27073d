/** Wire formats for instants. */
import { isoSeconds as isoSecondsOfDate } from "../pki";

/** ISO 8601 with seconds precision, as the seed shows: "2026-01-19T00:00:00Z". */
export function isoSeconds(ms: number): string {
  return isoSecondsOfDate(new Date(ms));
}

export const DAY_MS = 86_400_000;
