/** Stored certificates: atomic replacement with the key sealed, deletion. */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { newId } from "../core/ids";
import { seal } from "../crypto/sealing";
import type { CheckedCertificate } from "../pki";

export type CertificateRow = typeof certificates.$inferSelect;

export interface NewCertificate {
  teamId: string;
  projectId: string | null;
  type: CertificateRow["type"];
  domain: string;
  names: string[];
  certificatePem: string;
  chainPem: string;
  privateKeyPem: string;
  keyType: string;
  issuer: string;
  serial: string;
  fingerprint: string;
  issuedAt: number;
  expiresAt: number;
  autoRenew: boolean;
  renewedFrom?: number | null;
  issuance?: Record<string, unknown> | null;
  dnsCredentials?: Record<string, unknown> | null;
  nextRenewalAt?: number | null;
}

/** The stored fields that a checked certificate (and its key) provide. */
export function materialOf(checked: CheckedCertificate) {
  const { report } = checked;
  return {
    names: report.names,
    certificatePem: checked.leafPem,
    chainPem: checked.chainPem,
    privateKeyPem: checked.privateKeyPkcs8Pem!,
    keyType: report.keyType ?? "unknown",
    issuer: report.issuer ?? "unknown",
    serial: report.serial ?? "",
    fingerprint: report.fingerprint ?? "",
    issuedAt: checked.notBefore.getTime(),
    expiresAt: checked.notAfter.getTime(),
  };
}

/**
 * Stores a certificate with its key sealed under the row's id. When `replacing` is given, the old
 * row is deleted and the new one inserted under the same id in one D1 batch (one transaction): the
 * project is never without a certificate, and a failure leaves the old one in place.
 */
export async function storeCertificate(
  db: Database,
  encryptionKey: string,
  input: NewCertificate,
  now: number,
  replacing?: string | null,
): Promise<CertificateRow> {
  // A replacement keeps the id, so a certificate's public identity survives renewal.
  const id = replacing ?? newId("cert");
  const row: CertificateRow = {
    id,
    teamId: input.teamId,
    projectId: input.projectId,
    type: input.type,
    state: "active",
    domain: input.domain,
    names: input.names,
    certificatePem: input.certificatePem,
    chainPem: input.chainPem,
    sealedKey: await seal(encryptionKey, input.privateKeyPem, id),
    keyType: input.keyType,
    issuer: input.issuer,
    serial: input.serial,
    fingerprint: input.fingerprint,
    issuedAt: input.issuedAt,
    expiresAt: input.expiresAt,
    autoRenew: input.autoRenew,
    renewedFrom: input.renewedFrom ?? null,
    issuance: input.issuance ?? null,
    sealedDnsCredentials: input.dnsCredentials
      ? await seal(encryptionKey, JSON.stringify(input.dnsCredentials), `${id}:dns`)
      : null,
    nextRenewalAt: input.nextRenewalAt ?? null,
    renewalFailures: 0,
    lastRenewAttempt: null,
    lastRenewError: null,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const insert = db.insert(certificates).values(row);
  if (replacing) {
    await db.batch([db.delete(certificates).where(eq(certificates.id, replacing)), insert]);
  } else {
    await insert;
  }
  return row;
}

export async function deleteCertificate(db: Database, id: string): Promise<void> {
  await db.delete(certificates).where(eq(certificates.id, id));
}
