/**
 * A team's certificates by days left, every one counted (the dashboard's summary): the same indexed aggregates as the
 * `/metrics` scrape (services/metrics/certificate-aggregates.ts), summed over the team's groups.
 */
import type { Database } from "../../db/client";
import { EXPIRY_WINDOWS, groupCounts, publicAggregateQuery } from "../metrics/certificate-aggregates";

export type ExpiryWindow = (typeof EXPIRY_WINDOWS)[number]["within"];

export interface ExpirySummary {
  /** Not yet expired, notAfter within each window (each includes the shorter ones). */
  expiring: Record<ExpiryWindow, number>;
  expired: number;
  renewalFailing: number;
  /** The soonest notAfter to come (ms), null when none is to come. */
  earliestExpiresAt: number | null;
}

/**
 * The team's ACME and uploaded certificates, as its inventory lists them; revoked ones are left out (nothing is
 * served or renewed from them, as the dashboard's nearest expiry leaves them out).
 */
export async function teamExpirySummary(db: Database, teamId: string, now: number): Promise<ExpirySummary> {
  const groups = (await publicAggregateQuery(db, teamId, now)).filter((group) => group.status === "active");
  const summary: ExpirySummary = {
    expiring: Object.fromEntries(EXPIRY_WINDOWS.map((w) => [w.within, 0])) as Record<ExpiryWindow, number>,
    expired: 0,
    renewalFailing: 0,
    earliestExpiresAt: null,
  };
  for (const group of groups) {
    const counts = groupCounts(group);
    EXPIRY_WINDOWS.forEach((w, i) => (summary.expiring[w.within] += counts.within[i]!));
    summary.expired += counts.expired;
    summary.renewalFailing += group.failing;
    if (group.earliest !== null && (summary.earliestExpiresAt === null || group.earliest < summary.earliestExpiresAt)) summary.earliestExpiresAt = group.earliest;
  }
  return summary;
}
