/** The security headers every response must carry (see src/http/security-headers.ts), as one assertion. */
import { expect } from "vitest";

const ALWAYS = {
  "x-content-type-options": "nosniff",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export function expectSecurityHeaders(headers: Headers, what: string): void {
  for (const [name, value] of Object.entries(ALWAYS)) expect(headers.get(name), `${name} on ${what}`).toBe(value);
  const csp = headers.get("content-security-policy") ?? "";
  expect(csp, `CSP on ${what}`).toMatch(/(^|; )default-src 'none'(;|$)/);
  expect(csp, `CSP on ${what}`).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
}
