/** Revocation at the CA (RFC 8555 §7.6) of a stored ACME certificate; terminal. */
import { and, eq } from "drizzle-orm";
import { isAcmeProblem } from "../acme";
import { certificates } from "../db/schema";
import type { IssuanceDeps } from "./deps";
import { AppError } from "../core/errors";
import { pemToDer } from "../pki";
import { openAcmeClient } from "./acme-account";
import { responseLimitOf } from "../outbound/bounded-body";
import { toIssuanceError } from "./acme-errors";
import { isAcmeCertificate } from "../store/certificate-type";
import { type CertificateRow, nextVersionTime, unchangedSince } from "../store/certificates";
import type { RevokeOutcome } from "./issue-request";

const asOutcome = (error: AppError): RevokeOutcome => ({ ok: false, error: error.toData() });

/** Why `row` cannot be revoked from here (null: it can): checked by the request before it hands over, and again under the lock. */
export function revocationRefusal(row: CertificateRow): AppError | null {
  if (row.state === "revoked") return new AppError("conflict", "Certificate is already revoked");
  if (!isAcmeCertificate(row)) {
    return new AppError("not_revocable", "A custom certificate cannot be revoked from here: ask the CA that issued it, then delete it or upload a replacement");
  }
  return null;
}

export async function revokeStoredCertificate(deps: IssuanceDeps, teamId: string, certificateId: string, reason: number): Promise<RevokeOutcome> {
  const { db } = deps;
  const row = await db.query.certificates.findFirst({ where: and(eq(certificates.id, certificateId), eq(certificates.teamId, teamId)) });
  if (!row) return asOutcome(new AppError("not_found", "Certificate not found"));
  const refusal = revocationRefusal(row);
  if (refusal) return asOutcome(refusal);
  const directoryUrl = String(row.issuance?.directoryUrl ?? "");
  try {
    const { ENCRYPTION_KEY } = deps.config;
    const client = await openAcmeClient(db, { teamId, directoryUrl, email: null, encryptionKey: ENCRYPTION_KEY, responseLimitBytes: responseLimitOf(deps.config) });
    try {
      await client.revokeCertificate(pemToDer(row.certificatePem), reason);
    } catch (error) {
      // RFC 8555 §7.6: already revoked at the CA (e.g. by another client) is the state we want.
      if (!isAcmeProblem(error, "alreadyRevoked")) throw error;
    }
  } catch (error) {
    return asOutcome(toIssuanceError(error, directoryUrl));
  }
  const revokedAt = Date.now();
  // Only over the row that was revoked at the CA: an upload that replaced it meanwhile is another certificate.
  await db
    .update(certificates)
    .set({ state: "revoked", revokedAt, autoRenew: false, nextRenewalAt: null, updatedAt: nextVersionTime(row, revokedAt) })
    .where(unchangedSince(row));
  return { ok: true, revokedAt };
}
