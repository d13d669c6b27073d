/** Maps what the ACME layer throws onto the service's typed errors, keeping the CA's own words. */
import { AcmeProblem, AcmeTimeoutError, isAcmeNetworkError, isAcmeProblem, RETRY_POLICY } from "../acme";
import { AppError } from "../core/errors";

/** Problems that will not go away by retrying the same order (certmagic's ErrNoRetry). */
const PERMANENT = new Set(["rejectedIdentifier", "caa", "unsupportedIdentifier", "badCSR", "invalidProfile", "externalAccountRequired", "unauthorized", "accountDoesNotExist"]);

export function isPermanentAcmeFailure(error: unknown): boolean {
  if (error instanceof AppError) return !error.retryable;
  return error instanceof AcmeProblem && PERMANENT.has(error.shortType);
}

/** The CA's detail, with each failed name's own reason (RFC 8555 §6.7.1 subproblems). */
function caDetail(problem: AcmeProblem): string {
  const subs = problem.subproblems.map((s) => `${s.identifier?.value ?? "?"}: ${s.detail ?? s.type}`);
  return [problem.detail, ...subs].filter(Boolean).join("; ") || problem.shortType;
}

export function toIssuanceError(error: unknown, directoryUrl: string): AppError {
  if (error instanceof AppError) return error;
  if (isAcmeNetworkError(error)) {
    // Which request gave up, and how often it was tried: the operator's first question. The URL is the CA's, never a secret.
    const tried = error.kind ? ` (${error.kind} failed ${error.attempts ?? 1} times)` : "";
    return new AppError("ca_unreachable", `Could not reach the ACME CA at ${directoryUrl}${tried}; nothing was stored`);
  }
  if (error instanceof AcmeTimeoutError) {
    return new AppError("ca_error", `The ACME CA did not finish in time: ${error.detail}`);
  }
  if (isAcmeProblem(error, "rateLimited")) {
    return new AppError("rate_limited", `The CA's rate limit was reached: ${caDetail(error)}`, {
      retryAfter: error.retryAfter ?? RETRY_POLICY.rateLimitedRetryAfterSeconds,
    });
  }
  if (isAcmeProblem(error)) {
    const permanent = PERMANENT.has(error.shortType);
    if (["rejectedIdentifier", "caa", "unsupportedIdentifier", "invalidProfile"].includes(error.shortType)) {
      return new AppError("bad_request", `The CA refused to issue: ${caDetail(error)}`, { retryable: false });
    }
    return new AppError("ca_error", `The ACME CA returned an error (${error.shortType}): ${caDetail(error)}`, {
      ...(permanent ? { retryable: false } : {}),
    });
  }
  return new AppError("internal", "Issuance failed unexpectedly");
}
