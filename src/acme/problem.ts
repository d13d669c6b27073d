/** ACME problem documents (RFC 8555 §6.7) as typed errors, plus the client's own failure kinds. */
import { z } from "zod";

/** RFC 8555 §6.7: ACME error types live under this URN namespace. */
export const ACME_ERROR_NAMESPACE = "urn:ietf:params:acme:error:";

/** Not an RFC type: the CA answered, but with something this client cannot read (bad JSON, wrong shape). */
const MALFORMED_RESPONSE_TYPE = "urn:certdesk:acme:error:malformedResponse";

/** Not an RFC type: a wait reached its deadline while the resource was still pending or processing. */
const TIMEOUT_TYPE = "urn:certdesk:acme:error:timeout";

const identifierSchema = z.object({ type: z.string(), value: z.string() });

/** RFC 8555 §6.7.1: a subproblem names the identifier it is about. */
const subproblemSchema = z.object({
  type: z.string().default("about:blank"),
  detail: z.string().optional(),
  identifier: identifierSchema.optional(),
});
export type AcmeSubproblem = z.infer<typeof subproblemSchema>;

/** RFC 7807 problem document as ACME uses it (RFC 8555 §6.7). */
export const problemSchema = z.object({
  type: z.string().default("about:blank"),
  detail: z.string().optional(),
  status: z.number().int().optional(),
  title: z.string().optional(),
  instance: z.string().optional(),
  subproblems: z.array(subproblemSchema).optional(),
});
export type AcmeProblemDocument = z.infer<typeof problemSchema>;

export interface AcmeProblemInit {
  type: string;
  detail?: string;
  status?: number;
  subproblems?: AcmeSubproblem[];
  /** Seconds from the response's Retry-After header (e.g. with `rateLimited`). */
  retryAfter?: number;
  /** The URL of the request that failed. */
  url?: string;
}

/** An error the CA reported (or, for the subclasses, one about the CA's answer). Carries the problem intact. */
export class AcmeProblem extends Error {
  override name = "AcmeProblem";
  readonly type: string;
  readonly detail: string;
  readonly status: number;
  readonly subproblems: AcmeSubproblem[];
  readonly retryAfter?: number;
  readonly url?: string;
  /**
   * Set when this answered the repeat of a request whose first answer was lost: the first attempt may have
   * taken effect, so a refusal (orderNotReady after finalize, a challenge no longer pending) may mean "done".
   */
  afterLostAnswer = false;

  constructor(init: AcmeProblemInit) {
    super(describeProblem(init));
    this.type = init.type;
    this.detail = init.detail ?? "";
    this.status = init.status ?? 0;
    this.subproblems = init.subproblems ?? [];
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
    if (init.url !== undefined) this.url = init.url;
  }

  /** The short name after the ACME namespace (`badNonce`), or the full type for foreign types. */
  get shortType(): string {
    return this.type.startsWith(ACME_ERROR_NAMESPACE) ? this.type.slice(ACME_ERROR_NAMESPACE.length) : this.type;
  }

  /** Builds the error from a parsed problem document and the HTTP response it came in. */
  static fromDocument(doc: AcmeProblemDocument, extra: { status?: number; retryAfter?: number; url?: string } = {}): AcmeProblem {
    return new AcmeProblem({
      type: doc.type,
      ...(doc.detail !== undefined ? { detail: doc.detail } : {}),
      status: doc.status ?? extra.status ?? 0,
      subproblems: doc.subproblems ?? [],
      ...(extra.retryAfter !== undefined ? { retryAfter: extra.retryAfter } : {}),
      ...(extra.url !== undefined ? { url: extra.url } : {}),
    });
  }
}

/** The CA answered with something unreadable: not JSON, or JSON that fails the resource's schema. */
export class AcmeMalformedResponseError extends AcmeProblem {
  override name = "AcmeMalformedResponseError";
  constructor(detail: string, extra: { status?: number; url?: string } = {}) {
    super({ type: MALFORMED_RESPONSE_TYPE, detail, ...extra });
  }
}

/** A bounded wait ended while the resource was still pending/processing; `resource` is its last state. */
export class AcmeTimeoutError<T = unknown> extends AcmeProblem {
  override name = "AcmeTimeoutError";
  readonly resource: T;
  /** When the CA would like the next poll (ms since epoch), if it said so. */
  readonly nextPollAt?: number;
  constructor(detail: string, resource: T, extra: { url?: string; nextPollAt?: number; retryAfter?: number } = {}) {
    super({
      type: TIMEOUT_TYPE,
      detail,
      ...(extra.url !== undefined ? { url: extra.url } : {}),
      ...(extra.retryAfter !== undefined ? { retryAfter: extra.retryAfter } : {}),
    });
    this.resource = resource;
    if (extra.nextPollAt !== undefined) this.nextPollAt = extra.nextPollAt;
  }
}

/** The CA could not be reached: fetch threw, timed out, or answered 5xx without a problem document. */
export class AcmeNetworkError extends Error {
  override name = "AcmeNetworkError";
  readonly url: string;
  /** The HTTP status when the CA answered (5xx), absent when the request never completed. */
  readonly status?: number;
  /** Which request gave up (see REPEAT_AFTER_LOST_ANSWER), after how many attempts. */
  readonly kind?: string;
  readonly attempts?: number;
  /**
   * Whether the CA answered any attempt with an HTTP response (a 5xx, a badNonce). False when every attempt failed
   * before an answer: the connection failed, broke or timed out.
   */
  readonly answered: boolean;
  constructor(message: string, url: string, options: { status?: number; cause?: unknown; kind?: string; attempts?: number; answered?: boolean } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.url = url;
    this.answered = options.answered ?? options.status !== undefined;
    if (options.status !== undefined) this.status = options.status;
    if (options.kind !== undefined) this.kind = options.kind;
    if (options.attempts !== undefined) this.attempts = options.attempts;
  }
}

/**
 * True when `error` is an AcmeProblem, optionally of one type: a short RFC name (`"rateLimited"`)
 * or a full type URN.
 */
export function isAcmeProblem(error: unknown, type?: string): error is AcmeProblem {
  if (!(error instanceof AcmeProblem)) return false;
  if (type === undefined) return true;
  return error.type === type || error.type === ACME_ERROR_NAMESPACE + type;
}

/** True when the CA could not be reached at all. */
export function isAcmeNetworkError(error: unknown): error is AcmeNetworkError {
  return error instanceof AcmeNetworkError;
}

/** True when no attempt of the request got an answer from the CA: a network failure, not the CA's refusal or 5xx. */
export function isUnanswered(error: unknown): error is AcmeNetworkError {
  return error instanceof AcmeNetworkError && !error.answered;
}

function describeProblem(init: AcmeProblemInit): string {
  const name = init.type.startsWith(ACME_ERROR_NAMESPACE) ? init.type.slice(ACME_ERROR_NAMESPACE.length) : init.type;
  const parts = [`${name}${init.detail ? `: ${init.detail}` : ""}`];
  for (const sub of init.subproblems ?? []) {
    const who = sub.identifier ? `${sub.identifier.value}: ` : "";
    parts.push(`${who}${sub.detail ?? sub.type}`);
  }
  return parts.join("; ");
}
