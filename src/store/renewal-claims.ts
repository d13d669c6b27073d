/**
 * The renewal queue's claims on certificate rows: a tick claims the due rows it sends (renewal_queued_until), so the
 * ticks after it leave them to their message; the consumer clears the claim once the renewal ran. A claim that
 * outlives a lost message simply expires and the row is due again.
 */
import { and, asc, eq, inArray, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";

export interface ClaimedRenewal {
  id: string;
  teamId: string;
  nextRenewalAt: number;
}

/**
 * Claims up to `limit` rows due at `asOf` and not claimed (or whose claim ran out), until `until`, in one statement
 * (two ticks running at once cannot claim the same row), and returns them (in no particular order: renewal/turns.ts
 * `inTurns` puts them in the claim's). Which rows: teams in turn (ROW_NUMBER() OVER (PARTITION BY team_id …), SQLite
 * window functions), each team's most overdue first, so a team with a thousand due certificates gets one place per
 * turn like a team with one. Only due rows are read, through the partial index certificates_renewal_idx on
 * (next_renewal_at, renewal_queued_until, team_id, id), which holds every column the ranking reads: the cost follows
 * the number due, not the number stored, and the table is read only for the rows claimed.
 *
 * Every call ranks every due, unclaimed row (the window function numbers the whole backlog), however few it claims:
 * the sweep claims a whole tick with one call (bench/RESULTS.md section 8: a day's backlog drained with one statement a
 * tick instead of pages of 500 cost 0.23× the D1 time). The statement binds five parameters whatever `limit` is.
 */
export function claimDueInTurns(db: Database, asOf: number, limit: number, until: number) {
  const ranked = db
    .select({
      id: certificates.id,
      nextRenewalAt: certificates.nextRenewalAt,
      turn: sql<number>`row_number() over (partition by ${certificates.teamId} order by ${certificates.nextRenewalAt}, ${certificates.id})`.as("turn"),
    })
    .from(certificates)
    .where(
      and(
        isNotNull(certificates.nextRenewalAt),
        lte(certificates.nextRenewalAt, asOf),
        or(isNull(certificates.renewalQueuedUntil), lte(certificates.renewalQueuedUntil, asOf)),
      ),
    )
    .as("ranked");
  // No team can have more than `limit` rows in one claim: bounding the turn keeps the sort small.
  const claim = db
    .select({ id: ranked.id })
    .from(ranked)
    .where(lte(ranked.turn, limit))
    .orderBy(asc(ranked.turn), asc(ranked.nextRenewalAt), asc(ranked.id))
    .limit(limit);
  return db
    .update(certificates)
    .set({ renewalQueuedUntil: until })
    .where(inArray(certificates.id, claim))
    .returning({ id: certificates.id, teamId: certificates.teamId, nextRenewalAt: certificates.nextRenewalAt });
}

/** D1 binds at most 100 parameters per statement (https://developers.cloudflare.com/d1/platform/limits/). */
const IDS_PER_STATEMENT = 90;

/** Gives claims back (their messages could not be sent): the next tick finds the rows due again. */
export async function releaseClaims(db: Database, ids: readonly string[]): Promise<void> {
  const statements = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    statements.push(db.update(certificates).set({ renewalQueuedUntil: null }).where(inArray(certificates.id, ids.slice(i, i + IDS_PER_STATEMENT))));
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/** The renewal ran (or will not): the row is no longer on the queue. */
export async function releaseClaim(db: Database, id: string): Promise<void> {
  await db.update(certificates).set({ renewalQueuedUntil: null }).where(and(eq(certificates.id, id), isNotNull(certificates.renewalQueuedUntil)));
}

/**
 * A row the sweep found that nothing can renew (an uploaded certificate, a revoked one): its schedule and claim are
 * cleared, so no tick claims it again. Only those two columns: the certificate itself is not changed.
 */
export async function unscheduleRenewal(db: Database, id: string): Promise<void> {
  await db.update(certificates).set({ nextRenewalAt: null, renewalQueuedUntil: null }).where(eq(certificates.id, id));
}
