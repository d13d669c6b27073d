/** The one gate every certificate upload passes: check the certificate and its key, refuse what the policy does not waive or names the team does not hold, then store. */
import { AppError, type ErrorCode } from "../../core/errors";
import type { Database } from "../../db/client";
import { type CertificateCheckInput, type CheckedCertificate, type ValidationReport, checkCertificate, withFailure } from "../../pki";
import { firstUnheldName } from "../../store/domain-claims";
import { requireNameLimit } from "../limits/san-list";
import { pendingVerificationError } from "../domain-verification";

/** How strictly an upload is judged: Vercel's `skipValidation` flag, or every check for the native API. */
export interface ValidationPolicy {
  skipValidation: boolean;
}

export const EVERY_CHECK: ValidationPolicy = { skipValidation: false };

/** The team a server certificate is uploaded for, and the request field that carries the certificate (for the error's `param`). */
export interface NameHolder {
  db: Database;
  teamId: string;
  param: string;
}

const NOTHING: ReadonlySet<ErrorCode> = new Set();

/**
 * What skipping validation lets through: the policy checks (dates, chain, key strength, purpose),
 * reported as `invalid_certificate`. Never `key_mismatch`: a certificate stored with a key that is
 * not its own could never complete a TLS handshake. Never a name the team does not hold either.
 */
const POLICY_CHECKS: ReadonlySet<ErrorCode> = new Set(["invalid_certificate"]);

/** The failed checks, by report error code, under which the policy still stores the certificate. */
export function waivedChecks(policy: ValidationPolicy): ReadonlySet<ErrorCode> {
  return policy.skipValidation ? POLICY_CHECKS : NOTHING;
}

/** Throws the report's own error unless the certificate is valid or its failure is waived by the policy. */
export function refuseUnlessWaived(report: ValidationReport, policy: ValidationPolicy): void {
  if (report.valid || (report.errorCode !== null && waivedChecks(policy).has(report.errorCode))) return;
  throw new AppError(report.errorCode ?? "invalid_certificate", report.error ?? "Certificate is not valid");
}

/**
 * The names rule for server certificates, one for every upload surface: every name the certificate
 * presents (its SAN dNSNames, else its CN) must be one the team holds through a project's domain (a
 * held wildcard covers one label below it, RFC 6125 §6.4.3), so that no team stores, and serves, a
 * certificate for another team's name. The words are the same whether another team holds the name or
 * nobody does. `unheld` is the first of `names` the team does not hold (null: it holds them all), read
 * by the caller (`firstUnheldName`, or in the same statement as the project). Null when the rule is met.
 */
export function namesRuleError(param: string, names: readonly string[], unheld: string | null): AppError | null {
  if (names.length === 0) {
    return new AppError("invalid_certificate", "Certificate names no DNS host (no subjectAltName dNSName and no subject CN)", { param });
  }
  if (unheld === null) return null;
  return new AppError(
    "domain_not_configured",
    `The team does not hold ${unheld}: add the domain to one of the team's projects before uploading a certificate for it`,
    { param },
  );
}

/** The names rule with its own D1 read (see namesRuleError and unverifiedNameError). */
export async function unheldNameError(holder: NameHolder, names: readonly string[]): Promise<AppError | null> {
  const unheld = names.length === 0 ? null : await firstUnheldName(holder.db, holder.teamId, names);
  return (await unverifiedNameError(holder, unheld)) ?? namesRuleError(holder.param, names, unheld);
}

/**
 * When the team waits on the verification of the name it does not hold (DOMAIN_VERIFICATION=required), the refusal
 * says which TXT record to create; null otherwise (no pending verification: namesRuleError's words stand).
 */
export async function unverifiedNameError(holder: NameHolder, unheld: string | null): Promise<AppError | null> {
  return unheld === null ? null : pendingVerificationError(holder.db, holder.teamId, unheld, holder.param);
}

/** A checked certificate whose report fails with `error` unless it already failed (no error: unchanged). */
export function failedWith(checked: CheckedCertificate, error: AppError | null): CheckedCertificate {
  if (!error) return checked;
  return { ...checked, report: withFailure(checked.report, { message: error.message, code: error.code }) };
}

/**
 * Checks, then stores only what passes. Malformed input (not a certificate, not a key) is a 400
 * under every policy: checkCertificate throws before there is a report to waive, and so is a
 * certificate with more names than MAX_NAMES_PER_CERTIFICATE (named by `field`, the request's
 * certificate field: the holder's for a server certificate). A server certificate (the default
 * purpose) needs its `holder`: the names rule is not waivable.
 */
export async function admitCertificate<T>(
  input: CertificateCheckInput,
  policy: ValidationPolicy,
  store: (checked: CheckedCertificate) => Promise<T>,
  holder?: NameHolder,
  field: string = holder?.param ?? "certificate",
): Promise<T> {
  const checked = await checkCertificate(input);
  requireNameLimit(checked.report.names, field);
  refuseUnlessWaived(checked.report, policy);
  if ((input.purpose ?? "serverAuth") === "serverAuth") {
    if (!holder) throw new AppError("internal", "A server certificate was admitted without the team whose names it may carry");
    const error = await unheldNameError(holder, checked.report.names);
    if (error) throw error;
  }
  return await store(checked);
}
