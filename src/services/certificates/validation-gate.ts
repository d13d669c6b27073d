/** The one gate every certificate upload passes: check the certificate and its key, refuse what the policy does not waive, then store. */
import { AppError, type ErrorCode } from "../../core/errors";
import { type CertificateCheckInput, type CheckedCertificate, type ValidationReport, checkCertificate } from "../../pki";

/** How strictly an upload is judged: Vercel's `skipValidation` flag, or every check for the native API. */
export interface ValidationPolicy {
  skipValidation: boolean;
}

export const EVERY_CHECK: ValidationPolicy = { skipValidation: false };

const NOTHING: ReadonlySet<ErrorCode> = new Set();

/**
 * What skipping validation lets through: the policy checks (dates, chain, key strength, purpose),
 * reported as `invalid_certificate`. Never `key_mismatch`: a certificate stored with a key that is
 * not its own could never complete a TLS handshake.
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
 * Checks, then stores only what passes. Malformed input (not a certificate, not a key) is a 400
 * under every policy: checkCertificate throws before there is a report to waive.
 */
export async function admitCertificate<T>(
  input: CertificateCheckInput,
  policy: ValidationPolicy,
  store: (checked: CheckedCertificate) => Promise<T>,
): Promise<T> {
  const checked = await checkCertificate(input);
  refuseUnlessWaived(checked.report, policy);
  return await store(checked);
}
