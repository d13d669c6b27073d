/** When a team gives a name up, every one of its certificates carrying that name stops renewing, and says why. */
import { and, eq, isNotNull, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { unheldNames } from "./domain-claims";

/** The start of `lastRenewError` on a certificate whose renewal stopped because a name was released. */
export const RELEASED_NAME_STOP = "Automatic renewal stopped: the team no longer holds ";

/**
 * A statement for the batch that releases a claim: the team's renewing certificates with a name it no
 * longer holds get autoRenew false, no next renewal time and the reason in lastRenewError, so the
 * sweep never orders a name that may already be another team's on this team's ACME account.
 * updated_at moves strictly forward: a renewal in flight over the old row is then dropped (see unchangedSince).
 */
export function stopRenewalsOfReleasedNamesStatement(db: Database, teamId: string, now: number) {
  const unheld = unheldNames(sql.raw("certificates.team_id"), sql.raw("certificates.names"));
  return db
    .update(certificates)
    .set({
      autoRenew: false,
      nextRenewalAt: null,
      lastRenewError: sql`${RELEASED_NAME_STOP} || (${unheld} LIMIT 1)`,
      updatedAt: sql`max(${now}, certificates.updated_at + 1)`,
    })
    .where(
      and(
        eq(certificates.teamId, teamId),
        eq(certificates.state, "active"),
        or(eq(certificates.autoRenew, true), isNotNull(certificates.nextRenewalAt)),
        sql`EXISTS (${unheld})`,
      ),
    );
}
