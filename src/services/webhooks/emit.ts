/**
 * Recording a certificate event: its body once (webhook_events) and one outbox message per endpoint of the team that
 * takes its type, written to D1 before anything is sent, then a delivery round (rounds.ts) puts what it can on the
 * queue. A lost queue message only delays a delivery: later rounds take what is due.
 *
 * Each team's outbox is bounded (SECURITY.md, "What the limits protect"): at most WEBHOOK_EVENTS_PER_TEAM undelivered
 * events taking at most WEBHOOK_OUTBOX_BYTES_PER_TEAM. An event that would pass either makes room first, in the same
 * D1 batch: the team's oldest undelivered events are dropped with their messages, counted in
 * `certdesk_webhook_events_dropped_total` and recorded in the team's audit log. The newest events are kept, as they
 * say how things stand now. Emitting never fails the change that caused it: a failure is logged and the change stands.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Limits } from "../../core/config";
import { newId } from "../../core/ids";
import type { Database } from "../../db/client";
import { insertEventStatement, makeRoomStatements, type WebhookEventRow } from "../../store/webhook-events";
import { enabledWebhookEndpoints, insertOutboxStatements, type WebhookEndpointRow, type WebhookOutboxRow } from "../../store/webhooks";
import type { Deps } from "../deps";
import { type CertificateEventType, type CertificateFacts, certificateEventBody, type EventDetail } from "./events";
import { runDeliveryRound } from "./rounds";

/**
 * What an event costs its team's outbox beyond its body, in bytes: its own row (ids, type, times and index entry), and
 * each message's row with its three index entries (measured in SQLite with four: about 340 bytes a message).
 */
export const EVENT_ROW_BYTES = 200;
export const MESSAGE_ROW_BYTES = 350;

/** An event as recorded: its body once, and a message (`webhook-id`) for each endpoint that takes it. */
export interface RecordedEvent {
  event: WebhookEventRow;
  messages: WebhookOutboxRow[];
}

/** The team's limits on undelivered events (core/config.ts). */
export type OutboxLimits = Pick<Limits, "WEBHOOK_EVENTS_PER_TEAM" | "WEBHOOK_OUTBOX_BYTES_PER_TEAM">;

/** The event of `type` for the endpoints that take it, or null when none does (nothing is recorded then). */
export function eventRecord(
  endpoints: readonly Pick<WebhookEndpointRow, "id" | "events">[],
  type: CertificateEventType,
  certificate: CertificateFacts,
  detail: EventDetail,
  at: number,
): RecordedEvent | null {
  return bodyRecord(endpoints, type, certificate.teamId, () => certificateEventBody(type, at, certificate, detail), at);
}

/** The event of `type` with the body `payload` builds, for the endpoints of `teamId` that take it, or null when none does. */
export function bodyRecord(
  endpoints: readonly Pick<WebhookEndpointRow, "id" | "events">[],
  type: CertificateEventType,
  teamId: string,
  payload: () => string,
  at: number,
): RecordedEvent | null {
  const subscribed = endpoints.filter((endpoint) => endpoint.events.includes(type));
  if (subscribed.length === 0) return null;
  const body = payload();
  const bytes = new TextEncoder().encode(body).length + EVENT_ROW_BYTES + MESSAGE_ROW_BYTES * subscribed.length;
  const event: WebhookEventRow = { id: newId("evt"), teamId, eventType: type, payload: body, bytes, createdAt: at };
  const messages = subscribed.map((endpoint) => ({
    id: newId("msg"),
    eventId: event.id,
    endpointId: endpoint.id,
    teamId,
    attempts: 0,
    nextAttemptAt: at,
    leaseUntil: null,
    createdAt: at,
  }));
  return { event, messages };
}

/** The statements that record `recorded` within its team's limits: room made, then the event and its messages. One D1 batch. */
export function recordEventStatements(db: Database, limits: OutboxLimits, recorded: RecordedEvent, at: number): BatchItem<"sqlite">[] {
  const { event, messages } = recorded;
  const budget = { maxEvents: limits.WEBHOOK_EVENTS_PER_TEAM, maxBytes: limits.WEBHOOK_OUTBOX_BYTES_PER_TEAM };
  return [
    ...makeRoomStatements(db, { teamId: event.teamId, eventId: event.id, eventType: event.eventType, cost: event.bytes, budget, at }),
    insertEventStatement(db, event),
    ...insertOutboxStatements(db, messages),
  ];
}

/**
 * Records event `type` of `teamId` with the body `payload(at)` builds (about `subject`, an id for the log) for every
 * endpoint that takes it, and runs a delivery round. A team without endpoints costs one indexed read. Never throws.
 */
export async function emitEvent(deps: Deps, type: CertificateEventType, teamId: string, subject: string, payload: (at: number) => string): Promise<void> {
  try {
    const endpoints = await enabledWebhookEndpoints(deps.db, teamId);
    const now = deps.clock.now();
    const recorded = bodyRecord(endpoints, type, teamId, () => payload(now), now);
    if (!recorded) return;
    const [first, ...rest] = recordEventStatements(deps.db, deps.config, recorded, now);
    await deps.db.batch([first!, ...rest]);
    await runDeliveryRound(deps);
  } catch (error) {
    // Its kind only: the change that caused the event has happened and must not fail for this.
    console.error(`webhooks: ${type} for ${subject} not recorded: ${error instanceof Error ? error.name : typeof error}`);
  }
}

/**
 * Records event `type` about `certificate` for every endpoint of its team that takes it, and runs a delivery round.
 * A team without endpoints costs one indexed read. Never throws.
 */
export async function emitCertificateEvent(deps: Deps, type: CertificateEventType, certificate: CertificateFacts, detail: EventDetail = {}): Promise<void> {
  await emitEvent(deps, type, certificate.teamId, certificate.id, (at) => certificateEventBody(type, at, certificate, detail));
}
