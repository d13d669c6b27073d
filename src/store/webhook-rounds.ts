/**
 * Delivery rounds over the webhook outbox: a round holds the due messages it puts on the webhook queue, teams in turn,
 * as many as there are free delivery slots (services/webhooks/rounds.ts). A held message is not due again until its
 * hold runs out, so a queue message that is lost only delays it.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { webhookOutbox } from "../db/schema";

export interface RoundClaim {
  /** Messages due at this instant are taken (the sweep's clock, which tests move; else now). */
  asOf: number;
  /** The real clock: which holds have run out. */
  now: number;
  /** How many messages may be held at once, by rounds and attempts together: the delivery slots. */
  slots: number;
  /** Until when the round holds what it takes; its queue messages carry it, so their attempts may take over the hold. */
  heldUntil: number;
}

export interface ClaimedMessage {
  id: string;
  teamId: string;
  attempts: number;
  nextAttemptAt: number;
}

/**
 * Takes, in one statement, the due messages no round or attempt holds, as many as the slots left free by the messages
 * held now, and holds them until `heldUntil`. Teams in turn (ROW_NUMBER() OVER (PARTITION BY team_id …), as
 * store/renewal-claims.ts ranks renewals): each team's longest-waiting message first, then each team's second, so a
 * team with thousands of messages waiting gets one place per turn like a team with one. Only due messages are read,
 * through webhook_outbox_due_idx, which holds every column the ranking needs; the held ones are counted through the
 * partial index webhook_outbox_lease_idx. Returned in no particular order (renewal/turns.ts puts them in turns).
 */
export function claimRound(db: Database, claim: RoundClaim) {
  const { asOf, now, slots, heldUntil } = claim;
  const taken = sql`(SELECT id FROM (
      SELECT id, next_attempt_at, row_number() OVER (PARTITION BY team_id ORDER BY next_attempt_at, id) AS turn
      FROM webhook_outbox
      WHERE next_attempt_at <= ${asOf} AND (lease_until IS NULL OR lease_until <= ${now}))
    WHERE turn <= ${slots}
    ORDER BY turn, next_attempt_at, id
    LIMIT max(0, ${slots} - (SELECT count(*) FROM webhook_outbox WHERE lease_until > ${now})))`;
  return db
    .update(webhookOutbox)
    .set({ leaseUntil: heldUntil })
    .where(inArray(webhookOutbox.id, taken))
    .returning({ id: webhookOutbox.id, teamId: webhookOutbox.teamId, attempts: webhookOutbox.attempts, nextAttemptAt: webhookOutbox.nextAttemptAt });
}

/** D1 binds at most 100 parameters per statement (https://developers.cloudflare.com/d1/platform/limits/). */
const IDS_PER_STATEMENT = 90;

/** Gives back what a round held (its queue messages could not be sent): the next round finds them due again. */
export async function releaseRound(db: Database, ids: readonly string[], heldUntil: number): Promise<void> {
  const statements = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const chunk = ids.slice(i, i + IDS_PER_STATEMENT);
    statements.push(db.update(webhookOutbox).set({ leaseUntil: null }).where(and(inArray(webhookOutbox.id, chunk), eq(webhookOutbox.leaseUntil, heldUntil))));
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
