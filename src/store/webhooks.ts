/**
 * Webhook rows: endpoints and their sealed signing secrets, the outbox of messages to send (one per event and
 * endpoint, held while a round or an attempt has it; the body is the event's, store/webhook-events.ts), the attempts
 * kept for the deliveries listing, and which expiry notice each certificate last had.
 */
import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, isNull, lte, ne, notInArray, or, sql } from "drizzle-orm";
import { seal, unseal, type SealingKeys } from "../crypto/sealing";
import type { Database } from "../db/client";
import { selectValues } from "../db/select-values";
import { certificateExpiryNotices, certificates, teams, webhookAttempts, webhookEndpoints, webhookOutbox } from "../db/schema";

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookOutboxRow = typeof webhookOutbox.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
export type ExpiryNoticeRow = typeof certificateExpiryNotices.$inferSelect;

/** The associated data the secret is sealed with: a sealed value moved to another row or column does not open. */
export const webhookSecretAad = (endpointId: string) => `${endpointId}:webhook`;

export function sealWebhookSecret(keys: SealingKeys, endpointId: string, secret: string): Promise<string> {
  return seal(keys, secret, webhookSecretAad(endpointId));
}

export function openWebhookSecret(keys: SealingKeys, row: Pick<WebhookEndpointRow, "id" | "sealedSecret">): Promise<string> {
  return unseal(keys, row.sealedSecret, webhookSecretAad(row.id));
}

// Endpoints

/** The insert, made only while the team has fewer than `max` endpoints: the count and the write are one statement. */
export function insertWebhookEndpointUnder(db: Database, row: WebhookEndpointRow, max: number) {
  return db
    .insert(webhookEndpoints)
    .select(sql`SELECT ${selectValues(webhookEndpoints, row)} WHERE (SELECT count(*) FROM webhook_endpoints WHERE team_id = ${row.teamId}) < ${max}`)
    .returning({ id: webhookEndpoints.id });
}

export async function webhookEndpointsOf(db: Database, teamId: string): Promise<WebhookEndpointRow[]> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.teamId, teamId)).orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
}

export async function webhookEndpointOf(db: Database, teamId: string, id: string): Promise<WebhookEndpointRow | null> {
  return (await db.query.webhookEndpoints.findFirst({ where: and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.teamId, teamId)) })) ?? null;
}

/** The team's endpoints that take events now (not disabled), with what they subscribe to. */
export async function enabledWebhookEndpoints(db: Database, teamId: string): Promise<Pick<WebhookEndpointRow, "id" | "events">[]> {
  return db
    .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.teamId, teamId), isNull(webhookEndpoints.disabledAt)));
}

/** Bound parameters per D1 statement are limited (100: https://developers.cloudflare.com/d1/platform/limits/). */
const IDS_PER_STATEMENT = 90;

/** The enabled endpoints of each of `teamIds`, by team (the expiry scan's events, a few statements for a whole tick). */
export async function enabledEndpointsOfTeams(db: Database, teamIds: readonly string[]): Promise<Map<string, Pick<WebhookEndpointRow, "id" | "events">[]>> {
  const byTeam = new Map<string, Pick<WebhookEndpointRow, "id" | "events">[]>();
  for (let i = 0; i < teamIds.length; i += IDS_PER_STATEMENT) {
    const rows = await db
      .select({ id: webhookEndpoints.id, teamId: webhookEndpoints.teamId, events: webhookEndpoints.events })
      .from(webhookEndpoints)
      .where(and(inArray(webhookEndpoints.teamId, teamIds.slice(i, i + IDS_PER_STATEMENT)), isNull(webhookEndpoints.disabledAt)));
    for (const { teamId, ...endpoint } of rows) byTeam.set(teamId, [...(byTeam.get(teamId) ?? []), endpoint]);
  }
  return byTeam;
}

type EndpointChanges = Partial<Pick<WebhookEndpointRow, "url" | "sealedSecret" | "events" | "disabledAt" | "disabledReason" | "failingSince" | "lastFailureAt">>;

export function updateWebhookEndpointStatement(db: Database, teamId: string, id: string, changes: EndpointChanges, at: number) {
  return db
    .update(webhookEndpoints)
    .set({ ...changes, updatedAt: at })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.teamId, teamId)))
    .returning();
}

/** Removes the endpoint; its outbox messages and attempts go with it (ON DELETE CASCADE). */
export function deleteWebhookEndpointStatement(db: Database, teamId: string, id: string) {
  return db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.teamId, teamId)))
    .returning({ id: webhookEndpoints.id });
}

/** A delivery succeeded: the run of failures is over. */
export function recordEndpointDelivered(db: Database, endpointId: string, at: number) {
  return db
    .update(webhookEndpoints)
    .set({ failingSince: null, lastError: null, lastDeliveredAt: at, updatedAt: at })
    .where(eq(webhookEndpoints.id, endpointId));
}

