/**
 * Revoking a certificate of a team's CA. The CRL that lists it is signed first (cRLNumber one above the stored one),
 * then one D1 batch marks the certificate revoked, stores that CRL and writes the audit row, each only over the CRL
 * number it was signed after: a concurrent revocation that stored its CRL first makes this batch change nothing, and
 * it is signed again over the new number. So the stored CRL always lists every revocation, and its number only rises
 * (RFC 5280 §5.2.3).
 */
import { and, sql } from "drizzle-orm";
import { AppError } from "../../core/errors";
import type { RevocationReason } from "../../pki/private-ca";
import { type CertificateAuthorityRow, crlUpdateStatement, findTeamCa } from "../../store/certificate-authorities";
import { type PrivateCertificateRow, findPrivateCertificate, revokeStatement } from "../../store/private-certificates";
import type { CommitChange } from "../change";
import type { CaContext } from "./create-ca";
import { crlEntries, signCrl } from "./crl-signing";
import { openSigningCa } from "./signing-ca";

/** Signing again after a lost race; more than this many concurrent revocations of one CA in a row is a 409. */
const ATTEMPTS = 5;

/** SQL: the certificate is revoked as this request revoked it (its time and reason). */
const revokedAsWritten = (id: string, at: number, reason: string) =>
  sql`EXISTS (SELECT 1 FROM private_certificates WHERE id = ${id} AND status = 'revoked' AND revoked_at = ${at} AND revocation_reason = ${reason})`;

export async function revokePrivateCertificate(
  ctx: Pick<CaContext, "db" | "encryptionKey" | "now">,
  ca: CertificateAuthorityRow,
  certificate: PrivateCertificateRow,
  reason: RevocationReason,
  commit: CommitChange,
): Promise<PrivateCertificateRow> {
  if (certificate.shortLived) {
    throw new AppError("not_revocable", `a short-lived certificate is not revoked: it simply lapses at ${new Date(certificate.notAfter).toISOString()}`);
  }
  if (certificate.status === "revoked") throw new AppError("conflict", `Certificate ${certificate.id} is already revoked`);
  if (certificate.notAfter <= ctx.now) throw new AppError("not_revocable", `Certificate ${certificate.id} expired at ${new Date(certificate.notAfter).toISOString()}: an expired certificate is not listed`);
  const issuer = await openSigningCa(ctx.encryptionKey, ca);
  let current = ca;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const revokedAt = Math.max(ctx.now, current.crlThisUpdate);
    const entries = await crlEntries(ctx.db, ca.id, revokedAt, [{ serialHex: certificate.serial, revokedAt: new Date(revokedAt), reason }]);
    const crl = await signCrl(issuer, current.crlNumber + 1, revokedAt, entries);
    const marked = revokedAsWritten(certificate.id, revokedAt, reason);
    const [revoked] = (await commit({
      teamId: ca.teamId,
      statements: [revokeStatement(ctx.db, certificate, current.crlNumber, revokedAt, reason), crlUpdateStatement(ctx.db, ca.id, current.crlNumber, crl, marked)],
      target: certificate.id,
      detail: { caId: ca.id, serial: certificate.serial, reason, crlNumber: crl.number },
      recordIf: { holds: and(marked, sql`EXISTS (SELECT 1 FROM certificate_authorities WHERE id = ${ca.id} AND crl_number = ${crl.number})`)!, checked: "after" },
    })) as [PrivateCertificateRow[]];
    if (revoked.length > 0) return revoked[0]!;
    const again = await findPrivateCertificate(ctx.db, ca.id, certificate.id);
    if (!again) throw new AppError("not_found", `Certificate ${certificate.id} of CA ${ca.id} not found`);
    if (again.status === "revoked") throw new AppError("conflict", `Certificate ${certificate.id} is already revoked`);
    const fresh = await findTeamCa(ctx.db, ca.teamId, ca.id);
    if (!fresh) throw new AppError("not_found", `CA ${ca.id} not found`);
    current = fresh;
  }
  throw new AppError("conflict", "Other revocations of this CA are being recorded: try again", { retryAfter: 1 });
}

