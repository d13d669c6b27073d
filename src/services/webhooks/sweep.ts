/**
 * The webhook sweep (each cron tick, after the others): announce the expiry notices that have come (expiry-scan.ts),
 * run a delivery round (rounds.ts) for whatever is due and was not taken (a lost queue message, a round that found
 * the slots full with nothing running after it), and remove the events no message refers to any more. Delivery is at
 * least once: a message stays in the outbox until it is delivered, given up or dropped for its team's budget.
 */
import { deleteOrphanEventsStatement } from "../../store/webhook-events";
import type { Deps } from "../deps";
import { announceExpiries } from "./expiry-scan";
import { runDeliveryRound } from "./rounds";

/** Certificates the expiry scan looks at per tick, at most. */
export const DEFAULT_WEBHOOK_SWEEP_BATCH = 500;

export interface WebhookSweepResult {
  /** Expiry notices announced this tick. */
  announced: number;
  /** Messages due at `asOf` that this tick's round put on the queue (teams in turn, as many as slots were free). */
  due: number;
  /** Of those, put on the queue. */
  enqueued: number;
  /** Refused by the queue: taken again by a later round. */
  failed: number;
  /** The messages the round took (`webhook-id`s), in the order sent. */
  ids: string[];
}

export async function sweepWebhooks(deps: Deps, asOf: number, batchSize = DEFAULT_WEBHOOK_SWEEP_BATCH): Promise<WebhookSweepResult> {
  const { announced } = await announceExpiries(deps, asOf, batchSize);
  const round = await runDeliveryRound(deps, asOf);
  await deleteOrphanEventsStatement(deps.db, null);
  return { announced, due: round.ids.length, enqueued: round.enqueued, failed: round.failed, ids: round.ids };
}
