/** Security headers on every response (OWASP HTTP Headers and REST Security cheat sheets); pages add their own CSP. */
import type { MiddlewareHandler } from "hono";
import { DATA_POLICY } from "./csp";

const HEADERS: Record<string, string> = {
  // Browsers take the declared Content-Type, never a sniffed one: JSON cannot run as a script (MDN X-Content-Type-Options).
  "X-Content-Type-Options": "nosniff",
  // HTTPS only, for a year, subdomains included (RFC 6797 §6.1); browsers ignore it on plain-HTTP local runs.
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  // Paths carry project and certificate ids: tell no other site where a user came from (MDN Referrer-Policy).
  "Referrer-Policy": "no-referrer",
  // For browsers without CSP frame-ancestors: no page of this service in any frame (RFC 7034).
  "X-Frame-Options": "DENY",
};

/** Every header above plus the data policy: for an answer built outside the app with its headers known up front. */
export const DATA_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ ...HEADERS, "Content-Security-Policy": DATA_POLICY });

/** The same headers on a response made outside the app (the HTTP-01 route, answered ahead of it in index.ts). */
export function withSecurityHeaders(response: Response): Response {
  const secured = new Response(response.body, response);
  for (const [name, value] of Object.entries(HEADERS)) secured.headers.set(name, value);
  if (!secured.headers.has("Content-Security-Policy")) secured.headers.set("Content-Security-Policy", DATA_POLICY);
  return secured;
}

export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next();
    for (const [name, value] of Object.entries(HEADERS)) c.header(name, value);
    // A page (home, docs) sets the policy it needs; anything else is data and gets the policy that allows nothing.
    if (!c.res.headers.has("Content-Security-Policy")) c.header("Content-Security-Policy", DATA_POLICY);
  };
}
