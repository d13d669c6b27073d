/** The validation report every API surface renders: one shape for a certificate's facts, verdict and warnings. */
import { isoSeconds } from "../core/time";
import { bytesToHex, sha256 } from "../crypto/encoding";
import type { ErrorCode } from "../core/errors";
import type { CertificateInfo } from "./certificate";
import { presentedNames } from "./name-coverage";

export interface ValidationReport {
  valid: boolean;
  /** Primary name: first SAN dNSName, else subject CN. */
  domain: string | null;
  /** All SAN dNSNames (lower-case), or [CN] when there is none. */
  names: string[];
  /** Issuer organization (O), else issuer CN, else the full issuer DN. */
  issuer: string | null;
  /** notBefore, ISO 8601 UTC without milliseconds, e.g. "2026-01-19T00:00:00Z". */
  issuedAt: string | null;
  /** notAfter, same format. */
  expiresAt: string | null;
  /** Lower-case hex, no separators. */
  serial: string | null;
  /** SHA-256 of the leaf DER, lower-case hex pairs joined by ":". */
  fingerprint: string | null;
  /** "RSA-2048" | "RSA-3072" | "RSA-4096" | "EC-P256" | "EC-P384" | … */
  keyType: string | null;
  warnings: string[];
  /** Null when valid. */
  error: string | null;
  /** key_mismatch | domain_mismatch | invalid_certificate, null when valid. */
  errorCode: ErrorCode | null;
}

/** Why a well-formed certificate is not acceptable: the report's `error` and `errorCode`. */
export interface ReportFailure {
  message: string;
  code: ErrorCode;
}

/** `report`, failed with `failure` unless it has already failed: the first failure found is the one reported. */
export function withFailure(report: ValidationReport, failure: ReportFailure | null): ValidationReport {
  if (!failure || !report.valid) return report;
  return { ...report, valid: false, error: failure.message, errorCode: failure.code };
}

/** SHA-256 of `der` as lower-case hex pairs joined by ":" (the form browsers and `openssl -fingerprint` show). */
export async function fingerprintSha256(der: Uint8Array): Promise<string> {
  return bytesToHex(await sha256(new Uint8Array(der))).replace(/(..)(?!$)/g, "$1:");
}

/** The descriptive fields of a report for `leaf`; the verdict fields start out valid. */
export async function describeLeaf(leaf: CertificateInfo): Promise<ValidationReport> {
  const names = presentedNames(leaf);
  return {
    valid: true,
    domain: names[0] ?? null,
    names,
    issuer: leaf.issuerOrganization ?? leaf.issuerCommonName ?? leaf.issuer,
    issuedAt: isoSeconds(leaf.notBefore),
    expiresAt: isoSeconds(leaf.notAfter),
    serial: leaf.serial,
    fingerprint: await fingerprintSha256(leaf.der),
    keyType: leaf.keyType,
    warnings: [],
    error: null,
    errorCode: null,
  };
}
