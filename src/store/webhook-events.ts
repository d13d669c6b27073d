/**
 * Certificate events waiting for delivery (webhook_events): each event's body once, whatever the number of endpoints
 * that take it, until its last outbox message is gone. And each team's budget over them: the statements that drop a
 * team's oldest undelivered events to make room for a new one, with the audit row and the metric that say so.
 */
import { and, count, eq, inArray, sql, sum } from "drizzle-orm";
import type { Database } from "../db/client";
import { auditLog, metricCounters, teams, webhookEvents, webhookOutbox } from "../db/schema";
import { newId } from "../core/ids";

export type WebhookEventRow = typeof webhookEvents.$inferSelect;

/** How much a team's outbox may hold: undelivered events, and the bytes they take (core/config.ts). */
export interface OutboxBudget {
  maxEvents: number;
  maxBytes: number;
}

/** The audit row's actor and action for events dropped to keep a team within its budget (GET /api/v1/audit-log). */
export const DROP_ACTOR = "webhooks";
export const DROP_ACTION = "DROP webhook events";
/** The metric_counters name behind `certdesk_webhook_events_dropped_total`. */
export const DROPPED_COUNTER = "webhook_events_dropped";

export function insertEventStatement(db: Database, event: WebhookEventRow) {
  return db.insert(webhookEvents).values(event);
}

export async function eventOf(db: Database, id: string): Promise<WebhookEventRow | null> {
  return (await db.query.webhookEvents.findFirst({ where: eq(webhookEvents.id, id) })) ?? null;
}

/** No outbox message refers to the event any more (through webhook_outbox_event_idx). */
const allMessagesGone = sql`NOT EXISTS (SELECT 1 FROM webhook_outbox WHERE webhook_outbox.event_id = webhook_events.id)`;

/** The event, once its last message was delivered, given up or dropped: for the batch that removed that message. */
export function deleteEventIfDoneStatement(db: Database, eventId: string) {
  return db.delete(webhookEvents).where(and(eq(webhookEvents.id, eventId), allMessagesGone));
}

/**
 * Events of `teamId` (every team's: null) whose messages are all gone, which happens when an endpoint is deleted or
 * disabled and its messages go with it: they no longer count against the team's budget.
 */
export function deleteOrphanEventsStatement(db: Database, teamId: string | null) {
  return db.delete(webhookEvents).where(and(teamId === null ? undefined : eq(webhookEvents.teamId, teamId), allMessagesGone));
}

/**
 * The ids of the team's oldest events that must go so that one more event of `cost` bytes fits its budget: event k
 * (oldest first) goes when dropping the k−1 before it still leaves the team over either limit. One read of the team's
 * events through webhook_events_team_idx, which holds every column it needs.
 */
function dropSet(teamId: string, cost: number, budget: OutboxBudget) {
  // Whether anything must go, from the same index: when not (the usual case), the ranking below is never computed, as
  // SQLite tests a WHERE term that depends on no row once, before its loop.
  const over = sql`(SELECT count(*) + 1 > ${budget.maxEvents} OR coalesce(sum(bytes), 0) + ${cost} > ${budget.maxBytes} FROM webhook_events WHERE team_id = ${teamId})`;
  return sql`(SELECT id FROM (
      SELECT id, bytes,
        row_number() OVER oldest_first AS k,
        sum(bytes) OVER oldest_first AS through_k,
        count(*) OVER () AS n,
        sum(bytes) OVER () AS b
      FROM webhook_events WHERE ${over} AND team_id = ${teamId}
      WINDOW oldest_first AS (ORDER BY created_at, id ROWS UNBOUNDED PRECEDING))
    WHERE k - 1 < n + 1 - ${budget.maxEvents} OR through_k - bytes < b + ${cost} - ${budget.maxBytes})`;
}

export interface NewEventBudget {
  teamId: string;
  /** The event about to be recorded: its id, type and cost (its body and its messages' rows). */
  eventId: string;
  eventType: string;
  cost: number;
  budget: OutboxBudget;
  at: number;
}

/**
 * The statements that make room for a new event, for the batch that records it (one transaction, so the room and the
 * event are one change): if the team would pass its budget, its oldest undelivered events are dropped with their
 * messages, one audit row says how many and why, and `webhook_events_dropped` counts them. Nothing is dropped, audited
 * or counted when the event fits. The audit row and the counter come before the deletes, as they read the same set.
 * (An event leaves with its last message, delivered, given up or deleted with its endpoint, so what is counted here is
 * what waits.)
 */
export function makeRoomStatements(db: Database, room: NewEventBudget) {
  const { teamId, cost, budget, at } = room;
  const doomed = dropSet(teamId, cost, budget);
  const detail = sql`json_object(
      'dropped', n, 'messages', (SELECT count(*) FROM webhook_outbox WHERE event_id IN ${doomed}),
      'oldestAt', oldest, 'newestAt', newest,
      'for', json_object('id', ${room.eventId}, 'type', ${room.eventType}),
      'limits', json_object('events', ${budget.maxEvents}, 'bytes', ${budget.maxBytes}))`;
  const dropped = sql`(SELECT count(*) AS n, min(created_at) AS oldest, max(created_at) AS newest FROM webhook_events WHERE id IN ${doomed})`;
  return [
    db.insert(auditLog).select(sql`SELECT ${newId("evt")}, ${teamId}, ${DROP_ACTOR}, ${DROP_ACTION}, '', ${detail}, ${at} FROM ${dropped} WHERE n > 0`),
    db
      .insert(metricCounters)
      .select(sql`SELECT ${teamId}, ${DROPPED_COUNTER}, '{}', n, ${at} FROM ${dropped} WHERE n > 0`)
      .onConflictDoUpdate({
        target: [metricCounters.teamId, metricCounters.name, metricCounters.labels],
        set: { value: sql`${metricCounters.value} + excluded.value`, updatedAt: sql`excluded.updated_at` },
      }),
    // Said outright rather than left to ON DELETE CASCADE, as endpoints.ts does for its messages.
    db.delete(webhookOutbox).where(inArray(webhookOutbox.eventId, doomed)),
    db.delete(webhookEvents).where(inArray(webhookEvents.id, doomed)),
  ] as const;
}

/** What a team's outbox holds: undelivered events and the bytes they count. */
export interface OutboxUsage {
  teamSlug: string;
  events: number;
  bytes: number;
}

/**
 * The outbox usage of one team (`teamId`) or of every team with anything waiting (null), at most `limit` teams, in one
 * statement through webhook_events_team_idx.
 */
export function outboxUsageQuery(db: Database, teamId: string | null, limit: number) {
  return db
    .select({ teamSlug: teams.slug, events: count(), bytes: sql<number>`coalesce(${sum(webhookEvents.bytes)}, 0)`.mapWith(Number) })
    .from(webhookEvents)
    .innerJoin(teams, eq(teams.id, webhookEvents.teamId))
    .where(teamId === null ? undefined : eq(webhookEvents.teamId, teamId))
    .groupBy(webhookEvents.teamId)
    .orderBy(webhookEvents.teamId)
    .limit(limit);
}
