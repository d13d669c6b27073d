/**
 * Delivery rounds over the webhook outbox (services/webhooks/rounds.ts). A round takes the due messages, teams in
 * turn, into the free delivery slots and holds them for their queue messages; `webhook_rounds` counts each round's
 * queue messages until the consumer has taken them, whatever became of their rows, so a free slot always means room
 * in the queue. A held message is not due again until its hold runs out, so a lost queue message only delays it.
 */
import { and, eq, inArray, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { webhookOutbox, webhookRounds } from "../db/schema";

export interface RoundClaim {
  /** The round's id: its queue messages carry it, and the consumer counts them off by it. */
  id: string;
  /** Messages due at this instant are taken (the sweep's clock, which tests move; else now). */
  asOf: number;
  /** The real clock: which holds have run out. */
  now: number;
  /** How many queue messages may wait or run at once, over every round: the delivery slots. */
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

/** The slots other rounds' messages still take at `now`. */
function slotsTaken(roundId: string, now: number) {
  return sql`(SELECT coalesce(sum(max(pending, 0)), 0) FROM webhook_rounds WHERE held_until > ${now} AND id <> ${roundId})`;
}

/** Messages nobody holds that are due: through webhook_outbox_due_idx, which holds every column a round reads. */
function dueUnheld(asOf: number, now: number) {
  return sql`next_attempt_at <= ${asOf} AND (lease_until IS NULL OR lease_until <= ${now})`;
}

/**
 * Claims a round, in one D1 batch (one transaction): the round's entry counts what it takes, min(free slots, due
 * messages); then as many due messages are held until `heldUntil` and returned (in no particular order:
 * renewal/turns.ts puts them in turns). Teams in turn (ROW_NUMBER() OVER (PARTITION BY team_id …), as
 * store/renewal-claims.ts ranks renewals): each team's longest-waiting message, then each team's second, so a team
 * with thousands waiting gets one place per turn like a team with one. With every slot taken the due messages are not
 * even read: SQLite evaluates a WHERE term that depends on no row once, before its loop, and skips the loop when false.
 */
export async function claimRound(db: Database, claim: RoundClaim): Promise<ClaimedMessage[]> {
  const { id, asOf, now, slots, heldUntil } = claim;
  const free = sql`max(0, ${slots} - ${slotsTaken(id, now)})`;
  const taken = sql`(SELECT id FROM (
      SELECT id, next_attempt_at, row_number() OVER (PARTITION BY team_id ORDER BY next_attempt_at, id) AS turn
      FROM webhook_outbox
      WHERE ${slotsTaken(id, now)} < ${slots} AND ${dueUnheld(asOf, now)})
    WHERE turn <= ${slots}
    ORDER BY turn, next_attempt_at, id
    LIMIT ${free})`;
  // No team has more than `slots` in a round, so min(free, due) is exactly how many the update takes.
  const due = sql`(SELECT count(*) FROM webhook_outbox WHERE ${slotsTaken(id, now)} < ${slots} AND ${dueUnheld(asOf, now)})`;
  const [, claimed] = await db.batch([
    db.insert(webhookRounds).select(sql`SELECT ${id}, min(${free}, ${due}), ${heldUntil} WHERE min(${free}, ${due}) > 0`),
    db
      .update(webhookOutbox)
      .set({ leaseUntil: heldUntil })
      .where(inArray(webhookOutbox.id, taken))
      .returning({ id: webhookOutbox.id, teamId: webhookOutbox.teamId, attempts: webhookOutbox.attempts, nextAttemptAt: webhookOutbox.nextAttemptAt }),
  ]);
  return claimed;
}

/** D1 binds at most 100 parameters per statement (https://developers.cloudflare.com/d1/platform/limits/). */
const IDS_PER_STATEMENT = 90;

/** Gives back what a round held (its queue messages could not be sent): the next round finds them due again. */
export async function releaseRound(db: Database, roundId: string, ids: readonly string[], heldUntil: number): Promise<void> {
  const statements = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const chunk = ids.slice(i, i + IDS_PER_STATEMENT);
    statements.push(db.update(webhookOutbox).set({ leaseUntil: null }).where(and(inArray(webhookOutbox.id, chunk), eq(webhookOutbox.leaseUntil, heldUntil))));
  }
  await db.batch([db.update(webhookRounds).set({ pending: sql`${webhookRounds.pending} - ${ids.length}` }).where(eq(webhookRounds.id, roundId)), ...statements]);
}

/**
 * Counts off the queue messages the consumer has taken, by round (`consumed`: round id → messages), and forgets the
 * rounds counted off before or whose hold ran out (their messages lost). One D1 batch.
 */
export async function settleRounds(db: Database, consumed: ReadonlyMap<string, number>, now: number): Promise<void> {
  const counts = [...consumed].map(([id, n]) => db.update(webhookRounds).set({ pending: sql`${webhookRounds.pending} - ${n}` }).where(eq(webhookRounds.id, id)));
  await db.batch([db.delete(webhookRounds).where(or(lte(webhookRounds.pending, 0), lte(webhookRounds.heldUntil, now))), ...counts]);
}
