/**
 * One attempt of one outbox message, under its lease: check the URL again (its name may resolve elsewhere now), sign
 * with the endpoint's secret and POST the stored body, then record the attempt. A 2xx delivers it; anything else is
 * tried again on the backoff schedule until it is given up, and an endpoint that has only failed for 3 days, or that
 * answered 410 Gone, is disabled (Standard Webhooks spec, "Delivery success and failure" and "Disabling endpoints").
 */
import { eq } from "drizzle-orm";
import { newId } from "../../core/ids";
import { isoSeconds } from "../../core/time";
import { signWebhook } from "../../crypto/webhook-signature";
import { webhookEndpoints } from "../../db/schema";
import { discardBody, readBodyStart } from "../../outbound/bounded-body";
import { positiveRetryAfter } from "../../outbound/retry-after";
import {
  claimOutboxMessage,
  deleteOutboxStatement,
  disableEndpointStatement,
  dropPendingMessagesStatement,
  openWebhookSecret,
  outboxMessage,
  recordAttemptStatements,
  recordEndpointDelivered,
  recordEndpointFailure,
  rescheduleOutboxStatement,
  type WebhookAttemptRow,
  type WebhookEndpointRow,
  type WebhookOutboxRow,
} from "../../store/webhooks";
import { deleteEventIfDoneStatement, deleteOrphanEventsStatement, eventOf, type WebhookEventRow } from "../../store/webhook-events";
import type { Deps } from "../deps";
import { failedTooLong, failingSinceAfter, nextWebhookAttemptAt } from "./backoff";
import { targetCheckOf, webhookTargetProblem } from "./endpoint-url";
import type { AttemptMessage } from "./message";

/** How long an attempt holds its message: a DNS-over-HTTPS check and one POST, each with its own timeout. */
export const ATTEMPT_LEASE_MS = 60_000;
/** How long a receiver has to answer (the spec asks receivers to answer quickly and do their work afterwards). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Attempts kept per endpoint for `GET /api/v1/webhooks/:id/deliveries`; older ones are removed as new ones come. */
export const ATTEMPTS_KEPT = 100;

export type AttemptOutcome =
  | { state: "delivered"; statusCode: number }
  /** Failed; tried again at `nextAttemptAt` (on the clock the attempt ran on: `asOf`, or now). */
  | { state: "retrying"; error: string; nextAttemptAt: number; at: number }
  /** Failed for the last time: given up. */
  | { state: "failed"; error: string }
  /** Failed, and the endpoint is now disabled (410 Gone, or failing for 3 days). */
  | { state: "disabled"; error: string }
  /** The endpoint is disabled: nothing sent, the message dropped. */
  | { state: "dropped" }
  /** No such message: delivered, given up, or its endpoint deleted. */
  | { state: "gone" }
  /** This attempt was made already (by another queue message for it). */
  | { state: "superseded" }
  /** Another attempt holds the message, or it is not due yet: that attempt, or the sweep, sees to it. */
  | { state: "busy" };

/** What one signed POST came to; `body` is the start of the receiver's answer, when it was asked for. */
export type SendResult = ({ ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string; gone?: boolean; retryAfter?: number }) & { body?: string };

/** A message as sent: its id (the `webhook-id` header) and the exact bytes signed and POSTed. */
export type SignedMessage = Pick<WebhookOutboxRow, "id"> & Pick<WebhookEventRow, "payload">;

/** An outbox message with its event's type and body (stored once per event, store/webhook-events.ts). */
type OutboxMessage = WebhookOutboxRow & Pick<WebhookEventRow, "eventType" | "payload">;

/** The message's attempt on the clock of `asOf` (the sweep's, which tests move) or now, whichever is later. */
export async function attemptWebhook(deps: Deps, message: AttemptMessage): Promise<AttemptOutcome> {
  const { db, clock } = deps;
  const now = clock.now();
  const at = Math.max(message.asOf ?? now, now);
  const claimed = await claimOutboxMessage(db, message.id, message.attempt, at, now, now + ATTEMPT_LEASE_MS, message.heldUntil);
  if (!claimed) return whyNotClaimed(deps, message);
  const [endpoint, event] = await Promise.all([db.query.webhookEndpoints.findFirst({ where: eq(webhookEndpoints.id, claimed.endpointId) }), eventOf(db, claimed.eventId)]);
  if (!endpoint || !event) return { state: "gone" };
  const row: OutboxMessage = { ...claimed, eventType: event.eventType, payload: event.payload };
  if (endpoint.disabledAt !== null) {
    await db.batch([deleteOutboxStatement(db, row.id), deleteEventIfDoneStatement(db, row.eventId)]);
    return { state: "dropped" };
  }
  const result = await sendSigned(deps, endpoint, row);
  return result.ok ? recordDelivered(deps, endpoint, row, result.statusCode, at) : recordFailed(deps, endpoint, row, result, at);
}

async function whyNotClaimed(deps: Deps, message: AttemptMessage): Promise<AttemptOutcome> {
  const row = await outboxMessage(deps.db, message.id);
  if (!row) return { state: "gone" };
  if (row.attempts >= message.attempt) return { state: "superseded" };
  return { state: "busy" };
}

/**
 * Checks the URL, signs and POSTs the body; never throws (every failure is an answer to record). With `bodyBytes`, the
 * start of the receiver's answer is read (the test event shows it); otherwise it is not read at all.
 */
