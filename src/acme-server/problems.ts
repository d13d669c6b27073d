/** The ACME server's errors: one table of problem types (RFC 8555 §6.7) and their RFC 7807 problem documents. */
import { ACME_ERROR_NAMESPACE } from "../acme/problem";

/**
 * Every problem type the server answers, with its HTTP status. RFC 8555 §6.7 lists the types; the statuses follow
 * its examples and the common servers (400 for a bad request, 403 for a refusal, 429 for a rate limit).
 */
export const ACME_PROBLEM_STATUS = {
  accountDoesNotExist: 400,
  alreadyRevoked: 400,
  badCSR: 400,
  badNonce: 400,
  badPublicKey: 400,
  badRevocationReason: 400,
  badSignatureAlgorithm: 400,
  caa: 403,
  compound: 400,
  connection: 400,
  dns: 400,
  externalAccountRequired: 400,
  incorrectResponse: 403,
  invalidContact: 400,
  malformed: 400,
  orderNotReady: 403,
  rateLimited: 429,
  rejectedIdentifier: 400,
  serverInternal: 500,
  tls: 400,
  unauthorized: 403,
  unsupportedContact: 400,
  unsupportedIdentifier: 400,
  userActionRequired: 403,
  /** RFC 9773 §7.4: the certificate named in `replaces` has already been replaced by another order. */
  alreadyReplaced: 409,
  /** draft-aaron-acme-profiles: the order names a profile the directory does not advertise. */
  invalidProfile: 400,
} as const satisfies Record<string, number>;

export type AcmeProblemType = keyof typeof ACME_PROBLEM_STATUS;

/** RFC 7807 §3 media type of every error body (RFC 8555 §6.7). */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** RFC 8555 §6.7.1: a subproblem is about one identifier. */
export interface AcmeServerSubproblem {
  type: AcmeProblemType;
  detail: string;
  identifier?: { type: string; value: string };
}

export interface AcmeServerProblemOptions {
  subproblems?: AcmeServerSubproblem[];
  /** Sent as the response's Retry-After header (rateLimited, serverInternal, …). */
  retryAfterSeconds?: number;
  /** RFC 8555 §6.2: badSignatureAlgorithm lists the `alg` values the server accepts. */
  algorithms?: readonly string[];
}

/** An ACME error the server answers as a problem document. `detail` is shown to the client: never put secrets in it. */
export class AcmeServerProblem extends Error {
  override name = "AcmeServerProblem";
  readonly type: AcmeProblemType;
  readonly detail: string;
  readonly status: number;
  readonly subproblems?: AcmeServerSubproblem[];
  readonly retryAfterSeconds?: number;
  readonly algorithms?: readonly string[];

  constructor(type: AcmeProblemType, detail: string, options: AcmeServerProblemOptions = {}) {
    super(`${type}: ${detail}`);
    this.type = type;
    this.detail = detail;
    this.status = ACME_PROBLEM_STATUS[type];
    if (options.subproblems !== undefined) this.subproblems = options.subproblems;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.algorithms !== undefined) this.algorithms = options.algorithms;
  }
}

/** The RFC 7807 body of a problem (RFC 8555 §6.7); types carry the ACME URN namespace. */
export interface AcmeProblemBody {
  type: string;
  detail: string;
  status: number;
  subproblems?: { type: string; detail: string; identifier?: { type: string; value: string } }[];
  algorithms?: string[];
}

/** The JSON body to answer `problem` with, as `application/problem+json`. */
export function problemDocument(problem: AcmeServerProblem): AcmeProblemBody {
  const body: AcmeProblemBody = { type: ACME_ERROR_NAMESPACE + problem.type, detail: problem.detail, status: problem.status };
  if (problem.subproblems && problem.subproblems.length > 0) {
    body.subproblems = problem.subproblems.map((sub) => ({
      type: ACME_ERROR_NAMESPACE + sub.type,
      detail: sub.detail,
      ...(sub.identifier ? { identifier: { type: sub.identifier.type, value: sub.identifier.value } } : {}),
    }));
  }
  if (problem.algorithms) body.algorithms = [...problem.algorithms];
  return body;
}

/** Seconds a client should wait before retrying after an unexpected failure (sent as Retry-After on the 500). */
const SERVER_INTERNAL_RETRY_AFTER_SECONDS = 5;

/**
 * `error` as a problem to answer: an AcmeServerProblem as it is; anything else a `serverInternal` whose detail
 * says nothing of the error (its message may hold internals); the caller logs the original.
 */
export function toAcmeServerProblem(error: unknown): AcmeServerProblem {
  if (error instanceof AcmeServerProblem) return error;
  return new AcmeServerProblem("serverInternal", "the server could not complete the request; try again later", {
    retryAfterSeconds: SERVER_INTERNAL_RETRY_AFTER_SECONDS,
  });
}

/** True when `error` is an AcmeServerProblem, optionally of one type. */
export function isAcmeServerProblem(error: unknown, type?: AcmeProblemType): error is AcmeServerProblem {
  return error instanceof AcmeServerProblem && (type === undefined || error.type === type);
}
