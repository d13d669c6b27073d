/** HTTP to the CA: signed POSTs with nonce handling (RFC 8555 §6.2, §6.5), POST-as-GET (§6.3), errors as typed values. */
import type { z } from "zod";
import { readBodyText, ResponseTooLarge } from "../outbound/bounded-body";
import { parseRetryAfter } from "../outbound/retry-after";
import { signJws } from "./jws";
import { NoncePool } from "./nonce-pool";
import { AcmeMalformedResponseError, AcmeNetworkError, AcmeProblem, isAcmeProblem, problemSchema } from "./problem";
import { RETRY_POLICY, type AcmeRequestKind } from "./retry-policy";

const USER_AGENT = "certdesk-acme/0.1";

export interface TransportOptions {
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Resolves the directory's newNonce URL (RFC 8555 §7.2). */
  newNonceUrl: () => Promise<string>;
  requestTimeoutMs?: number;
  /** The most of a body read (OUTBOUND_RESPONSE_MAX_KIB; outbound/bounded-body.ts's default when absent). */
  responseLimitBytes?: number;
}

/** A CA response whose body has been read. */
export interface AcmeHttpResponse {
  status: number;
  headers: Headers;
  url: string;
  text: string;
  /** Seconds from Retry-After, if present and readable. */
  retryAfter?: number;
}

export interface SignedRequest {
  /** What the request does at the CA: decides nothing but the error message; see REPEAT_AFTER_LOST_ANSWER. */
  kind: AcmeRequestKind;
  url: string;
  /** An object to JSON-encode, or null for POST-as-GET (RFC 8555 §6.3). */
  payload: unknown;
  keys: CryptoKeyPair;
  /** The account URL; when absent the public key goes in `jwk` (newAccount, revocation by certificate key). */
  kid?: string;
  accept?: string;
}

export class AcmeTransport {
  readonly nonces = new NoncePool();
  private readonly options: TransportOptions;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  /** An unsigned GET (directory, renewalInfo), repeated while its answer is lost (REPEAT_AFTER_LOST_ANSWER). */
  async get(url: string, kind: "directory" | "renewalInfo", accept = "application/json"): Promise<AcmeHttpResponse> {
    let answered = false;
    for (let lost = 0; ; lost++) {
      try {
        return await this.send(url, { method: "GET", headers: { accept } });
      } catch (error) {
        answered ||= isAnswer(error);
        if (!isLostAnswer(error)) throw error;
        if (lost >= RETRY_POLICY.transientBackoffMs.length) throw givenUp(error, kind, lost + 1, answered);
        await this.options.sleep(RETRY_POLICY.transientBackoffMs[lost]!);
      }
    }
  }

  /**
   * A JWS-signed POST. `badNonce` is retried at once with the nonce from the error response (RFC 8555 §6.5);
   * a lost answer (network failure, timeout, 5xx) is repeated after a wait, with a fresh nonce, as
   * REPEAT_AFTER_LOST_ANSWER explains per kind. A CA error that answers a repeat carries `afterLostAnswer`.
   */
  async post(request: SignedRequest): Promise<AcmeHttpResponse> {
    let badNonces = 0;
    let lost = 0;
    let mayHaveTakenEffect = false;
    let answered = false;
    for (;;) {
      let sent = false;
      try {
        const nonce = this.nonces.take() ?? (await this.freshNonce());
        const jws = await signJws({
          keys: request.keys,
          url: request.url,
          nonce,
          payload: request.payload,
          ...(request.kid !== undefined ? { kid: request.kid } : {}),
        });
        sent = true;
        return await this.send(request.url, {
          method: "POST",
          headers: { "content-type": "application/jose+json", accept: request.accept ?? "application/json" },
          body: JSON.stringify(jws),
        });
      } catch (error) {
        answered ||= isAnswer(error);
        if (isAcmeProblem(error, "badNonce") && badNonces < RETRY_POLICY.badNonceRetries) {
          badNonces++;
          continue;
        }
        // A directory fetch that already went through its own schedule is not repeated again.
        if (isLostAnswer(error) && !(error instanceof AcmeNetworkError && error.attempts !== undefined)) {
          mayHaveTakenEffect ||= sent;
          if (lost >= RETRY_POLICY.transientBackoffMs.length) throw givenUp(error, request.kind, lost + 1, answered);
          await this.options.sleep(RETRY_POLICY.transientBackoffMs[lost++]!);
          continue;
        }
        if (mayHaveTakenEffect && error instanceof AcmeProblem) error.afterLostAnswer = true;
        throw error;
      }
    }
  }

