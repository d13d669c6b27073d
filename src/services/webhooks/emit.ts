/**
 * Recording a certificate event: one outbox row per endpoint of the team that takes its type, written to D1 before
 * anything is sent (so a lost queue message only delays a delivery: the sweep re-sends what is overdue), then one queue
 * message per row. Emitting never fails the change that caused it: a failure is logged and the change stands.
 */
import { newId } from "../../core/ids";
import { insertOutboxStatement, enabledWebhookEndpoints, type WebhookEndpointRow, type WebhookOutboxRow } from "../../store/webhooks";
import type { Deps } from "../deps";
import { type CertificateEventType, type CertificateFacts, certificateEventBody, type EventDetail } from "./events";
import type { WebhookMessage } from "./message";

/** Queue.sendBatch takes at most 100 messages (https://developers.cloudflare.com/queues/platform/limits/). */
const SEND_BATCH = 100;

/** The outbox rows of one event: the same body and event id for every endpoint, a message id (`webhook-id`) each. */
export function eventMessages(
  endpoints: readonly Pick<WebhookEndpointRow, "id" | "events">[],
  type: CertificateEventType,
  certificate: CertificateFacts,
  detail: EventDetail,
  at: number,
): WebhookOutboxRow[] {
  const subscribed = endpoints.filter((endpoint) => endpoint.events.includes(type));
  if (subscribed.length === 0) return [];
  const eventId = newId("evt");
  const payload = certificateEventBody(type, at, certificate, detail);
  return subscribed.map((endpoint) => ({
    id: newId("msg"),
    eventId,
    endpointId: endpoint.id,
    teamId: certificate.teamId,
    eventType: type,
    payload,
    attempts: 0,
    nextAttemptAt: at,
    leaseUntil: null,
    createdAt: at,
  }));
}

/** Hands messages to the queue; what it refuses stays in the outbox for the sweep. Answers how many were refused. */
export async function enqueueWebhookMessages(deps: Deps, messages: readonly WebhookMessage[]): Promise<number> {
  let refused = 0;
  for (let i = 0; i < messages.length; i += SEND_BATCH) {
    const chunk = messages.slice(i, i + SEND_BATCH);
    try {
      await deps.webhookQueue.sendBatch(chunk.map((body) => ({ body })));
    } catch (error) {
      refused += chunk.length;
      console.error(`webhooks: the queue refused ${chunk.length} messages, left for the sweep (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return refused;
}

/** One event's outbox rows, as one D1 batch: all of its endpoints get it, or none yet. */
async function writeOutbox(deps: Deps, rows: readonly WebhookOutboxRow[]): Promise<void> {
  const [first, ...rest] = rows.map((row) => insertOutboxStatement(deps.db, row));
  if (first !== undefined) await deps.db.batch([first, ...rest]);
}

/**
 * Records event `type` about `certificate` for every endpoint of its team that takes it, and queues the deliveries.
 * A team without endpoints costs one indexed read. Never throws.
 */
export async function emitCertificateEvent(deps: Deps, type: CertificateEventType, certificate: CertificateFacts, detail: EventDetail = {}): Promise<void> {
  try {
    const endpoints = await enabledWebhookEndpoints(deps.db, certificate.teamId);
    const rows = eventMessages(endpoints, type, certificate, detail, deps.clock.now());
    if (rows.length === 0) return;
    await writeOutbox(deps, rows);
    await enqueueWebhookMessages(deps, rows.map((row) => ({ id: row.id, attempt: 1 })));
  } catch (error) {
    // Its kind only: the change that caused the event has happened and must not fail for this.
    console.error(`webhooks: ${type} for ${certificate.id} not recorded: ${error instanceof Error ? error.name : typeof error}`);
  }
}
