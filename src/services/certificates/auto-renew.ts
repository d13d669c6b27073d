/** Automatic renewal on or off: only ACME certificates renew themselves. */
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { certificates } from "../../db/schema";
import { AppError } from "../../core/errors";
import { renewalDueAt } from "../../renewal/policy";
import { isAcmeCertificate } from "../../store/certificate-type";
import type { CertificateRow } from "../../store/certificates";

/** Turning it on again schedules the next renewal by the usual rule (the CA's ARI window is read again at renewal). */
export async function setAutoRenew(db: Database, row: CertificateRow, autoRenew: boolean, now: number): Promise<CertificateRow> {
  if (autoRenew && !isAcmeCertificate(row)) {
    throw new AppError("not_renewable", "A custom certificate cannot renew itself: upload its successor before it expires");
  }
  if (autoRenew && row.state === "revoked") throw new AppError("not_renewable", "A revoked certificate cannot be renewed; obtain a new one");
  const nextRenewalAt = autoRenew ? renewalDueAt({ issuedAt: row.issuedAt, expiresAt: row.expiresAt }) : null;
  const changes = { autoRenew, nextRenewalAt, renewalFailures: 0, updatedAt: now };
  await db.update(certificates).set(changes).where(eq(certificates.id, row.id));
  return { ...row, ...changes };
}
