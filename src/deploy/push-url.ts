/**
 * Where an HTTPS push (and a webhook) may go, as written. A team chooses the URL and the Worker calls it, so the URL
 * must not reach the service's own network or a cloud metadata service (OWASP SSRF Prevention Cheat Sheet; Standard
 * Webhooks spec, "Server side request forgery"). The host is judged by outbound/address-class.ts; what a name
 * resolves to is checked before each delivery (dns/resolve-host.ts `resolvedHostProblem`).
 */
import { hostProblem } from "../outbound/address-class";

/** The longest URL accepted (the length most HTTP stacks accept in a request line). */
export const MAX_PUSH_URL_LENGTH = 2048;

export interface PushUrlOptions {
  /** Local runs only: `http:` and loopback hosts (127.0.0.0/8, ::1, localhost), where the tests' receivers listen. Nothing else. */
  allowInsecure: boolean;
}

/** Why `url` may not receive a push, as a sentence starting "Must", or undefined when it may. */
export function pushUrlProblem(url: string, { allowInsecure }: PushUrlOptions): string | undefined {
  if (url.length > MAX_PUSH_URL_LENGTH) return `Must be at most ${MAX_PUSH_URL_LENGTH} characters`;
  // The URL parser silently drops tabs and newlines inside a URL (WHATWG URL §4.4): refused, so what is stored is what is called.
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return "Must not contain whitespace or control characters";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "Must be an absolute URL";
  }
  if (parsed.protocol !== "https:" && !(allowInsecure && parsed.protocol === "http:")) {
    return allowInsecure ? "Must be an https:// (or, in local runs, http://) URL" : "Must be an https:// URL";
  }
  if (parsed.username !== "" || parsed.password !== "") return "Must not contain a user name or password";
  // `#` can only start a fragment; a fragment is never sent, so it would only mislead (RFC 3986 §3.5).
  if (url.includes("#")) return "Must not contain a fragment (#…)";
  return hostProblem(parsed.hostname, { allowLoopback: allowInsecure });
}
