/** Stored certificates: reading, atomic replacement, and their wire summaries. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { newId } from "../crypto/ids";
import { seal } from "../crypto/sealing";
import type { CheckedCertificate } from "../pki";
import { AppError } from "../http/errors";
import { isExpiringSoon } from "../renewal/expiry";
import { renewalDueAt } from "../renewal/policy";
import { DAY_MS, isoSeconds } from "./time";

export type CertificateRow = typeof certificates.$inferSelect;

export async function certificateOfProject(db: Database, teamId: string, projectId: string) {
  return (
    (await db.query.certificates.findFirst({
      where: and(eq(certificates.projectId, projectId), eq(certificates.teamId, teamId)),
    })) ?? null
  );
}

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

/** The seed's `GET …/certificate` shape, plus identifying details. */
export function certificateSummary(row: CertificateRow) {
  return {
    id: row.id,
    domain: row.domain,
    names: row.names,
    type: row.type,
    issuedAt: isoSeconds(row.issuedAt),
    expiresAt: isoSeconds(row.expiresAt),
    issuer: row.issuer,
    autoRenew: row.autoRenew,
    serial: row.serial,
    fingerprint: row.fingerprint,
    keyType: row.keyType,
    /** Public material only: the leaf and its chain as PEM, ready to deploy beside the key you hold. */
    certificatePem: row.certificatePem,
    chainPem: row.chainPem,
    ...(row.renewedFrom !== null ? { renewedFrom: isoSeconds(row.renewedFrom) } : {}),
    ...(row.state === "revoked" ? { revokedAt: isoSeconds(row.revokedAt ?? row.updatedAt) } : {}),
  };
}

export type CertificateStatus = "valid" | "expiring_soon" | "expired" | "revoked";

export function certificateStatus(row: CertificateRow, now: number): CertificateStatus {
  if (row.state === "revoked") return "revoked";
  if (row.expiresAt <= now) return "expired";
  if (isExpiringSoon(row.issuedAt, row.expiresAt, now)) return "expiring_soon";
  return "valid";
}

/** The seed's `GET …/certificate/status` shape. */
export function certificateStatusView(row: CertificateRow, now: number) {
  return {
    status: certificateStatus(row, now),
    domain: row.domain,
    expiresAt: isoSeconds(row.expiresAt),
    daysUntilExpiry: Math.max(0, Math.floor((row.expiresAt - now) / DAY_MS)),
    autoRenew: row.autoRenew,
    lastRenewAttempt: row.lastRenewAttempt === null ? null : isoSeconds(row.lastRenewAttempt),
    lastRenewError: row.lastRenewError,
    nextRenewalAt: row.nextRenewalAt === null ? null : isoSeconds(row.nextRenewalAt),
  };
}

/**
 * Turns automatic renewal on or off. Only ACME certificates renew themselves; turning it on again
 * schedules the next renewal by the usual rule (the CA's ARI window is read again at renewal).
 */
export async function setAutoRenew(db: Database, row: CertificateRow, autoRenew: boolean, now: number): Promise<CertificateRow> {
  if (autoRenew && row.type !== "letsencrypt") {
    throw new AppError("not_renewable", "A custom certificate cannot renew itself: upload its successor before it expires");
  }
  if (autoRenew && row.state === "revoked") throw new AppError("not_renewable", "A revoked certificate cannot be renewed; obtain a new one");
  const nextRenewalAt = autoRenew ? renewalDueAt({ issuedAt: row.issuedAt, expiresAt: row.expiresAt }) : null;
  const changes = { autoRenew, nextRenewalAt, renewalFailures: 0, updatedAt: now };
  await db.update(certificates).set(changes).where(eq(certificates.id, row.id));
  return { ...row, ...changes };
}

export async function deleteCertificate(db: Database, id: string): Promise<void> {
  await db.delete(certificates).where(eq(certificates.id, id));
}