  /** RFC 8555 §7.2: HEAD newNonce answers 200 with a Replay-Nonce header. One attempt: the caller repeats. */
  private async freshNonce(): Promise<string> {
    const url = await this.options.newNonceUrl();
    await this.send(url, { method: "HEAD" });
    const nonce = this.nonces.take();
    if (!nonce) throw new AcmeMalformedResponseError("newNonce answered without a Replay-Nonce header", { url });
    return nonce;
  }

  /** One HTTP exchange: network failures and error statuses become AcmeNetworkError / AcmeProblem. */
  private async send(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<AcmeHttpResponse> {
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method: init.method,
        headers: { "user-agent": USER_AGENT, ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? RETRY_POLICY.requestTimeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AcmeNetworkError(`ACME server ${hostOf(url)} is unreachable: ${reason}`, url, { cause: error });
    }
    // RFC 8555 §6.5: keep the Replay-Nonce of every response, errors included.
    this.nonces.remember(response.headers);
    let text: string;
    try {
      // Bytes then UTF-8: every ACME body is JSON or PEM text (RFC 8555 §6.1, §9.1), whatever its media type says.
      text = init.method === "HEAD" ? "" : await readBodyText(response, this.options.responseLimitBytes);
    } catch (error) {
      if (error instanceof ResponseTooLarge) {
        throw new AcmeMalformedResponseError(`ACME server ${hostOf(url)} answered with ${error.message}; it was not read`, { url, status: response.status });
      }
      throw new AcmeNetworkError(`ACME server ${hostOf(url)} closed the connection mid-response`, url, { status: response.status, cause: error });
    }
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"), this.options.now());
    const result: AcmeHttpResponse = { status: response.status, headers: response.headers, url, text, ...(retryAfter !== undefined ? { retryAfter } : {}) };
    if (response.status < 400) return result;
    throw errorFromResponse(result);
  }
}

/** RFC 8555 §6.7: errors come as application/problem+json; anything else is a network-level or malformed answer. */
export function errorFromResponse(response: AcmeHttpResponse): Error {
  const extra = { status: response.status, url: response.url, ...(response.retryAfter !== undefined ? { retryAfter: response.retryAfter } : {}) };
  const contentType = response.headers.get("content-type") ?? "";
  let json: unknown;
  if (/json/i.test(contentType) || response.text.trimStart().startsWith("{")) {
    try {
      json = JSON.parse(response.text);
    } catch {
      json = undefined;
    }
  }
  const parsed = json === undefined ? undefined : problemSchema.safeParse(json);
  if (parsed?.success) return AcmeProblem.fromDocument(parsed.data, extra);
  if (response.status >= 500) {
    return new AcmeNetworkError(`ACME server ${hostOf(response.url)} answered HTTP ${response.status}`, response.url, { status: response.status });
  }
  return new AcmeMalformedResponseError(`HTTP ${response.status} without a problem document`, { status: response.status, url: response.url });
}

/** Reads and validates a JSON body; a malformed body is an AcmeMalformedResponseError, never a TypeError. */
export function parseJsonBody<S extends z.ZodType>(response: AcmeHttpResponse, schema: S, what: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    throw new AcmeMalformedResponseError(`${what} is not JSON`, { status: response.status, url: response.url });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new AcmeMalformedResponseError(`${what} is malformed (${issues})`, { status: response.status, url: response.url });
  }
  return parsed.data;
}

/** The Location header, resolved against the request URL (RFC 8555 §7.3, §7.4 require it for created resources). */
export function requireLocation(response: AcmeHttpResponse, what: string): string {
  const location = response.headers.get("location");
  if (!location) throw new AcmeMalformedResponseError(`${what} response has no Location header`, { status: response.status, url: response.url });
  try {
    return new URL(location, response.url).toString();
  } catch {
    throw new AcmeMalformedResponseError(`${what} Location header is not a URL`, { status: response.status, url: response.url });
  }
}

/** No usable answer arrived: the connection failed or timed out, or the CA answered 5xx (with or without a problem document). */
function isLostAnswer(error: unknown): boolean {
  if (error instanceof AcmeNetworkError) return true;
  return error instanceof AcmeProblem && error.status >= 500 && !(error instanceof AcmeMalformedResponseError);
}

/** Whether `error` came with an HTTP response from the CA (any status, a problem document or not). */
function isAnswer(error: unknown): boolean {
  return error instanceof AcmeProblem || (error instanceof AcmeNetworkError && error.answered);
}

/** The last lost answer, saying which request gave up after how many attempts and whether any attempt was answered. */
function givenUp(error: unknown, kind: AcmeRequestKind, attempts: number, answered: boolean): unknown {
  if (!(error instanceof AcmeNetworkError)) return error;
  return new AcmeNetworkError(`${error.message} (${kind}, ${attempts} attempts)`, error.url, {
    ...(error.status !== undefined ? { status: error.status } : {}),
    cause: error.cause,
    kind,
    attempts,
    answered: answered || error.answered,
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
