/**
 * Renewing the egress client certificates a team's CA issued (client-certificate-issue.ts), as a stage of the cron tick:
 * at two thirds of its lifetime, as the ACME certificates here (renewal/policy.ts), a certificate is issued again from
 * the same CA, with a new key and the same lifetime, into the same slot. No Durable Object and no queue: signing is
 * local and takes milliseconds, so the tick does it itself, a bounded number per tick.
 */
import { and, eq, sql } from "drizzle-orm";
import { AppError } from "../core/errors";
import { DAY_MS } from "../core/time";
import { certificateAuthorities, privateCertificates, projects } from "../db/schema";
import { auditInsert } from "../store/audit-log";
import type { CommitChange } from "./change";
import { installIssuedClientCertificate } from "./client-certificate-issue";
import type { Deps } from "./deps";
import { emitPrivateCertificateEvent } from "./webhooks/private-ca-events";

/** At most this many per tick (every 15 minutes): a team's quota of client certificates is far below it per day. */
export const CLIENT_RENEWALS_PER_TICK = 50;
/** The audit rows' actor and action: no token acts. */
export const RENEWAL_ACTOR = "renewer";
export const RENEWAL_ACTION = "renew client certificate";
/** A renewal that would leave less than this before the CA's own notAfter is not made; the CA needs renewing first. */
const SHORTEST_RENEWAL_MS = DAY_MS;

interface DueRow {
  id: string;
  teamId: string;
  projectId: string;
  origin: string;
  caId: string;
  notBefore: number;
  notAfter: number;
}

/**
 * Slots holding a CA-issued certificate past two thirds of its lifetime, soonest expiry first. Read from the slots
 * (client_certificates, bounded by the quotas) and their CA record by primary key (they share the id).
 */
async function dueClientCertificates(deps: Deps, asOf: number, limit: number): Promise<DueRow[]> {
  return deps.db.all<DueRow>(sql`
    SELECT c.id AS id, c.team_id AS teamId, c.project_id AS projectId, c.origin AS origin, p.ca_id AS caId, p.not_before AS notBefore, p.not_after AS notAfter
    FROM client_certificates c JOIN private_certificates p ON p.id = c.id
    WHERE p.auto_renew = 1 AND p.status = 'active' AND p.not_before + (p.not_after - p.not_before) * 2 / 3 <= ${asOf}
    ORDER BY p.not_after LIMIT ${limit}`);
}

/** The cron's commit: the statements and the renewer's audit row in one batch, the row only where `recordIf` holds. */
function renewerCommit(deps: Deps, now: number): CommitChange {
  return async function renewerCommit(change) {
    const row = auditInsert(deps.db, { teamId: change.teamId, actor: RENEWAL_ACTOR, action: RENEWAL_ACTION, target: change.target, detail: change.detail }, now, change.recordIf?.holds);
    const [first, ...rest] = [...change.statements, row];
    return (await deps.db.batch([first!, ...rest])).slice(0, -1);
  };
}

/** Stops renewing a certificate whose CA can no longer renew it (disabled, or too near its own end), with an audit row. */
async function stopRenewing(deps: Deps, row: DueRow, now: number, reason: string): Promise<void> {
  await renewerCommit(deps, now)({
    teamId: row.teamId,
    statements: [deps.db.update(privateCertificates).set({ autoRenew: false }).where(eq(privateCertificates.id, row.id))],
    target: row.id,
    detail: { stopped: reason, caId: row.caId },
  });
}

export interface ClientRenewalReport {
  due: number;
  renewed: number;
  stopped: number;
  failed: number;
}

export async function renewDueClientCertificates(deps: Deps, asOf: number, limit = CLIENT_RENEWALS_PER_TICK): Promise<ClientRenewalReport> {
  const due = await dueClientCertificates(deps, asOf, limit);
  const report: ClientRenewalReport = { due: due.length, renewed: 0, stopped: 0, failed: 0 };
  for (const row of due) {
    try {
      const outcome = await renewOne(deps, row, asOf);
      report[outcome] += 1;
    } catch (error) {
      // One slot's failure (a quota the team filled meanwhile) holds back none of the others; it is tried next tick.
      report.failed += 1;
      console.error(`client certificate renewal ${row.id} failed: ${error instanceof AppError ? error.message : error instanceof Error ? error.name : "error"}`);
    }
  }
  return report;
}

async function renewOne(deps: Deps, row: DueRow, now: number): Promise<"renewed" | "stopped" | "failed"> {
  const [project, ca] = await Promise.all([
    deps.db.query.projects.findFirst({ where: and(eq(projects.id, row.projectId), eq(projects.teamId, row.teamId)) }),
    deps.db.query.certificateAuthorities.findFirst({ where: and(eq(certificateAuthorities.id, row.caId), eq(certificateAuthorities.teamId, row.teamId)) }),
  ]);
  if (!project || !ca) return "failed";
  if (ca.status !== "active") {
    await stopRenewing(deps, row, now, "the CA is disabled");
    return "stopped";
  }
  // The same lifetime, cut to the CA's own notAfter.
  const notAfter = Math.min(now + (row.notAfter - row.notBefore), ca.notAfter);
  if (notAfter - now < SHORTEST_RENEWAL_MS) {
    await stopRenewing(deps, row, now, "the CA expires within a day");
    return "stopped";
  }
  const issued = await installIssuedClientCertificate(deps.db, deps.config.ENCRYPTION_KEY, project, ca, row.origin, notAfter, now, renewerCommit(deps, now), deps.config, replacing(deps, row));
  if (!issued) return "failed";
  await emitPrivateCertificateEvent(deps, "certificate.issued", issued.record, { projectId: project.id, origin: row.origin, trigger: "renewal", renewedFrom: row.id });
  return "renewed";
}

/**
 * The batch replaces the slot only while it still holds the certificate renewed: an upload or delete made meanwhile
 * wins. The slot's delete cannot be guarded on the row it deletes (the insert after it would no longer see it), so
 * the batch first claims the old certificate's record (autoRenew off, only while the slot holds it); the delete and
 * the insert run only on that claim with nothing else in the slot, and a batch that stored nothing (the team's quota)
 * gives the claim back, to be tried next tick.
 */
function replacing(deps: Deps, row: DueRow) {
  const { db } = deps;
  const slotHoldsOld = sql`EXISTS (SELECT 1 FROM client_certificates WHERE id = ${row.id})`;
  const claim = db
    .update(privateCertificates)
    .set({ autoRenew: false })
    .where(and(eq(privateCertificates.id, row.id), eq(privateCertificates.autoRenew, true), slotHoldsOld));
  const claimed = sql`EXISTS (SELECT 1 FROM private_certificates WHERE id = ${row.id} AND auto_renew = 0)
    AND NOT EXISTS (SELECT 1 FROM client_certificates WHERE project_id = ${row.projectId} AND origin = ${row.origin} AND id <> ${row.id})`;
  // The slot still holds the old certificate only when the batch replaced nothing.
  const giveBack = db.update(privateCertificates).set({ autoRenew: true }).where(and(eq(privateCertificates.id, row.id), slotHoldsOld));
  return { before: [claim], guard: claimed, also: [giveBack] };
}