export async function sendSigned(deps: Deps, endpoint: WebhookEndpointRow, row: SignedMessage, bodyBytes?: number): Promise<SendResult> {
  const problem = await webhookTargetProblem(endpoint.url, targetCheckOf(deps.config, deps.webhookFetch));
  // Refused or unresolved alike: nothing is sent to an address not known to be public; tried again later.
  if (problem) return { ok: false, statusCode: null, error: `Not sent: ${problem.message}` };
  // The receiver checks the timestamp against its own clock (5 minutes' tolerance), so it is the time of sending.
  const timestamp = Math.floor(deps.clock.now() / 1000);
  let headers: Record<string, string>;
  try {
    const secret = await openWebhookSecret(deps.config.ENCRYPTION_KEY, endpoint);
    headers = {
      "content-type": "application/json",
      "user-agent": "Certdesk-Webhooks",
      "webhook-id": row.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await signWebhook(secret, row.id, timestamp, row.payload),
    };
  } catch {
    return { ok: false, statusCode: null, error: "Not sent: the signing secret could not be opened (see SECURITY.md, rotating ENCRYPTION_KEY)" };
  }
  const doFetch = deps.webhookFetch ?? ((input, init) => fetch(input, init));
  const origin = new URL(endpoint.url).origin;
  let response: Response;
  try {
    // Redirects are not followed: the URL was checked, where it redirects to was not.
    response = await doFetch(endpoint.url, { method: "POST", headers, body: row.payload, redirect: "manual", signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { ok: false, statusCode: null, error: timedOut ? `${origin} did not answer within ${DELIVERY_TIMEOUT_MS / 1000} s` : `Could not connect to ${origin}` };
  }
  // What the receiver said is not kept: only its status, and the start of its body when asked for.
  const body = bodyBytes === undefined ? (await discardBody(response), {}) : { body: await readBodyStart(response, bodyBytes) };
  const status = response.status;
  if (status >= 200 && status < 300) return { ok: true, statusCode: status, ...body };
  const hint = status >= 300 && status < 400 ? ": redirects are not followed; set the URL to the final address" : status === 410 ? ": the receiver no longer accepts deliveries" : "";
  const retryAfter = status === 429 || status === 503 ? positiveRetryAfter(response.headers.get("retry-after"), deps.clock.now()) : undefined;
  return { ok: false, statusCode: status, error: `${origin} answered HTTP ${status}${hint}`, gone: status === 410, ...(retryAfter ? { retryAfter } : {}), ...body };
}

/** The delivery log's row for one attempt of `row` (an outbox message, or the test event sent once). */
export function attemptRow(endpoint: WebhookEndpointRow, row: Pick<OutboxMessage, "id" | "eventId" | "eventType" | "attempts">, at: number, fields: Pick<WebhookAttemptRow, "outcome" | "statusCode" | "error" | "nextRetryAt">): WebhookAttemptRow {
  return { id: newId("att"), endpointId: endpoint.id, messageId: row.id, eventId: row.eventId, eventType: row.eventType, attempt: row.attempts, at, ...fields };
}

/** The message is done with (delivered or given up): it goes, and its event with it once no other message needs it. */
function finishStatements(deps: Deps, row: OutboxMessage) {
  return [deleteOutboxStatement(deps.db, row.id), deleteEventIfDoneStatement(deps.db, row.eventId)] as const;
}

async function recordDelivered(deps: Deps, endpoint: WebhookEndpointRow, row: OutboxMessage, statusCode: number, at: number): Promise<AttemptOutcome> {
  const { db } = deps;
  const attempt = attemptRow(endpoint, row, at, { outcome: "delivered", statusCode, error: null, nextRetryAt: null });
  await db.batch([...finishStatements(deps, row), recordEndpointDelivered(db, endpoint.id, at), ...recordAttemptStatements(db, attempt, ATTEMPTS_KEPT)]);
  return { state: "delivered", statusCode };
}

async function recordFailed(deps: Deps, endpoint: WebhookEndpointRow, row: OutboxMessage, result: Extract<SendResult, { ok: false }>, at: number): Promise<AttemptOutcome> {
  const { db } = deps;
  const failingSince = failingSinceAfter(endpoint, at);
  const failure = recordEndpointFailure(db, endpoint.id, { failingSince, at, error: result.error });
  const disableReason = result.gone
    ? `Disabled: the receiver answered 410 Gone (${isoSeconds(at)})`
    : failedTooLong(failingSince, at)
      ? `Disabled: every delivery has failed since ${isoSeconds(failingSince)}; last error: ${result.error}`
      : null;
  if (disableReason !== null) {
    const attempt = attemptRow(endpoint, row, at, { outcome: "failed", statusCode: result.statusCode, error: result.error, nextRetryAt: null });
    await db.batch([
      failure,
      disableEndpointStatement(db, endpoint.id, disableReason, at),
      dropPendingMessagesStatement(db, endpoint.id),
      deleteOrphanEventsStatement(db, endpoint.teamId),
      ...recordAttemptStatements(db, attempt, ATTEMPTS_KEPT),
    ]);
    console.error(`webhooks: endpoint ${endpoint.id} disabled: ${disableReason}`);
    return { state: "disabled", error: result.error };
  }
  const nextAttemptAt = nextWebhookAttemptAt(row.attempts, at, result.retryAfter);
  const attempt = attemptRow(endpoint, row, at, { outcome: nextAttemptAt === null ? "failed" : "retrying", statusCode: result.statusCode, error: result.error, nextRetryAt: nextAttemptAt });
  const message = nextAttemptAt === null ? finishStatements(deps, row) : [rescheduleOutboxStatement(db, row.id, nextAttemptAt)];
  await db.batch([failure, ...message, ...recordAttemptStatements(db, attempt, ATTEMPTS_KEPT)]);
  return nextAttemptAt === null ? { state: "failed", error: result.error } : { state: "retrying", error: result.error, nextAttemptAt, at };
}
