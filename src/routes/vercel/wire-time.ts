/** The Vercel surface's instants on the wire: epoch milliseconds, as Vercel's REST API gives them (e.g. a cert's `createdAt`). */

/** Stored instants are already epoch milliseconds; going through here says which surface format they are in. */
export function epochMs(instant: number): number {
  return instant;
}
