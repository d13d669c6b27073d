/**
 * The webhook sweep (each cron tick, after the others): announce the expiry notices that have come (expiry-scan.ts),
 * then send again every outbox message left overdue, whose queue message was lost or gave up. Delivery is at least
 * once: a message stays in the outbox until it is delivered or given up, whatever happens to the queue.
 */
import { overdueOutboxMessages } from "../../store/webhooks";
import type { Deps } from "../deps";
import { enqueueWebhookMessages } from "./emit";
import { announceExpiries } from "./expiry-scan";

/** How late a message must be before the sweep sends it again: past this its own queue message is taken as lost. */
export const OVERDUE_GRACE_MS = 5 * 60_000;
/** Overdue messages one tick sends again, at most (and certificates the expiry scan looks at). */
export const DEFAULT_WEBHOOK_SWEEP_BATCH = 500;

export interface WebhookSweepResult {
  /** Expiry notices announced this tick. */
  announced: number;
  /** Overdue outbox messages found. */
  due: number;
  /** Of those, put on the queue again. */
  enqueued: number;
  /** Refused by the queue: found again next tick. */
  failed: number;
  /** The overdue messages (`webhook-id`s), oldest first. */
  ids: string[];
}

export async function sweepWebhooks(deps: Deps, asOf: number, batchSize = DEFAULT_WEBHOOK_SWEEP_BATCH): Promise<WebhookSweepResult> {
  const { announced } = await announceExpiries(deps, asOf, batchSize);
  const overdue = await overdueOutboxMessages(deps.db, asOf - OVERDUE_GRACE_MS, deps.clock.now(), batchSize);
  // The next attempt of each, judged due on this tick's clock; a queue message still on its way for that same attempt
  // finds it made and is dropped (delivery.ts).
  const failed = await enqueueWebhookMessages(deps, overdue.map((row) => ({ id: row.id, attempt: row.attempts + 1, asOf })));
  return { announced, due: overdue.length, enqueued: overdue.length - failed, failed, ids: overdue.map((row) => row.id) };
}
