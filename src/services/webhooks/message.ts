/** What the webhook queue carries: one outbox message to attempt (emit.ts and sweep.ts send it, queue.ts consumes it). */

/** The queue's name in wrangler.toml: the Worker's queue handler routes its batches to the webhook consumer. */
export const WEBHOOK_QUEUE = "certdesk-webhooks";

export interface WebhookMessage {
  /** The outbox row, whose id is the `webhook-id` the receiver sees. */
  id: string;
  /**
   * The attempt this message is for when first delivered (1 for the first); each retry of it by the queue is for the
   * next one (queue.ts adds the queue's own attempt count). A message for an attempt already made is dropped.
   */
  attempt: number;
  /** The sweep's clock (ms) when a tick sent it: the row is due as of this instant (tests move time); else now. */
  asOf?: number;
}
