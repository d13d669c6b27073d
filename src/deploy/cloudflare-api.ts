/**
 * One call to the Cloudflare API v4 for the Cloudflare deploy targets: the bearer token, the response envelope
 * (`success`, `errors[]` with numeric codes, `result`), and failures turned into "<label> failed to <action> (HTTP n):
 * <message> (code c)", "<label> rejected the API token (HTTP n)", or a rate limit carrying Retry-After.
 * The envelope and its codes are the 4XX response of each endpoint in https://developers.cloudflare.com/api/ (e.g.
 * https://developers.cloudflare.com/api/resources/custom_certificates/methods/create/).
 */
import type { z } from "zod";
import type { AppError } from "../core/errors";
import { credentialsObject, matching, token } from "../dns/credential-fields";
import {
  apiOrigins,
  apiUrl,
  createProviderClient,
  providerError,
  providerJsonRequest,
  tryParseJson,
  unreadableResponse,
  type ProviderResponse,
} from "../outbound/provider-http";
import type { DeployTargetOptions } from "./target";

const ORIGIN = "https://api.cloudflare.com";

/**
 * Codes that mean a missing, malformed, invalid or under-privileged token whatever the HTTP status (the DNS adapter's
 * set): 6003 invalid request headers, 6111 invalid Authorization header, 9106/9109 missing or invalid credentials,
 * 10000/10001 authentication error. The custom hostname API's own token errors (1000-1005) come with HTTP 401
 * (https://developers.cloudflare.com/cloudflare-for-platforms/cloudflare-for-saas/reference/status-codes/custom-hostnames/),
 * so the status already says so; listing them here would misread 1002, which the custom certificate API uses for
 * "Invalid certificate." (https://developers.cloudflare.com/ssl/edge-certificates/custom-certificates/troubleshooting/).
 */
const AUTH_ERROR_CODES = new Set([6003, 6111, 9106, 9109, 10000, 10001]);

/** An API token (https://developers.cloudflare.com/fundamentals/api/get-started/create-token/), as for Cloudflare DNS. */
export const cloudflareTokenCredentials = credentialsObject({ apiToken: token(512) });
export type CloudflareTokenCredentials = z.infer<typeof cloudflareTokenCredentials>;

/** A zone's ID as the dashboard's Overview page and the API show it (https://developers.cloudflare.com/fundamentals/account/find-account-and-zone-ids/). */
export const cloudflareZoneId = matching(/^[0-9a-f]{32}$/, "Must be a Cloudflare zone ID (32 lower-case hexadecimal characters)");

export interface CloudflareError {
  code: number;
  message: string;
  error_chain?: { code: number; message: string }[];
}

/** The API v4 response envelope. */
export interface CloudflareEnvelope<T> {
  success: boolean;
  errors?: CloudflareError[];
  result: T;
}

/** One answer: the HTTP response and its envelope (an empty failed one when the body was not JSON, e.g. an edge error page). */
export interface CloudflareAnswer<T> {
  readonly response: ProviderResponse;
  readonly envelope: CloudflareEnvelope<T>;
  /** A 2xx with `success: true`. */
  readonly ok: boolean;
}

export interface CloudflareApi {
  /** Sends one call; throws only for transport failures and for a 2xx that is not an envelope. */
  call<T>(method: string, path: string, action: string, body?: unknown): Promise<CloudflareAnswer<T>>;
  /** The AppError for a failed answer. */
  failure(answer: CloudflareAnswer<unknown>, action: string): AppError;
  /** The AppError for a successful answer without the `result` the API describes. */
  unreadable(answer: CloudflareAnswer<unknown>, action: string): AppError;
  /** Sends one call and returns its `result`, or throws its failure. */
  expect<T>(method: string, path: string, action: string, body?: unknown): Promise<T>;
}

export interface CloudflareApiOptions {
  /**
   * Codes a 401/403 carries that are not about the token (a plan's quota or entitlement), so the message says what
   * failed instead of blaming the token.
   */
  notAuthCodes?: readonly number[];
}

/** A Cloudflare API client for the target called `label` ("Cloudflare custom hostname"): every message starts with it. */
export function createCloudflareApi(
  label: string,
  credentials: CloudflareTokenCredentials,
  options: DeployTargetOptions = {},
  apiOptions: CloudflareApiOptions = {},
): CloudflareApi {
  const client = createProviderClient(label, "API token", [credentials.apiToken], options, apiOrigins([ORIGIN], options.baseUrl), "deploy_target_error");
  const notAuth = new Set(apiOptions.notAuthCodes ?? []);

  async function call<T>(method: string, path: string, action: string, body?: unknown): Promise<CloudflareAnswer<T>> {
    const url = apiUrl(ORIGIN, options.baseUrl, `/client/v4${path}`);
    const response = await providerJsonRequest(client, method, url, `Bearer ${credentials.apiToken}`, body);
    const envelope = tryParseJson<CloudflareEnvelope<T>>(response.text);
    if (envelope && typeof envelope === "object") {
      return { response, envelope, ok: response.status < 300 && envelope.success === true };
    }
    if (response.status < 300) throw unreadableResponse(client, response, action);
    return { response, envelope: { success: false, result: undefined as T }, ok: false };
  }

  function failure(answer: CloudflareAnswer<unknown>, action: string): AppError {
    const { response, envelope } = answer;
    const statusSaysAuth = (response.status === 401 || response.status === 403) && !hasErrorCode(envelope, notAuth);
    return providerError(client, response, action, describeErrors(envelope), {
      authFailure: statusSaysAuth || hasErrorCode(envelope, AUTH_ERROR_CODES),
    });
  }

  async function expect<T>(method: string, path: string, action: string, body?: unknown): Promise<T> {
    const answer = await call<T>(method, path, action, body);
    if (!answer.ok) throw failure(answer, action);
    return answer.envelope.result;
  }

  return { call, failure, expect, unreadable: (answer, action) => unreadableResponse(client, answer.response, action) };
}

/** Whether any of the envelope's errors, or the errors they chain, carries one of `codes`. */
export function hasErrorCode(envelope: CloudflareEnvelope<unknown>, codes: ReadonlySet<number>): boolean {
  return listOf(envelope.errors).some((e) => codes.has(e?.code) || listOf(e?.error_chain).some((c) => codes.has(c?.code)));
}

/** `value` when the API sent an array there, else none (a body is only trusted as far as its shape goes). */
function listOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** "message (code c); message (code c) — chained message". */
function describeErrors(envelope: CloudflareEnvelope<unknown>): string | undefined {
  const errors = listOf(envelope.errors).filter((e) => e && typeof e === "object");
  if (errors.length === 0) return undefined;
  return errors
    .map((e) => {
      const chain = listOf(e?.error_chain).map((c) => c?.message).join("; ");
      return `${e.message} (code ${e.code})${chain ? ` — ${chain}` : ""}`;
    })
    .join("; ");
}

/** The leaf followed by its intermediates, one PEM block per line group: what both APIs take as the certificate. */
export function leafAndChain(certificatePem: string, chainPem: string): string {
  return [certificatePem, chainPem].map((pem) => pem.trim()).filter(Boolean).join("\n") + "\n";
}
