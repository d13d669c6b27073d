/**
 * Delivery rounds: how webhook messages get onto the queue, so that one team's slow or failing receivers delay only
 * that team. The queue is first in, first out; were every message sent when its event is recorded, a team that records
 * thousands would put them all ahead of another team's one. So a message waits in the outbox until a round takes it:
 * a round fills the free delivery slots with the due messages, teams in turn (store/webhook-rounds.ts), and the queue
 * never holds more attempts than the consumer runs at once: a slot is free again only once the consumer has taken its
 * message, whatever became of the row it named (a message dropped for its team's budget still takes its slot until
 * then). A team's message waits at most for the round after it is due, behind at most one message of each other team,
 * whatever the others have waiting.
 *
 * Rounds run when an event is recorded (emit.ts), after each consumer batch (its slots are free again), when a failed
 * message's backoff ends (queue.ts sends a round message with that delay), and on each cron tick (sweep.ts).
 */
import { newId } from "../../core/ids";
import { inTurnsBy } from "../../renewal/turns";
import { claimRound, releaseRound } from "../../store/webhook-rounds";
import type { Deps } from "../deps";
import type { AttemptMessage, WebhookMessage } from "./message";

/**
 * Attempts in flight at once across all teams: the webhook consumer's concurrency in wrangler.toml (max_concurrency 5
 * × max_batch_size 10), so what a round sends is taken up at once instead of queueing behind other rounds.
 */
export const DELIVERY_SLOTS = 50;
/**
 * How long a round holds the messages it sends before another round may take them again: time for the queue to hand
 * them to the consumer. A lost queue message delays its attempt by this much.
 */
export const ROUND_HOLD_MS = 2 * 60_000;

/** Queue.sendBatch takes at most 100 messages (https://developers.cloudflare.com/queues/platform/limits/). */
const SEND_BATCH = 100;

export interface RoundResult {
  /** Messages the round took, in the order sent (their `webhook-id`s): teams in turn. */
  ids: string[];
  /** Of those, on the queue now. */
  enqueued: number;
  /** Refused by the queue: given back, taken again by a later round. */
  failed: number;
}

/** Sends messages to the webhook queue, 100 per call, each after `delaySeconds` if given; answers the ones refused. */
export async function sendWebhookMessages<T extends WebhookMessage>(deps: Deps, messages: readonly T[], delaySeconds?: number): Promise<T[]> {
  const refused: T[] = [];
  for (let i = 0; i < messages.length; i += SEND_BATCH) {
    const chunk = messages.slice(i, i + SEND_BATCH);
    try {
      await deps.webhookQueue.sendBatch(chunk.map((body) => (delaySeconds ? { body, delaySeconds } : { body })));
    } catch (error) {
      refused.push(...chunk);
      console.error(`webhooks: the queue refused ${chunk.length} messages (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return refused;
}

/**
 * One delivery round: the messages due at `asOf` (tests move it; else now) into the free slots, teams in turn, each
 * held for its queue message. Messages the queue refuses are given back at once.
 */
export async function runDeliveryRound(deps: Deps, asOf?: number): Promise<RoundResult> {
  const now = deps.clock.now();
  const roundId = newId("rnd");
  const heldUntil = now + ROUND_HOLD_MS;
  const claimed = await claimRound(deps.db, { id: roundId, asOf: Math.max(asOf ?? now, now), now, slots: DELIVERY_SLOTS, heldUntil });
  if (claimed.length === 0) return { ids: [], enqueued: 0, failed: 0 };
  const messages: AttemptMessage[] = inTurnsBy(claimed, (message) => message.nextAttemptAt).map((message) => ({
    id: message.id,
    attempt: message.attempts + 1,
    roundId,
    heldUntil,
    ...(asOf === undefined ? {} : { asOf }),
  }));
  const refused = await sendWebhookMessages(deps, messages);
  if (refused.length > 0) await releaseRound(deps.db, roundId, refused.map((message) => message.id), heldUntil);
  return { ids: messages.map((message) => message.id), enqueued: messages.length - refused.length, failed: refused.length };
}
