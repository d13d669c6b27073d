/** The native API's instants on the wire: ISO 8601 strings in UTC. */
import { isoSeconds } from "../../core/time";

/** Certificate times, to the second ("2026-01-19T00:00:00Z"), as the validation report gives them. */
export const certificateTime = isoSeconds;

/**
 * Times of records (teams, projects, tokens, audit events), to the millisecond
 * ("2026-01-19T00:00:00.123Z"): what these endpoints have always answered.
 */
export function recordTime(instant: number): string {
  return new Date(instant).toISOString();
}
