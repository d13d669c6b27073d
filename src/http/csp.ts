/** Content-Security-Policy values: each starts from "nothing, from nowhere, in no frame" and adds only what a page loads. */

// CSP Level 3 (https://www.w3.org/TR/CSP3/), MDN "Content-Security-Policy"; OWASP Content Security Policy Cheat Sheet.

const NOTHING = {
  "default-src": "'none'",
  "base-uri": "'none'",
  "form-action": "'none'",
  // The CSP successor of X-Frame-Options: DENY (clickjacking; OWASP Clickjacking Defense Cheat Sheet).
  "frame-ancestors": "'none'",
};

/** The policy that allows nothing but `allow` (directive → sources), e.g. `{ "script-src": "'self'" }`. */
export function contentSecurityPolicy(allow: Record<string, string> = {}): string {
  return Object.entries({ ...NOTHING, ...allow })
    .map(([directive, sources]) => `${directive} ${sources}`)
    .join("; ");
}

/** For every answer that is data, not a page (JSON, text, errors): a browser that renders one may load nothing. */
export const DATA_POLICY = contentSecurityPolicy();
