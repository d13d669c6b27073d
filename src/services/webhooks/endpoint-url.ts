/**
 * Where a webhook may be sent. A team chooses the URL and the Worker calls it, so it must not reach the service's own
 * network or a cloud metadata service (Standard Webhooks spec, "Server side request forgery"; OWASP SSRF Prevention
 * Cheat Sheet). Two halves, checked when the endpoint is created or changed and again before every delivery:
 *   - the URL as written: https only, no user info or fragment, no single-label name, no literal address outside
 *     global unicast (the rules of HTTPS push targets, deploy/push-url.ts, and outbound/address-class.ts);
 *   - the name's addresses over DNS-over-HTTPS (DOH_RESOLVER_URL): every A and AAAA record must pass the same
 *     classifier (dns/resolve-host.ts).
 * Between the check and the fetch a name can change its answer (DNS rebinding); checking before every delivery narrows
 * that window, and redirects are never followed.
 */
import type { Config } from "../../core/config";
import { pushUrlProblem } from "../../deploy/push-url";
import { resolvedHostProblem, type ResolvedHostProblem } from "../../dns/resolve-host";
import { isAddressLiteral } from "../../outbound/address-class";
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

/** Refused (a 400 at creation, a failed attempt at delivery), or unresolved (nothing known, so nothing sent). */
export type TargetProblem = ResolvedHostProblem;

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

/** Why `url` may not receive webhooks now, or undefined when it may: the URL as written, then its name's addresses. */
export async function webhookTargetProblem(url: string, check: TargetCheck): Promise<TargetProblem | undefined> {
  const written = webhookUrlProblem(url, check.allowPrivate);
  if (written) return { kind: "refused", message: written };
  const host = new URL(url).hostname.replace(/\.$/, "");
  if (check.allowPrivate || check.resolverUrl === null || isAddressLiteral(host)) return undefined;
  return resolvedHostProblem(host, {
    resolverUrl: check.resolverUrl,
    responseLimitBytes: check.responseLimitBytes,
    allowLoopback: false,
    ...(check.fetch ? { fetch: check.fetch } : {}),
  });
}
