/** The OpenAI surface's instants on the wire: Unix seconds, as OpenAI's API reference gives `created_at`, `valid_at` and `expires_at`. */

/** A stored instant (epoch milliseconds) in whole Unix seconds. */
export function unixSeconds(instant: number): number {
  return Math.floor(instant / 1000);
}
