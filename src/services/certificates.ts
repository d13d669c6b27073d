/** Certificate views (summary, status) and automatic renewal on or off. */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { AppError } from "../core/errors";
import { DAY_MS, isoSeconds } from "../core/time";
import { isExpiringSoon } from "../renewal/expiry";
import { renewalDueAt } from "../renewal/policy";
import type { CertificateRow } from "../store/certificates";

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

