/** Wire formats for instants. */

/** ISO 8601 with seconds precision, as the seed shows: "2026-01-19T00:00:00Z". */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

export const DAY_MS = 86_400_000;
