/**
 * Every error status an operation can answer, derived in one place from the error registry (core/errors.ts) rather
 * than listed by hand per route: what the app layer raises for an operation's traits (a token: 401/403; a body:
 * 413, 415, 400; parameters: 400; a path parameter: 404) plus the codes the route declares with `raises(...)`. Each
 * status's description names the codes a client sees on its surface, and its body is that surface's error shape.
 */
import { type ErrorCode, errorStatus } from "../core/errors";
import { type Surface, surfaceOf, vercelCode } from "../http/surfaces";
import { MAX_BODY_BYTES } from "../http/body-limit";
import { openaiErrorSchema, openaiErrors } from "./openai/schemas";
import { PKI_PATH } from "./pki";
import { OPERATION_METHODS, type OpenApiDocument, type OpenApiOperation, type OpenApiPathItem } from "./openapi-document";
import { nativeErrorSchema, nativeErrors } from "./router";
import { vercelErrorSchema, vercelErrors } from "./vercel/schemas";

/** The operation field `raises(...)` sets; read and removed here, so the served document does not carry it. */
const RAISES = "x-raises";

/** The codes a route raises beyond its traits, spread into its `createRoute({...})`. */
export const raises = (...codes: ErrorCode[]) => ({ [RAISES]: codes }) as { "x-raises": ErrorCode[] };

/** What a call to the ACME CA can raise: our per-team allowance or the CA's own limit, its refusal, its errors, an outage. */
export const CA_CALL: readonly ErrorCode[] = ["rate_limited", "bad_request", "ca_error", "ca_unreachable"];

/** What each code means to a client; the registry's every code is here, so a new one cannot go undocumented. */
const MEANING: Record<ErrorCode, string> = {
  bad_request: "the request cannot be carried out as sent (or its `x-d1-bookmark` header is malformed)",
  invalid_json: "the body is not valid JSON",
  validation_failed: "a parameter or body field is missing or invalid (`param` names it where the surface has one)",
  invalid_certificate: "the certificate cannot be parsed or used",
  invalid_private_key: "the private key cannot be parsed or used",
  key_mismatch: "the private key does not belong to the certificate",
  domain_mismatch: "the certificate does not cover the project's domain",
  domain_not_configured: "the project has no domain: set one first",
  challenge_failed: "the CA could not validate the challenge",
  not_revocable: "the certificate cannot be revoked",
  not_renewable: "the certificate cannot be renewed this way",
  unauthorized: "missing or invalid token",
  forbidden: "the token lacks the scope, or is the wrong kind of token for this route",
  not_found: "not found (or another team's)",
  conflict: "conflicts with the current state (a name already taken, a change made meanwhile)",
  domain_taken: "the domain is in use by another team",
  limit_reached: "a quota of the team is reached: the message names it and how to make room",
  payload_too_large: `the body is larger than ${MAX_BODY_BYTES / 1024} KiB`,
  unsupported_media_type: "the Content-Type is not application/json",
  rate_limited: "too many calls: retry after Retry-After seconds",
  configuration_error: "the domain is not yet set up for validation: retry once it is",
  ca_error: "the CA answered with an error",
  dns_provider_error: "the DNS provider failed or refused",
  deploy_target_error: "the deploy target failed or refused",
  ca_unreachable: "the CA could not be reached; nothing was stored: retry later",
  internal: "internal error",
};

/** Each surface's error body and the component it is declared as (docs.ts registers them). */
export const ERROR_BODIES = {
  native: { name: "Error", schema: nativeErrorSchema },
  vercel: { name: "VercelError", schema: vercelErrorSchema },
  openai: { name: "OpenAIError", schema: openaiErrorSchema },
} as const satisfies Record<Surface, unknown>;

const errorRef = (surface: Surface) => `#/components/schemas/${ERROR_BODIES[surface].name}`;

