/**
 * Where a webhook may be sent. A team chooses the URL and the Worker calls it, so it must not reach the service's own
 * network or a cloud metadata service (Standard Webhooks spec, "Server side request forgery"; OWASP SSRF Prevention
 * Cheat Sheet). Two halves, checked when the endpoint is created or changed and again before every delivery:
 *   - the URL as written: https only, no user info or fragment, no literal address in a non-public range (the rules of
 *     HTTPS push targets, deploy/push-url.ts);
 *   - the name's addresses over DNS-over-HTTPS (DOH_RESOLVER_URL): every A and AAAA record must be public too.
 * Between the check and the fetch a name can change its answer (DNS rebinding); checking before every delivery narrows
 * that window, and redirects are never followed.
 */
import type { Config } from "../../core/config";
import { pushUrlProblem } from "../../deploy/push-url";
import { resolveAddresses } from "../../dns/resolve-host";
import { responseLimitOf } from "../../outbound/bounded-body";

export interface TargetCheck {
  /** DOH_RESOLVER_URL, or null when it is `none` (then only the URL as written is checked). */
  resolverUrl: string | null;
  /** Local runs with ALLOW_PRIVATE_WEBHOOK_TARGETS: http:// and loopback allowed, names not resolved. */
  allowPrivate: boolean;
  fetch?: typeof fetch;
  /** The most of a resolver's answer read (OUTBOUND_RESPONSE_MAX_KIB). */
  responseLimitBytes?: number;
}

export type TargetProblem =
  /** The URL or an address it resolves to is not allowed: a 400 at creation, a failed attempt at delivery. */
  | { kind: "refused"; message: string }
  /** The resolver could not answer: nothing is known, so nothing is sent. */
  | { kind: "unresolved"; message: string };

/** ALLOW_PRIVATE_WEBHOOK_TARGETS counts only in local runs: a production deployment that sets it still checks everything. */
export function targetCheckOf(config: Config, fetchImpl?: typeof fetch): TargetCheck {
  return {
    resolverUrl: config.DOH_RESOLVER_URL === "none" ? null : config.DOH_RESOLVER_URL,
    allowPrivate: config.ALLOW_PRIVATE_WEBHOOK_TARGETS && config.CERTDESK_ENV !== "production",
    responseLimitBytes: responseLimitOf(config),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  };
}

/** The URL as written: a sentence starting "Must", or undefined when it may receive webhooks. */
export function webhookUrlProblem(url: string, allowPrivate: boolean): string | undefined {
  return pushUrlProblem(url, { allowInsecure: allowPrivate });
}

/** Whether a resolved address is public, by the same ranges as a literal one in a URL. */
function addressProblem(address: string): string | undefined {
  const host = address.includes(":") ? `[${address}]` : address;
  let problem: string | undefined;
  try {
    problem = pushUrlProblem(`https://${host}/`, { allowInsecure: false });
  } catch {
    problem = "Must resolve to an IP address";
  }
  // An answer that does not parse as an address is not trusted to be public.
  if (problem === undefined && !/^[0-9.]+$/.test(address) && !address.includes(":")) return "Must resolve to an IP address";
  return problem;
}

/** An IPv4 or bracketed IPv6 literal, which the URL check has already judged. */
function isAddressLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || /^\d+\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Why `url` may not receive webhooks now, or undefined when it may: the URL as written, then its name's addresses. */
export async function webhookTargetProblem(url: string, check: TargetCheck): Promise<TargetProblem | undefined> {
  const written = webhookUrlProblem(url, check.allowPrivate);
  if (written) return { kind: "refused", message: written };
  const host = new URL(url).hostname.replace(/\.$/, "");
  if (check.allowPrivate || check.resolverUrl === null || isAddressLiteral(host)) return undefined;
  let addresses: string[];
  try {
    addresses = await resolveAddresses(host, { resolverUrl: check.resolverUrl, responseLimitBytes: check.responseLimitBytes, ...(check.fetch ? { fetch: check.fetch } : {}) });
  } catch (error) {
    return { kind: "unresolved", message: `Could not resolve ${host} to check that it is public (${error instanceof Error ? error.message : "DNS-over-HTTPS failed"})` };
  }
  if (addresses.length === 0) return { kind: "refused", message: `${host} does not resolve to any address` };
  for (const address of addresses) {
    const problem = addressProblem(address);
    if (problem) return { kind: "refused", message: `${host} resolves to ${address}: ${problem}` };
  }
  return undefined;
}
