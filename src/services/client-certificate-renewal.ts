/**
 * Renewing the egress client certificates a team's CA issued (client-certificate-issue.ts), as a stage of the cron tick:
 * when due (its record's next_renewal_at, set at installation by renewal/policy.ts: two thirds of the lifetime, half
 * under ten days, as the ACME certificates here), a certificate is issued again from the same CA, with a new key and the
 * same lifetime, into the same slot. No Durable Object and no queue: signing is local and takes milliseconds, so the
 * tick does it itself, a bounded number per tick.
 */
import { type SQL, and, eq, sql } from "drizzle-orm";
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
/**
 * After a renewal that threw or stored nothing (not one that stopped), it is due again this much later: at the back of
 * the due rows, so certificates that keep failing cannot fill every tick's CLIENT_RENEWALS_PER_TICK and hold back the
 * others (as services/private-ca/auto-renew.ts does).
 */
export const CLIENT_RENEWAL_RETRY_MS = 60 * 60_000;
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
  nextRenewalAt: number;
}

/**
 * SQL: the slots holding a CA-issued certificate due at `asOf`, longest due first. Read only the due records, through
 * the partial index private_certificates_renewal_idx, and their slot by primary key (they share the id); a CROSS JOIN
 * keeps SQLite from choosing client_certificates as the outer loop (https://www.sqlite.org/optoverview.html#crossjoin).
 * A record no longer in a slot (deleted, or replaced by an upload) is not this stage's: private_renewal clears it.
 */
export function dueClientCertificatesQuery(asOf: number, limit: number): SQL {
  return sql`
    SELECT c.id AS id, c.team_id AS teamId, c.project_id AS projectId, c.origin AS origin, p.ca_id AS caId,
      p.not_before AS notBefore, p.not_after AS notAfter, p.next_renewal_at AS nextRenewalAt
    FROM private_certificates p CROSS JOIN client_certificates c ON c.id = p.id
    WHERE p.next_renewal_at IS NOT NULL AND p.next_renewal_at <= ${asOf} AND p.auto_renew = 1 AND p.status = 'active'
    ORDER BY p.next_renewal_at LIMIT ${limit}`;
}

async function dueClientCertificates(deps: Deps, asOf: number, limit: number): Promise<DueRow[]> {
  return deps.db.all<DueRow>(dueClientCertificatesQuery(asOf, limit));
}

/** SQL: the slot still holds certificate `id` (the claim, its give-back and a retry touch a record only while it is there). */
const slotHolds = (id: string) => sql`EXISTS (SELECT 1 FROM client_certificates WHERE id = ${id})`;

/**
 * Moves a failed renewal to the back: due again CLIENT_RENEWAL_RETRY_MS after `asOf`, only while the record is still
 * renewed here (in its slot, autoRenew on). Best effort: when this write fails too, it is simply tried next tick.
 */
async function retryLater(deps: Deps, row: DueRow, asOf: number): Promise<void> {
  await deps.db
    .update(privateCertificates)
    .set({ nextRenewalAt: asOf + CLIENT_RENEWAL_RETRY_MS })
    .where(and(eq(privateCertificates.id, row.id), eq(privateCertificates.autoRenew, true), eq(privateCertificates.status, "active"), slotHolds(row.id)))
    .run()
    .catch(() => undefined);
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
    // next_renewal_at cleared too: no stage reads the record as due again.
    statements: [deps.db.update(privateCertificates).set({ autoRenew: false, nextRenewalAt: null }).where(eq(privateCertificates.id, row.id))],
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
      // Stored nothing (a quota the team filled meanwhile): due again in an hour, behind those due now.
      if (outcome === "failed") await retryLater(deps, row, asOf);
    } catch (error) {
      // One slot's failure (a CA key that cannot be opened) holds back none of the others: it is due again in an
      // hour, behind those due now, so certificates that keep failing cannot fill every tick.
      report.failed += 1;
      console.error(`client certificate renewal ${row.id} failed: ${error instanceof AppError ? error.message : error instanceof Error ? error.name : "error"}`);
      await retryLater(deps, row, asOf);
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
 * the batch first claims the old certificate's record (autoRenew off and next_renewal_at cleared, only while the slot
 * holds it, so once replaced no stage renews it); the delete and the insert run only on that claim with nothing else
 * in the slot, and a batch that stored nothing (the team's quota) gives the claim back (the caller then moves it an
 * hour on).
 */
function replacing(deps: Deps, row: DueRow) {
  const { db } = deps;
  const slotHoldsOld = slotHolds(row.id);
  const claim = db
    .update(privateCertificates)
    .set({ autoRenew: false, nextRenewalAt: null })
    .where(and(eq(privateCertificates.id, row.id), eq(privateCertificates.autoRenew, true), slotHoldsOld));
  const claimed = sql`EXISTS (SELECT 1 FROM private_certificates WHERE id = ${row.id} AND auto_renew = 0)
    AND NOT EXISTS (SELECT 1 FROM client_certificates WHERE project_id = ${row.projectId} AND origin = ${row.origin} AND id <> ${row.id})`;
  // The slot still holds the old certificate only when the batch replaced nothing.
  const giveBack = db.update(privateCertificates).set({ autoRenew: true, nextRenewalAt: row.nextRenewalAt }).where(and(eq(privateCertificates.id, row.id), slotHoldsOld));
  return { before: [claim], guard: claimed, also: [giveBack] };
}
