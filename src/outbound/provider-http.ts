/**
 * One HTTP call to a provider's API (a DNS host, a CDN, a certificate store): only to that provider's own API
 * origins, a timeout on every call, a bounded read of the answer (bounded-body.ts), transport failures turned into
 * the caller's error code, and provider messages cleaned of any credential.
 */
import { AppError } from "../core/errors";
import { DEFAULT_RESPONSE_LIMIT_BYTES, readBodyText, ResponseTooLarge } from "./bounded-body";
import { redactDeliverySecrets } from "./secret-redaction";
import { positiveRetryAfter } from "./retry-after";

/** The error code a provider's failures carry: DNS-01 hosts and deploy targets are told apart in status and renewal. */
export type ProviderErrorCode = "dns_provider_error" | "deploy_target_error";

export const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_PROVIDER_MESSAGE = 300;

/** What every provider call needs: who it is talking to, how, and which strings must never be echoed. */
export interface ProviderClient {
  /** Human name used in messages ("Cloudflare", "AWS Route 53"). */
  readonly label: string;
  /** What the provider authenticates ("API token", "access key"), for "<label> rejected the <credential>". */
  readonly credentialNoun: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /** The most of an answer's body read; a longer answer is a failure of the call. */
  readonly responseLimitBytes: number;
  /** Credential strings to scrub from anything the provider says back. */
  readonly secrets: readonly string[];
  /** The private key a deploy target is being sent, scrubbed too in every form (secret-redaction.ts). */
  readonly deliveredKeyPem?: string;
  /**
   * The only origins this client sends to (see apiOrigins): a URL built from anything a team submitted can
   * never point the Worker, with the team's credentials, at another host (OWASP SSRF prevention: allow-list).
   */
  readonly origins: readonly string[];
  /** What this client's failures are called. */
  readonly errorCode: ProviderErrorCode;
}

export interface ProviderResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** The origins a provider may be called at: its own API origins, or only the operator's `baseUrl` override. */
export function apiOrigins(defaultOrigins: readonly string[], baseUrl: string | undefined): string[] {
  return baseUrl === undefined ? [...defaultOrigins] : [new URL(baseUrl).origin];
}

export function createProviderClient(
  label: string,
  credentialNoun: string,
  secrets: readonly (string | undefined)[],
  options: { fetch?: typeof fetch; timeoutMs?: number; responseLimitBytes?: number; deliveredKeyPem?: string },
  origins: readonly string[],
  errorCode: ProviderErrorCode = "dns_provider_error",
): ProviderClient {
  return {
    label,
    credentialNoun,
    origins,
    errorCode,
    // Bind so a bare global `fetch` is not called with a foreign `this` (workerd rejects that).
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    responseLimitBytes: options.responseLimitBytes ?? DEFAULT_RESPONSE_LIMIT_BYTES,
    secrets: secrets.filter((s): s is string => typeof s === "string" && s.length >= 4),
    ...(options.deliveredKeyPem ? { deliveredKeyPem: options.deliveredKeyPem } : {}),
  };
}

/**
 * Refuses, before anything is sent, a URL outside the client's allow-list. Unreachable through the credential
 * schemas (they admit no URL but Google's own token endpoint); this is the second line should one slip through.
 */
function requireAllowedOrigin(client: ProviderClient, url: string): void {
  let origin: string | undefined;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = undefined;
  }
  if (origin !== undefined && client.origins.includes(origin)) return;
  throw new AppError("bad_request", `Refused to call ${client.label} at a host that is not its API (${client.origins.join(", ")})`, {
    retryable: false,
  });
}

