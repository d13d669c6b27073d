/** The native API's certificate shapes: a stored certificate, its status, and what obtain / renew / validate answer. */
import { DAY_MS } from "../../core/time";
import type { IssuerProgress } from "../../issuance/issue-request";
import type { ValidationReport } from "../../pki";
import { certificateStatus } from "../../services/certificates/status";
import type { CertificateRow } from "../../store/certificates";
import { certificateTime } from "./wire-time";

/** `GET …/certificate`: the certificate, its identifying details and its public material. */
export function certificateSummary(row: CertificateRow) {
  return {
    id: row.id,
    domain: row.domain,
    names: row.names,
    type: row.type,
    issuedAt: certificateTime(row.issuedAt),
    expiresAt: certificateTime(row.expiresAt),
    issuer: row.issuer,
    autoRenew: row.autoRenew,
    serial: row.serial,
    fingerprint: row.fingerprint,
    keyType: row.keyType,
    /** Public material only: the leaf and its chain as PEM, ready to deploy beside the key you hold. */
    certificatePem: row.certificatePem,
    chainPem: row.chainPem,
    ...(row.renewedFrom !== null ? { renewedFrom: certificateTime(row.renewedFrom) } : {}),
    ...(row.state === "revoked" ? { revokedAt: certificateTime(row.revokedAt ?? row.updatedAt) } : {}),
    ...acmeDirectoryOf(row),
    ...(row.dnsConnectionId !== null ? { dnsConnectionId: row.dnsConnectionId } : {}),
    ...(row.dnsDelegation ? { dnsDelegation: true } : {}),
  };
}

/** The CA an ACME certificate came from, as its issuance record keeps it (CA fallback may have chosen another than the default). */
function acmeDirectoryOf(row: CertificateRow): { acmeDirectoryUrl?: string } {
  const directoryUrl = row.issuance?.directoryUrl;
  return typeof directoryUrl === "string" ? { acmeDirectoryUrl: directoryUrl } : {};
}

/** `GET …/certificate/status` for a stored certificate. */
export function certificateStatusView(row: CertificateRow, now: number) {
  return {
    status: certificateStatus(row, now),
    domain: row.domain,
    expiresAt: certificateTime(row.expiresAt),
    daysUntilExpiry: Math.max(0, Math.floor((row.expiresAt - now) / DAY_MS)),
    autoRenew: row.autoRenew,
    lastRenewAttempt: row.lastRenewAttempt === null ? null : certificateTime(row.lastRenewAttempt),
    lastRenewError: row.lastRenewError,
    nextRenewalAt: row.nextRenewalAt === null ? null : certificateTime(row.nextRenewalAt),
    // RFC 9773 §4.2: the CA's suggested window as last fetched, and its explanation when it gave one.
    renewalWindow:
      row.ariWindowStart === null || row.ariWindowEnd === null
        ? null
        : { start: certificateTime(row.ariWindowStart), end: certificateTime(row.ariWindowEnd) },
    renewalExplanationUrl: row.ariExplanationUrl,
  };
}

/**
 * `GET …/certificate/status` before there is a certificate: an obtain still running, or the last
 * one failed. Null when neither (the project simply has no certificate).
 */
export function issuanceStatusView(domain: string, progress: IssuerProgress) {
  const failed = progress.last?.outcome.state === "failed" ? progress.last : null;
  if (!progress.running && !failed) return null;
  return {
    status: progress.running ? ("pending" as const) : ("failed" as const),
    domain,
    expiresAt: null,
    daysUntilExpiry: null,
    autoRenew: false,
    lastRenewAttempt: failed ? certificateTime(failed.finishedAt) : null,
    lastRenewError: failed?.outcome.state === "failed" ? failed.outcome.error.message : null,
    nextRenewalAt: null,
    renewalWindow: null,
    renewalExplanationUrl: null,
  };
}

/** What obtain and renew answer once the certificate is stored. */
export function issuedView(row: CertificateRow) {
  return {
    success: true as const,
    certificate: {
      domain: row.domain,
      issuedAt: certificateTime(row.issuedAt),
      expiresAt: certificateTime(row.expiresAt),
      issuer: row.issuer,
      autoRenew: row.autoRenew,
      ...(row.renewedFrom !== null ? { renewedFrom: certificateTime(row.renewedFrom) } : {}),
    },
  };
}

/** `POST …/certificate/validate`: the report, with `error` and `code` only when it is not valid. */
export function validationView(report: ValidationReport) {
  const { error, errorCode, ...rest } = report;
  if (report.valid) return { valid: true as const, body: rest };
  return { valid: false as const, body: { ...rest, error: error ?? "Certificate is not valid", code: errorCode ?? "invalid_certificate" } };
}
