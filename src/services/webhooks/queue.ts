/**
 * The webhook queue's consumer. An attempt message is one attempt of one outbox row; a round message asks for a
 * delivery round (rounds.ts). A failed attempt is not retried by the queue: its row waits in the outbox for its backoff
 * and a round message is sent with that delay, so the retry goes through a round, teams in turn, like every other
 * attempt. After each batch, the messages it consumed give their rounds' slots back and a round fills them. Nothing
 * depends on a message surviving: later rounds, and the sweep (sweep.ts), take every outbox row that is due.
 */
import { settleRounds } from "../../store/webhook-rounds";
import type { Deps } from "../deps";
import { type AttemptOutcome, attemptWebhook } from "./delivery";
import { isRoundMessage, type RoundMessage, type WebhookMessage } from "./message";
import { runDeliveryRound, sendWebhookMessages } from "./rounds";

/** What the consumer uses of a queue message (the runtime's `Message`). */
export interface QueuedWebhook {
  readonly body: WebhookMessage;
  /** Deliveries of this message by the queue, 1 for the first: each retry is the next attempt of the row. */
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

/** How long a message waits after its consumer failed (D1 unreachable): past the lease an attempt may have taken. */
const CONSUMER_FAILURE_DELAY_SECONDS = 90;
/** Queues delays a message by at most 12 hours (https://developers.cloudflare.com/queues/configuration/batching-retries/). */
const MAX_DELAY_SECONDS = 12 * 3600;

export type WebhookTally = Record<AttemptOutcome["state"] | "error" | "round", number>;

/** A failed attempt's row is due again at `nextAttemptAt`: a round then, after the same wait on the queue. */
interface Wake {
  delaySeconds: number;
  message: RoundMessage;
}

function wakeAfter(outcome: Extract<AttemptOutcome, { state: "retrying" }>, asOf: number | undefined): Wake {
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((outcome.nextAttemptAt - outcome.at) / 1000)));
  // On a moved clock (the sweep's asOf), the round judges what is due on that clock moved on by the wait.
  return { delaySeconds, message: asOf === undefined ? { round: true } : { round: true, asOf: outcome.nextAttemptAt } };
}

/** One round message per distinct wait (and clock): the rows of one batch that failed alike share their round. */
async function sendWakes(deps: Deps, wakes: readonly Wake[]): Promise<void> {
  const distinct = new Map(wakes.map((wake) => [`${wake.delaySeconds}/${wake.message.asOf ?? ""}`, wake]));
  for (const wake of distinct.values()) {
    // A refused wake-up leaves the rows due in the outbox: the next round (another batch, an event, the sweep) takes them.
    await sendWebhookMessages(deps, [wake.message], wake.delaySeconds);
  }
}

/** One batch, all at once (its size bounds it); each message acknowledged or retried on its own; then one round. */
export async function consumeWebhookMessages(deps: Deps, messages: readonly QueuedWebhook[]): Promise<WebhookTally> {
  const tally: WebhookTally = { delivered: 0, retrying: 0, failed: 0, disabled: 0, dropped: 0, gone: 0, superseded: 0, busy: 0, error: 0, round: 0 };
  const wakes: Wake[] = [];
  /** Attempt messages consumed (not handed back to the queue), by the round that sent them. */
  const consumed = new Map<string, number>();
  let roundAsOf: number | undefined;
  await Promise.all(
    messages.map(async (message) => {
      const body = message.body;
      if (isRoundMessage(body)) {
        tally.round++;
        if (body.asOf !== undefined) roundAsOf = Math.max(roundAsOf ?? body.asOf, body.asOf);
        message.ack();
        return;
      }
      try {
        const outcome = await attemptWebhook(deps, { ...body, attempt: body.attempt + message.attempts - 1 });
        tally[outcome.state]++;
        if (outcome.state === "retrying") wakes.push(wakeAfter(outcome, body.asOf));
        message.ack();
        if (body.roundId !== undefined) consumed.set(body.roundId, (consumed.get(body.roundId) ?? 0) + 1);
      } catch (error) {
        tally.error++;
        console.error(`webhook queue: ${body.id} not attempted (${error instanceof Error ? error.name : typeof error}); retried`);
        message.retry({ delaySeconds: CONSUMER_FAILURE_DELAY_SECONDS });
      }
    }),
  );
  try {
    await settleRounds(deps.db, consumed, deps.clock.now());
    await sendWakes(deps, wakes);
    // The slots this batch used are free again: the due messages of every team, in turn, take them.
    await runDeliveryRound(deps, roundAsOf);
  } catch (error) {
    // Every message of the batch is answered; what is due stays in the outbox for the next round or the sweep.
    console.error(`webhook queue: no round after the batch (${error instanceof Error ? error.name : typeof error})`);
  }
  return tally;
}
