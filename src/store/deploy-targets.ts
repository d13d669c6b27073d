/**
 * Deploy-target rows: their sealed credentials, the lease one delivery holds while it runs, and the outcome of each
 * attempt. A target is due while the project's active certificate has a serial it has not received.
 */
import { and, asc, count, eq, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import { seal, unseal, type SealingKeys } from "../crypto/sealing";
import type { Database } from "../db/client";
import { selectValues } from "../db/select-values";
import { certificates, deployTargets, teams } from "../db/schema";

export type DeployTargetRow = typeof deployTargets.$inferSelect;

/** The associated data the credentials are sealed with: a sealed value moved to another row or column does not open. */
export const deployCredentialsAad = (targetId: string) => `${targetId}:deploy`;

export function sealDeployCredentials(keys: SealingKeys, targetId: string, credentials: Record<string, unknown>): Promise<string> {
  return seal(keys, JSON.stringify(credentials), deployCredentialsAad(targetId));
}

export async function openDeployCredentials(keys: SealingKeys, row: Pick<DeployTargetRow, "id" | "sealedCredentials">): Promise<unknown> {
  return JSON.parse(await unseal(keys, row.sealedCredentials, deployCredentialsAad(row.id))) as unknown;
}

/** The insert, made only while the project has fewer than `max` targets: the count and the write are one statement. */
export function insertDeployTargetUnder(db: Database, row: DeployTargetRow, max: number) {
  return db
    .insert(deployTargets)
    .select(sql`SELECT ${selectValues(deployTargets, row)} WHERE (SELECT count(*) FROM deploy_targets WHERE project_id = ${row.projectId}) < ${max}`)
    .returning({ id: deployTargets.id });
}

/** Whether the project has any deploy target: nothing to hand off after a change when it has none. */
export async function hasDeployTargets(db: Database, projectId: string): Promise<boolean> {
  return !!(await db.query.deployTargets.findFirst({ where: eq(deployTargets.projectId, projectId), columns: { id: true } }));
}

export function deleteDeployTargetStatement(db: Database, projectId: string, targetId: string) {
  return db.delete(deployTargets).where(and(eq(deployTargets.id, targetId), eq(deployTargets.projectId, projectId))).returning({ id: deployTargets.id });
}

export async function deployTargetsOf(db: Database, projectId: string): Promise<DeployTargetRow[]> {
  return db.select().from(deployTargets).where(eq(deployTargets.projectId, projectId)).orderBy(asc(deployTargets.createdAt), asc(deployTargets.id));
}

export async function deployTargetOf(db: Database, projectId: string, targetId: string): Promise<DeployTargetRow | null> {
  return (await db.query.deployTargets.findFirst({ where: and(eq(deployTargets.id, targetId), eq(deployTargets.projectId, projectId)) })) ?? null;
}

export async function countDeployTargets(db: Database, projectId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(deployTargets).where(eq(deployTargets.projectId, projectId));
  return row?.n ?? 0;
}

/**
 * Takes the target for one delivery until `until`, or null when another delivery holds it. One statement, so two
 * deliveries (the one after an issuance, the sweep's retry) never call the provider at once: two first imports into
 * ACM would leave two ARNs.
 */
export async function leaseDeployTarget(db: Database, targetId: string, leaseId: string, now: number, until: number): Promise<DeployTargetRow | null> {
  const [row] = await db
    .update(deployTargets)
    .set({ leaseId, leaseUntil: until })
    .where(and(eq(deployTargets.id, targetId), or(isNull(deployTargets.leaseUntil), lte(deployTargets.leaseUntil, now))))
    .returning();
  return row ?? null;
}

/** Gives the lease back without recording anything (nothing to deliver). */
export function releaseDeployTarget(db: Database, targetId: string, leaseId: string) {
  return db
    .update(deployTargets)
    .set({ leaseId: null, leaseUntil: null })
    .where(and(eq(deployTargets.id, targetId), eq(deployTargets.leaseId, leaseId)));
}

/** The target now holds `serial` (under the provider's `remoteId`); its failures are over. Only under this lease. */
export function recordDelivered(db: Database, targetId: string, leaseId: string, delivered: { remoteId: string; serial: string; at: number }) {
  return db
    .update(deployTargets)
    .set({
      remoteId: delivered.remoteId,
      deployedSerial: delivered.serial,
      deployedAt: delivered.at,
      lastAttemptAt: delivered.at,
      lastError: null,
      failures: 0,
      failingSince: null,
      nextAttemptAt: null,
      leaseId: null,
      leaseUntil: null,
      updatedAt: delivered.at,
    })
    .where(and(eq(deployTargets.id, targetId), eq(deployTargets.leaseId, leaseId)));
}

/** The attempt failed: say why, count it, and wait until `nextAttemptAt` before the next automatic one. */
export function recordDeliveryFailure(
  db: Database,
  target: Pick<DeployTargetRow, "id" | "failures" | "failingSince">,
  leaseId: string,
  failure: { error: string; at: number; nextAttemptAt: number },
) {
  return db
    .update(deployTargets)
    .set({
      lastAttemptAt: failure.at,
      lastError: failure.error,
      failures: target.failures + 1,
      failingSince: target.failingSince ?? failure.at,
      nextAttemptAt: failure.nextAttemptAt,
      leaseId: null,
      leaseUntil: null,
      updatedAt: failure.at,
    })
    .where(and(eq(deployTargets.id, target.id), eq(deployTargets.leaseId, leaseId)));
}

/**
 * Targets whose project's active certificate has a serial they have not received, past their backoff at `asOf` and
 * not held by a delivery at `now`; the longest waiting first.
 */
export async function dueDeployTargets(db: Database, asOf: number, now: number, limit: number): Promise<DeployTargetRow[]> {
  const rows = await db
    .select({ target: deployTargets })
    .from(deployTargets)
    .innerJoin(certificates, eq(certificates.projectId, deployTargets.projectId))
    .where(
      and(
        eq(certificates.state, "active"),
        or(isNull(deployTargets.deployedSerial), sql`${deployTargets.deployedSerial} <> ${certificates.serial}`),
        or(isNull(deployTargets.nextAttemptAt), lte(deployTargets.nextAttemptAt, asOf)),
        or(isNull(deployTargets.leaseUntil), lte(deployTargets.leaseUntil, now)),
      ),
    )
    .orderBy(sql`coalesce(${deployTargets.nextAttemptAt}, ${deployTargets.updatedAt})`, asc(deployTargets.id))
    .limit(limit);
  return rows.map((r) => r.target);
}

/**
 * How many targets are failing (a run of failed deliveries, since `failing_since`), by team and kind, of one team
 * (`teamId`) or of every team (null), at most `limit` rows: one grouped statement for the metrics scrape.
 */
export function failingTargetCountsQuery(db: Database, teamId: string | null, limit: number) {
  return db
    .select({ teamSlug: teams.slug, kind: deployTargets.kind, targets: count() })
    .from(deployTargets)
    .innerJoin(teams, eq(teams.id, deployTargets.teamId))
    .where(and(isNotNull(deployTargets.failingSince), teamId === null ? undefined : eq(deployTargets.teamId, teamId)))
    .groupBy(deployTargets.teamId, deployTargets.kind)
    .orderBy(deployTargets.teamId, deployTargets.kind)
    .limit(limit);
}

export type FailingTargetCount = Awaited<ReturnType<typeof failingTargetCountsQuery>>[number];
