/**
 * The webhook queue's consumer: each message is one attempt of one outbox row. A failed attempt is retried by the
 * queue after the backoff's wait (`message.retry({delaySeconds})`); the queue's own attempt count says which attempt a
 * redelivered message is for, so a message for an attempt already made is dropped. Nothing depends on a message
 * surviving: the sweep (sweep.ts) sends again every outbox row left overdue.
 */
import type { Deps } from "../deps";
import { type AttemptOutcome, attemptWebhook } from "./delivery";
import type { WebhookMessage } from "./message";

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

export type WebhookTally = Record<AttemptOutcome["state"] | "error", number>;

/** One batch, all at once (its size bounds it); each message acknowledged or retried on its own. */
export async function consumeWebhookMessages(deps: Deps, messages: readonly QueuedWebhook[]): Promise<WebhookTally> {
  const tally: WebhookTally = { delivered: 0, retrying: 0, failed: 0, disabled: 0, dropped: 0, gone: 0, superseded: 0, busy: 0, error: 0 };
  await Promise.all(
    messages.map(async (message) => {
      const body = message.body;
      try {
        const outcome = await attemptWebhook(deps, { ...body, attempt: body.attempt + message.attempts - 1 });
        tally[outcome.state]++;
        if (outcome.state === "retrying") {
          const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((outcome.nextAttemptAt - outcome.at) / 1000)));
          message.retry({ delaySeconds });
        } else {
          message.ack();
        }
      } catch (error) {
        tally.error++;
        console.error(`webhook queue: ${body.id} not attempted (${error instanceof Error ? error.name : typeof error}); retried`);
        message.retry({ delaySeconds: CONSUMER_FAILURE_DELAY_SECONDS });
      }
    }),
  );
  return tally;
}
