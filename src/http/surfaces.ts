/** The three API surfaces and how each one renders a typed error on the wire. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppError, ErrorCode } from "../core/errors";

export type Surface = "native" | "vercel" | "openai";

/** Which surface a path belongs to; unknown paths answer in the native style. */
export function surfaceOf(path: string): Surface {
  if (path.startsWith("/v8/") || path === "/v8" || /^\/v1\/projects(\/|$)/.test(path)) return "vercel";
  if (path.startsWith("/v1/organization")) return "openai";
  return "native";
}

/** Vercel's error codes are few and coarse (Vercel REST API reference, "Errors"); map ours onto theirs (exported for the OpenAPI document). */
export function vercelCode(code: ErrorCode, status: number): string {
  if (code === "configuration_error") return "configuration_error";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limited";
  // Vercel's codes name the status (bad_request, not_found, internal_server_error): a CA that cannot be reached is a
  // 503 `service_unavailable`, which a client retries later, not a fault of ours it should report. The Vercel CLI's
  // certificate errors (packages/cli/src/util/certs/map-cert-error.ts) have no code of their own for a CA outage.
  if (status === 503) return "service_unavailable";
  if (status >= 500) return "internal_server_error";
  return "bad_request";
}

/** OpenAI's `type` field groups errors by kind. */
function openaiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 409) return "conflict_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export function renderError(c: Context, error: AppError): Response {
  const status = error.status as ContentfulStatusCode;
  if (error.retryAfter !== undefined) c.header("Retry-After", String(Math.max(0, Math.ceil(error.retryAfter))));
  switch (surfaceOf(c.req.path)) {
    case "vercel":
      return c.json({ error: { code: vercelCode(error.code, error.status), message: error.message } }, status);
    case "openai":
      // The OpenAI SDK retries 409/429/5xx unless told not to; our errors are final.
      c.header("x-should-retry", "false");
      return c.json(
        { error: { message: error.message, type: openaiType(error.status), param: error.param ?? null, code: error.code } },
        status,
      );
    default:
      return c.json({ success: false, error: error.message, code: error.code }, status);
  }
}
