/** Automatic renewal on or off: only ACME certificates renew themselves. */
import { eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { certificates } from "../../db/schema";
import { AppError } from "../../core/errors";
import { renewalDueAt } from "../../renewal/policy";
import { isAcmeCertificate } from "../../store/certificate-type";
import type { CertificateRow } from "../../store/certificates";
import type { CommitChange } from "../change";

/**
 * Turning it on again schedules the next renewal by the usual rule (the CA's ARI window is read again at renewal).
 * updated_at moves strictly forward, so a renewal already running over the old row stores nothing over this choice.
 * The update and its audit row are one batch (`commit`); a row deleted meanwhile changes nothing and records nothing.
 */
export async function setAutoRenew(db: Database, row: CertificateRow, autoRenew: boolean, now: number, commit: CommitChange): Promise<CertificateRow> {
  if (autoRenew && !isAcmeCertificate(row)) {
    throw new AppError("not_renewable", "A custom certificate cannot renew itself: upload its successor before it expires");
  }
  if (autoRenew && row.state === "revoked") throw new AppError("not_renewable", "A revoked certificate cannot be renewed; obtain a new one");
  const nextRenewalAt = autoRenew ? renewalDueAt({ issuedAt: row.issuedAt, expiresAt: row.expiresAt }) : null;
  const update = db
    .update(certificates)
    .set({ autoRenew, nextRenewalAt, renewalFailures: 0, updatedAt: sql`max(${now}, ${certificates.updatedAt} + 1)` })
    .where(eq(certificates.id, row.id))
    .returning();
  const stillThere = sql`EXISTS (SELECT 1 FROM certificates WHERE id = ${row.id})`;
  const [updated] = (await commit({
    teamId: row.teamId,
    statements: [update],
    target: row.id,
    detail: { projectId: row.projectId, autoRenew },
    recordIf: { holds: stillThere, checked: "after" },
  })) as [CertificateRow[]];
  // Deleted since it was read: the caller's 404.
  if (!updated[0]) throw new AppError("not_found", "Project has no certificate");
  return updated[0];
}
