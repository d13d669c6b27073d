/**
 * The test event: one `ping` POSTed to an endpoint now, checked, signed and sent exactly as deliveries are
 * (delivery.ts), whether or not the endpoint is disabled. It is not queued nor retried, and leaves the endpoint's
 * failure record (failingSince, lastError, what disables it) as it was; the attempt joins the delivery log.
 */
import { newId } from "../../core/ids";
import { recordAttemptStatements } from "../../store/webhooks";
import type { CommitChange } from "../change";
import type { Deps } from "../deps";
import { attemptRow, ATTEMPTS_KEPT, sendSigned } from "./delivery";
import { getWebhookEndpoint } from "./endpoints";
import { PING_EVENT_TYPE, pingEventBody } from "./events";

/** How much of the receiver's answer is shown: the start, enough to read an error message. */
export const TEST_BODY_CHARS = 1024;

export interface TestEventResult {
  delivered: boolean;
  /** The receiver's HTTP status; null when nothing was sent or no answer came. */
  status: number | null;
  /** The start of the receiver's body as text ("" when none). */
  body: string;
  durationMs: number;
  /** Why it was not delivered (a refused address, a timeout, the receiver's status); null when delivered. */
  error: string | null;
  eventId: string;
  /** The `webhook-id` header the receiver saw. */
  messageId: string;
}

/** Sends the test event to the team's endpoint `id` (404 for another team's) and records it with `commit`. */
export async function sendTestEvent(deps: Deps, teamId: string, id: string, commit: CommitChange): Promise<TestEventResult> {
  const endpoint = await getWebhookEndpoint(deps, teamId, id);
  const started = deps.clock.now();
  const message = { id: newId("msg"), eventId: newId("evt"), eventType: PING_EVENT_TYPE, attempts: 1, payload: pingEventBody(started, endpoint) };
  // UTF-8 takes at most 4 bytes a character: this many bytes hold the first TEST_BODY_CHARS characters.
  const result = await sendSigned(deps, endpoint, message, TEST_BODY_CHARS * 4);
  const at = deps.clock.now();
  const error = result.ok ? null : result.error;
  const attempt = attemptRow(endpoint, message, at, { outcome: result.ok ? "delivered" : "failed", statusCode: result.statusCode, error, nextRetryAt: null });
  await commit({
    teamId,
    statements: recordAttemptStatements(deps.db, attempt, ATTEMPTS_KEPT),
    target: endpoint.id,
    detail: { eventId: message.eventId, messageId: message.id, delivered: result.ok, status: result.statusCode },
  });
  return {
    delivered: result.ok,
    status: result.statusCode,
    body: [...(result.body ?? "")].slice(0, TEST_BODY_CHARS).join(""),
    durationMs: at - started,
    error,
    eventId: message.eventId,
    messageId: message.id,
  };
}