/** The codes an operation answers by its traits alone: the middleware and validators every such route runs. */
function traitCodes(where: string, operation: OpenApiOperation): ErrorCode[] {
  // Every route but the PKI's opens a D1 session first: a malformed `x-d1-bookmark` header is a 400 (http/d1-session.ts).
  const codes: ErrorCode[] = where.includes(` ${PKI_PATH}`) ? [] : ["bad_request"];
  const security = operation.security as unknown[] | undefined;
  if (security?.length) codes.push("unauthorized", "forbidden");
  const parameters = (operation.parameters as { in: string }[] | undefined) ?? [];
  if (operation.requestBody) codes.push("payload_too_large", "unsupported_media_type", "invalid_json", "validation_failed");
  if (parameters.length > 0) codes.push("validation_failed");
  if (parameters.some((parameter) => parameter.in === "path")) codes.push("not_found");
  return codes;
}

/** The code a client reads on the wire for one of ours: Vercel's own codes are coarser (http/surfaces.ts). */
function wireCode(surface: Surface, code: ErrorCode): string {
  return surface === "vercel" ? vercelCode(code, errorStatus[code]) : code;
}

/** "`code`: meaning; …" for the codes of one status, each wire code once. */
function describeCodes(surface: Surface, codes: ErrorCode[]): string {
  const byWire = new Map<string, string[]>();
  for (const code of codes) byWire.set(wireCode(surface, code), [...(byWire.get(wireCode(surface, code)) ?? []), MEANING[code]]);
  return [...byWire].map(([wire, meanings]) => `\`${wire}\`: ${meanings.join("; ")}`).join(". ");
}

/** The shared wording routes spread in (`...nativeErrors`): it gives way to the derived one. */
const DEFAULT_WORDING = new Set([nativeErrors, vercelErrors, openaiErrors].flatMap((errors) => Object.values(errors).map((response) => response.description)));

interface DeclaredResponse {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}

/** Whether a declared response is a surface's error body (not, say, validate's 422 report). */
const isErrorBody = (response: DeclaredResponse) =>
  Object.values(response.content ?? {}).some((media) => (Object.keys(ERROR_BODIES) as Surface[]).some((surface) => media.schema?.$ref === errorRef(surface)));

/**
 * One operation with every error status its codes imply. A route's own words for such a status lead its description;
 * an error status the route declares that no code implies is a programming error (the document would promise a
 * status nothing raises), thrown so that the document's test fails, unless it is only the shared default wording.
 */
function withStatuses(surface: Surface, where: string, operation: OpenApiOperation): OpenApiOperation {
  const { [RAISES]: declared, ...rest } = operation as OpenApiOperation & { [RAISES]?: ErrorCode[] };
  const codes = [...new Set([...traitCodes(where, rest), ...(declared ?? [])])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
  const responses: Record<string, DeclaredResponse> = { ...(rest.responses as Record<string, DeclaredResponse> | undefined) };
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400 || byStatus.has(Number(status)) || !isErrorBody(response)) continue;
    // The shared wording stays where no code backs it: a 404 for an id in a body (no path parameter) is still a 404.
    if (response.description === undefined || !DEFAULT_WORDING.has(response.description)) throw new Error(`${where} declares ${status}, which none of its codes (${codes.join(", ")}) answers: add the code with raises(...)`);
  }
  for (const [status, statusCodes] of byStatus) {
    const own = responses[String(status)]?.description;
    const derived = describeCodes(surface, statusCodes);
    responses[String(status)] = {
      description: own === undefined || DEFAULT_WORDING.has(own) ? derived : `${own}. ${derived}`,
      content: { "application/json": { schema: { $ref: errorRef(surface) } } },
    };
  }
  const ordered = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  return { ...rest, responses: ordered };
}

/** The document with every operation's error statuses derived (a copy). */
export function withErrorResponses<T extends OpenApiDocument>(document: T): T {
  const paths = document.paths && Object.fromEntries(
    Object.entries(document.paths).map(([path, item]) => {
      const filled: OpenApiPathItem = { ...item };
      for (const method of OPERATION_METHODS) {
        const operation = item[method];
        if (operation) filled[method] = withStatuses(surfaceOf(path), `${method.toUpperCase()} ${path}`, operation);
      }
      return [path, filled];
    }),
  );
  return { ...document, paths };
}
