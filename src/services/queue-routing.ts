/**
 * The Worker's queue handler, routed: each queue wrangler.toml gives this Worker a consumer for, by its exact name, to
 * the consumer of its messages. A batch from any other queue is refused: logged as an error and every message retried,
 * never acknowledged unread (so a renamed queue in wrangler.toml loses nothing; its messages wait for a fix, then
 * dead-letter or expire by the queue's own settings).
 */
import type { Deps } from "./deps";
import { consumeRenewals, type QueuedRenewal, recordUndeliveredRenewals } from "./renewal-queue";
import { WEBHOOK_QUEUE } from "./webhooks/message";
import { consumeWebhookMessages, type QueuedWebhook } from "./webhooks/queue";

/** wrangler.toml's renewal queue (`[[queues.consumers]] queue`): services/renewal-queue.ts consumes it. */
export const RENEWAL_QUEUE = "certdesk-renewals";
/** wrangler.toml's `dead_letter_queue` of the renewal queue, which has its own consumer. */
export const RENEWAL_DEAD_LETTER_QUEUE = "certdesk-renewals-dlq";

/** "2 issued, 1 failed": the outcomes a batch had, in the tally's order, those that did not happen left out. */
export function formatTally(tally: Readonly<Record<string, number>>): string {
  const parts = Object.entries(tally)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`);
  return parts.length > 0 ? parts.join(", ") : "nothing";
}

type QueueConsumer = (deps: Deps, messages: readonly Message<unknown>[]) => Promise<void>;

/** Every queue this Worker consumes, by exact name. */
export const QUEUE_CONSUMERS: ReadonlyMap<string, QueueConsumer> = new Map<string, QueueConsumer>([
  [
    RENEWAL_QUEUE,
    async (deps, messages) => {
      const tally = await consumeRenewals(deps, messages as readonly QueuedRenewal[]);
      console.log(`renewal queue: ${formatTally(tally)}`);
    },
  ],
  [
    RENEWAL_DEAD_LETTER_QUEUE,
    async (deps, messages) => {
      const recorded = await recordUndeliveredRenewals(deps, messages as readonly QueuedRenewal[]);
      console.error(`renewal dead-letter queue: ${messages.length} messages, ${recorded} failures recorded`);
    },
  ],
  [
    WEBHOOK_QUEUE,
    async (deps, messages) => {
      const tally = await consumeWebhookMessages(deps, messages as readonly QueuedWebhook[]);
      console.log(`webhook queue: ${formatTally(tally)}`);
    },
  ],
]);

/** Hands `batch` to its queue's consumer; a batch of a queue not in the table is logged and retried whole. */
export async function consumeQueueBatch(deps: Deps, batch: MessageBatch<unknown>): Promise<void> {
  const consume = QUEUE_CONSUMERS.get(batch.queue);
  if (!consume) {
    const known = [...QUEUE_CONSUMERS.keys()].join(", ");
    console.error(`queue ${JSON.stringify(batch.queue)}: no consumer here (only ${known}); ${batch.messages.length} messages retried`);
    batch.retryAll();
    return;
  }
  await consume(deps, batch.messages);
}