/** Sends one request and reads its body (at most the client's limit) within the timeout; never throws anything but AppError. */
export async function providerRequest(
  client: ProviderClient,
  url: string,
  init: RequestInit & { headers?: Record<string, string> | Headers },
): Promise<ProviderResponse> {
  requireAllowedOrigin(client, url);
  const signal = AbortSignal.timeout(client.timeoutMs);
  try {
    // Redirects are not followed: a 3xx is an answer like any other, so no hop can leave the allow-list.
    const response = await client.fetch(url, { ...init, redirect: "manual", signal });
    const text = await readBodyText(response, client.responseLimitBytes).catch((error: unknown) => {
      if (!(error instanceof ResponseTooLarge)) throw error;
      // Retryable: a proxy's error page or a receiver's echo is gone by the next attempt, and nothing of it is kept.
      throw new AppError(client.errorCode, `${client.label} answered HTTP ${response.status} with ${error.message}; it was not read`, {
        detail: { provider: client.label, status: response.status },
      });
    });
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (signal.aborted || isAbort(error)) {
      throw new AppError(
        client.errorCode,
        `${client.label} API did not answer within ${formatDuration(client.timeoutMs)}`,
      );
    }
    // The cause is left out on purpose: transport errors can carry request details.
    throw new AppError(client.errorCode, `Could not reach the ${client.label} API`);
  }
}

/** "15 s", or "250 ms" below a second. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** Sends one call to a JSON API: `body`, when given, goes as JSON; `authorization` is the whole header value. */
export function providerJsonRequest(
  client: ProviderClient,
  method: string,
  url: string,
  authorization: string,
  body?: unknown,
): Promise<ProviderResponse> {
  return providerRequest(client, url, {
    method,
    headers: {
      authorization,
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The provider error for an answer that is not the document the API describes. */
export function unreadableResponse(client: ProviderClient, response: ProviderResponse, action: string): AppError {
  return new AppError(client.errorCode, `${client.label} returned an unreadable response to ${action} (HTTP ${response.status})`);
}

/** Parses a JSON body, or throws a provider error saying the provider answered with something else. */
export function parseJson<T>(client: ProviderClient, response: ProviderResponse, action: string): T {
  const parsed = tryParseJson<T>(response.text);
  if (parsed === undefined) throw unreadableResponse(client, response, action);
  return parsed;
}

/** A provider's error code and message as one line ("NoSuchHostedZone: No hosted zone found"), or undefined. */
export function codeAndMessage(code: string | undefined, message: string | undefined): string | undefined {
  return [code, message].filter(Boolean).join(": ") || undefined;
}

/**
 * A provider message made safe to show: credentials and any private key removed (the delivered one in every form),
 * then control characters dropped and the length capped, so no cut can leave a piece of a secret unrecognised.
 */
export function sanitizeProviderMessage(client: ProviderClient, message: string | undefined): string | undefined {
  if (!message) return undefined;
  let text = redactDeliverySecrets(message, client.secrets, client.deliveredKeyPem);
  text = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  if (text.length > MAX_PROVIDER_MESSAGE) text = `${text.slice(0, MAX_PROVIDER_MESSAGE)}…`;
  return text || undefined;
}

/**
 * The AppError for a failed provider call: authentication failures say the provider rejected the credential,
 * throttling carries Retry-After, anything else names the action; all include the HTTP status and the
 * provider's own (sanitized) message.
 */
export function providerError(
  client: ProviderClient,
  response: ProviderResponse,
  action: string,
  providerMessage?: string,
  options: { authFailure?: boolean } = {},
): AppError {
  const said = sanitizeProviderMessage(client, providerMessage);
  const suffix = said ? `: ${said}` : "";
  const status = response.status;
  if (options.authFailure ?? (status === 401 || status === 403)) {
    return new AppError(client.errorCode, `${client.label} rejected the ${client.credentialNoun} (HTTP ${status})${suffix}`, {
      detail: { provider: client.label, status },
    });
  }
  if (status === 429) {
    return new AppError(client.errorCode, `${client.label} rate-limited the request to ${action} (HTTP 429)${suffix}`, {
      detail: { provider: client.label, status },
      retryAfter: positiveRetryAfter(response.headers.get("retry-after")),
    });
  }
  return new AppError(client.errorCode, `${client.label} failed to ${action} (HTTP ${status})${suffix}`, {
    detail: { provider: client.label, status },
  });
}

/** Joins `baseUrl` (or the provider's default origin) with an API path. */
export function apiUrl(defaultOrigin: string, baseUrl: string | undefined, path: string): string {
  return `${(baseUrl ?? defaultOrigin).replace(/\/+$/, "")}${path}`;
}

/** Parses a JSON body, or returns undefined when it is not JSON (for error bodies that may be HTML). */
export function tryParseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