export function recordEndpointFailure(db: Database, endpointId: string, failure: { failingSince: number; at: number; error: string }) {
  return db
    .update(webhookEndpoints)
    .set({ failingSince: failure.failingSince, lastFailureAt: failure.at, lastError: failure.error, updatedAt: failure.at })
    .where(eq(webhookEndpoints.id, endpointId));
}

/** The reason a team's own PATCH `{"disabled": true}` records: the metrics tell it apart from deliveries that failed. */
export const DISABLED_THROUGH_API = "Disabled through the API";

/** Turns the endpoint off, saying why; unless it is off already (the first reason stays). */
export function disableEndpointStatement(db: Database, endpointId: string, reason: string, at: number) {
  return db
    .update(webhookEndpoints)
    .set({ disabledAt: at, disabledReason: reason, updatedAt: at })
    .where(and(eq(webhookEndpoints.id, endpointId), isNull(webhookEndpoints.disabledAt)));
}

// The outbox

/** An outbox row binds 8 parameters; D1 binds at most 100 per statement (https://developers.cloudflare.com/d1/platform/limits/). */
const OUTBOX_ROWS_PER_STATEMENT = 12;

/** The inserts of an event's messages: a few statements for its batch, however many endpoints take it. */
export function insertOutboxStatements(db: Database, rows: readonly WebhookOutboxRow[]) {
  const statements = [];
  for (let i = 0; i < rows.length; i += OUTBOX_ROWS_PER_STATEMENT) statements.push(db.insert(webhookOutbox).values(rows.slice(i, i + OUTBOX_ROWS_PER_STATEMENT)));
  return statements;
}

/** Messages still to send to an endpoint are dropped when it is disabled: a disabled endpoint receives nothing. */
export function dropPendingMessagesStatement(db: Database, endpointId: string) {
  return db.delete(webhookOutbox).where(eq(webhookOutbox.endpointId, endpointId));
}

export async function outboxMessage(db: Database, id: string): Promise<WebhookOutboxRow | null> {
  return (await db.query.webhookOutbox.findFirst({ where: eq(webhookOutbox.id, id) })) ?? null;
}

/**
 * Takes message `id` for attempt number `attempt` until `leaseUntil`, or null: it is gone, that attempt was already
 * made (by another message for it), it is not due at `dueAt`, or something else holds it at `now`. The delivery round
 * that sent the queue message held it until `heldUntil`: that hold is the attempt's to take over. One statement, so two
 * queue messages for one attempt never both send it.
 */
export async function claimOutboxMessage(
  db: Database,
  id: string,
  attempt: number,
  dueAt: number,
  now: number,
  leaseUntil: number,
  heldUntil?: number,
): Promise<WebhookOutboxRow | null> {
  const [row] = await db
    .update(webhookOutbox)
    .set({ attempts: sql`${webhookOutbox.attempts} + 1`, leaseUntil })
    .where(
      and(
        eq(webhookOutbox.id, id),
        eq(webhookOutbox.attempts, attempt - 1),
        lte(webhookOutbox.nextAttemptAt, dueAt),
        or(isNull(webhookOutbox.leaseUntil), lte(webhookOutbox.leaseUntil, now), heldUntil === undefined ? undefined : eq(webhookOutbox.leaseUntil, heldUntil)),
      ),
    )
    .returning();
  return row ?? null;
}

export function deleteOutboxStatement(db: Database, id: string) {
  return db.delete(webhookOutbox).where(eq(webhookOutbox.id, id));
}

/** The attempt failed and another follows at `nextAttemptAt`: the lease is given back. */
export function rescheduleOutboxStatement(db: Database, id: string, nextAttemptAt: number) {
  return db.update(webhookOutbox).set({ nextAttemptAt, leaseUntil: null }).where(eq(webhookOutbox.id, id));
}

// Attempts

/** Records an attempt and keeps only the newest `keep` of the endpoint's: two statements for the attempt's batch. */
export function recordAttemptStatements(db: Database, row: WebhookAttemptRow, keep: number) {
  const newest = db
    .select({ id: webhookAttempts.id })
    .from(webhookAttempts)
    .where(eq(webhookAttempts.endpointId, row.endpointId))
    .orderBy(desc(webhookAttempts.at), desc(webhookAttempts.id))
    .limit(keep);
  return [
    db.insert(webhookAttempts).values(row),
    db.delete(webhookAttempts).where(and(eq(webhookAttempts.endpointId, row.endpointId), notInArray(webhookAttempts.id, newest))),
  ] as const;
}

export function deleteAttemptsStatement(db: Database, endpointId: string) {
  return db.delete(webhookAttempts).where(eq(webhookAttempts.endpointId, endpointId));
}

