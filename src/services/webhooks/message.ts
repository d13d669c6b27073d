/**
 * What the webhook queue carries (rounds.ts and the sweep send it, queue.ts consumes it): one attempt of one outbox
 * message, or a call for a delivery round (after a backoff, when the messages that failed are due again).
 */

/** The queue's name in wrangler.toml: the Worker's queue handler routes its batches to the webhook consumer. */
export const WEBHOOK_QUEUE = "certdesk-webhooks";

export interface AttemptMessage {
  /** The outbox row, whose id is the `webhook-id` the receiver sees. */
  id: string;
  /**
   * The attempt this message is for when first delivered (1 for the first); each retry of it by the queue is for the
   * next one (queue.ts adds the queue's own attempt count). A message for an attempt already made is dropped.
   */
  attempt: number;
  /** The delivery round that sent it (rounds.ts), whose slot it takes until consumed. Absent in messages sent before rounds. */
  roundId?: string;
  /** Until when that round holds the row; the attempt takes that hold over. */
  heldUntil?: number;
  /** The sweep's clock (ms) when a tick sent it: the row is due as of this instant (tests move time); else now. */
  asOf?: number;
}

export interface RoundMessage {
  /** Run a delivery round: the due messages, teams in turn, into the free delivery slots. */
  round: true;
  /** The clock the round judges what is due by (tests move it); else now. */
  asOf?: number;
}

export type WebhookMessage = AttemptMessage | RoundMessage;

export function isRoundMessage(message: WebhookMessage): message is RoundMessage {
  return "round" in message && message.round === true;
}