export async function attemptsOf(db: Database, endpointId: string, limit: number): Promise<WebhookAttemptRow[]> {
  return db
    .select()
    .from(webhookAttempts)
    .where(eq(webhookAttempts.endpointId, endpointId))
    .orderBy(desc(webhookAttempts.at), desc(webhookAttempts.id))
    .limit(limit);
}

/**
 * How many endpoints are disabled per team and by whom (`api`: the team's PATCH; `delivery`: a 410 Gone or 3 days of
 * failures), of one team (`teamId`) or of every team (null), at most `limit` rows: one grouped statement for the
 * metrics scrape.
 */
export function disabledEndpointCountsQuery(db: Database, teamId: string | null, limit: number) {
  const by = sql<"api" | "delivery">`CASE WHEN ${webhookEndpoints.disabledReason} = ${DISABLED_THROUGH_API} THEN 'api' ELSE 'delivery' END`;
  return db
    .select({ teamSlug: teams.slug, by, endpoints: count() })
    .from(webhookEndpoints)
    .innerJoin(teams, eq(teams.id, webhookEndpoints.teamId))
    .where(and(isNotNull(webhookEndpoints.disabledAt), teamId === null ? undefined : eq(webhookEndpoints.teamId, teamId)))
    .groupBy(webhookEndpoints.teamId, by)
    .orderBy(webhookEndpoints.teamId, by)
    .limit(limit);
}

export type DisabledEndpointCount = Awaited<ReturnType<typeof disabledEndpointCountsQuery>>[number];

// Expiry notices

export type ExpiryCandidate = Pick<
  typeof certificates.$inferSelect,
  | "id"
  | "teamId"
  | "projectId"
  | "type"
  | "domain"
  | "names"
  | "serial"
  | "fingerprint"
  | "issuedAt"
  | "expiresAt"
  | "autoRenew"
  | "nextRenewalAt"
  | "renewalFailures"
  | "lastRenewError"
  | "ariWindowStart"
  | "ariWindowEnd"
> & { noticedExpiresAt: number | null; noticedLevel: number | null };

/**
 * Active certificates expiring in (`floor`, `horizon`] of teams with an enabled webhook endpoint, whose notice is not
 * up to date at `asOf`: never seen, renewed since (another expiry), their next notice has come, or the row changed
 * since its notice was last looked at (a renewal failed, automatic renewal was switched off: a notice that waited for
 * the renewal may be due now). One range read of the `expires_at` index, soonest first.
 */
export async function expiryCandidates(db: Database, window: { asOf: number; floor: number; horizon: number }, limit: number): Promise<ExpiryCandidate[]> {
  const teamsWithEndpoints = db.select({ teamId: webhookEndpoints.teamId }).from(webhookEndpoints).where(isNull(webhookEndpoints.disabledAt));
  return db
    .select({
      id: certificates.id,
      teamId: certificates.teamId,
      projectId: certificates.projectId,
      type: certificates.type,
      domain: certificates.domain,
      names: certificates.names,
      serial: certificates.serial,
      fingerprint: certificates.fingerprint,
      issuedAt: certificates.issuedAt,
      expiresAt: certificates.expiresAt,
      autoRenew: certificates.autoRenew,
      nextRenewalAt: certificates.nextRenewalAt,
      renewalFailures: certificates.renewalFailures,
      lastRenewError: certificates.lastRenewError,
      ariWindowStart: certificates.ariWindowStart,
      ariWindowEnd: certificates.ariWindowEnd,
      noticedExpiresAt: certificateExpiryNotices.expiresAt,
      noticedLevel: certificateExpiryNotices.level,
    })
    .from(certificates)
    .leftJoin(certificateExpiryNotices, eq(certificateExpiryNotices.certificateId, certificates.id))
    .where(
      and(
        lte(certificates.expiresAt, window.horizon),
        gt(certificates.expiresAt, window.floor),
        eq(certificates.state, "active"),
        inArray(certificates.teamId, teamsWithEndpoints),
        or(
          isNull(certificateExpiryNotices.certificateId),
          ne(certificateExpiryNotices.expiresAt, certificates.expiresAt),
          lte(certificateExpiryNotices.nextNoticeAt, window.asOf),
          gte(certificates.updatedAt, certificateExpiryNotices.updatedAt),
        ),
      ),
    )
    .orderBy(asc(certificates.expiresAt), asc(certificates.id))
    .limit(limit);
}

/** Remembers the notice a certificate has had for its current expiry. */
export function upsertExpiryNoticeStatement(db: Database, notice: ExpiryNoticeRow) {
  const { certificateId: _id, ...changes } = notice;
  return db.insert(certificateExpiryNotices).values(notice).onConflictDoUpdate({ target: certificateExpiryNotices.certificateId, set: changes });
}
