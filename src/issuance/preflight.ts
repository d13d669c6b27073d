/**
 * What is checked before an order is placed, so a certificate the CA must refuse, or DNS-01 credentials that cannot
 * work, cost no order (CAs rate-limit orders and failed authorizations):
 *   - CAA (RFC 8659) for every name, against the CA's `caaIdentities` (RFC 8555 §7.1.1);
 *   - DNS-01 delegated (dns/delegation.ts): every `_acme-challenge` CNAME points at its target in the operator's zone;
 *   - DNS-01: the team's DNS provider finds the zone of every challenge record with the credentials given (for a
 *     delegated name, of its target).
 * Refusals are 400s and not retryable: a renewal refused here stops, with the reason on the certificate.
 */
import type { AcmeDirectory } from "../acme";
import { AppError } from "../core/errors";
import { challengeRecordName, type DnsProvider } from "../dns";
import { evaluateCaa, findRelevantCaa, type CaaRecord } from "../dns/caa";
import { checkDelegation, delegationRefusal, type DelegationRecord } from "../dns/delegation";
import { responseLimitOf } from "../outbound/bounded-body";
import type { IssuanceDeps } from "./deps";
import type { IssueRequest } from "./issue-request";

export interface PreflightInput {
  names: readonly string[];
  /** The CA's directory: its `meta.caaIdentities` are the issuer domains that name it in CAA records. */
  directory: AcmeDirectory;
  /** The DoH JSON resolver for CAA lookups; null skips the CAA check. */
  resolverUrl: string | null;
  /** DNS-01: the provider that will present the challenge records (null for HTTP-01). */
  dnsProvider: DnsProvider | null;
  /** Delegated DNS-01: the customer's record for each `_acme-challenge` name (keyed by it); absent otherwise. */
  delegation?: ReadonlyMap<string, DelegationRecord>;
  /** For the DoH queries (tests pass a fake resolver). */
  fetch?: typeof fetch;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
  log?: (message: string) => void;
}

/**
 * The preflight of one issuance job, from its request and the CA's directory. `dnsProvider` is the one the DNS-01
 * solver will use: the zones found here are then not looked up again (each lookup is a subrequest).
 */
export async function preflight(
  deps: IssuanceDeps,
  request: IssueRequest,
  directory: AcmeDirectory,
  dnsProvider: DnsProvider | null,
  delegation?: ReadonlyMap<string, DelegationRecord>,
): Promise<void> {
  const { config } = deps;
  await preflightOrder({
    names: request.names,
    directory,
    resolverUrl: config.DOH_RESOLVER_URL === "none" ? null : config.DOH_RESOLVER_URL,
    dnsProvider,
    ...(delegation ? { delegation } : {}),
    responseLimitBytes: responseLimitOf(config),
  });
}

/** Throws a 400 AppError (not retryable) when the order must not be placed; a provider outage stays its 502. */
export async function preflightOrder(input: PreflightInput): Promise<void> {
  if (input.resolverUrl) await refuseForbiddenByCaa(input, input.resolverUrl);
  if (input.delegation && input.resolverUrl) await refuseMissingDelegation(input, input.delegation, input.resolverUrl);
  if (input.dnsProvider) await checkDnsProvider(input.dnsProvider, input.names, input.delegation);
}

/**
 * Every delegated name's CNAME must point at its target: without it the CA would find no TXT (a failed authorization,
 * which it rate-limits). A resolver that does not answer does not block; the CA looks for itself.
 */
async function refuseMissingDelegation(input: PreflightInput, delegation: ReadonlyMap<string, DelegationRecord>, resolverUrl: string): Promise<void> {
  const log = input.log ?? ((message: string) => console.warn(message));
  for (const record of delegation.values()) {
    let check;
    try {
      check = await checkDelegation(record, { resolverUrl, fetch: input.fetch, responseLimitBytes: input.responseLimitBytes });
    } catch (error) {
      log(`delegation preflight for ${record.recordName}: lookup failed (${error instanceof Error ? error.message : "unknown error"}); leaving it to the CA`);
      continue;
    }
    if (check.status !== "active") throw delegationRefusal(record, check);
  }
}


async function refuseForbiddenByCaa(input: PreflightInput, resolverUrl: string): Promise<void> {
  const log = input.log ?? ((message: string) => console.warn(message));
  const cache = new Map<string, Promise<CaaRecord[]>>();
  const identities = input.directory.meta?.caaIdentities;
  const refusals: string[] = [];
  for (const name of input.names) {
    let relevant;
    try {
      relevant = await findRelevantCaa(name, { resolverUrl, fetch: input.fetch, cache, responseLimitBytes: input.responseLimitBytes });
    } catch (error) {
      // A failed lookup does not block: the CA checks CAA itself before issuing (RFC 8659 §3, including what a
      // SERVFAIL means) and answers with its own `caa` error, which issuance reports as it does any CA refusal.
      log(`CAA preflight for ${name}: lookup failed (${error instanceof Error ? error.message : "unknown error"}); leaving CAA to the CA`);
      continue;
    }
    const decision = evaluateCaa(name, relevant, identities);
    if (!decision.allowed) refusals.push(decision.message);
  }
  if (refusals.length > 0) {
    throw new AppError("bad_request", `CAA forbids this certificate, so no order was placed: ${refusals.join("; ")}`, { retryable: false });
  }
}

/** `dns_provider_error`s raised by discoverZone in src/dns/names.ts when no zone these credentials see holds the name. */
const NO_ZONE = / hosts no DNS zone for /;

/**
 * Finds the zone of every challenge record with the team's credentials (a read-only call each adapter already
 * makes to present). Credentials the provider rejects, or that see no zone for a name, are the caller's to fix:
 * 400 on `dnsCredentials`. Outages, throttling and timeouts stay the provider's 502.
 */
async function checkDnsProvider(provider: DnsProvider, names: readonly string[], delegation?: ReadonlyMap<string, DelegationRecord>): Promise<void> {
  if (!provider.check) return;
  const recordName = (name: string) => {
    const own = challengeRecordName(name);
    return delegation?.get(own)?.recordValue ?? own;
  };
  for (const fqdn of new Set(names.map(recordName))) {
    try {
      await provider.check(fqdn);
    } catch (error) {
      throw callersCredentials(error) ?? error;
    }
  }
}

function callersCredentials(error: unknown): AppError | undefined {
  if (!(error instanceof AppError) || error.code !== "dns_provider_error") return undefined;
  const status = (error.detail as { status?: unknown } | undefined)?.status;
  const callersFault = typeof status === "number" ? status >= 400 && status < 500 && status !== 408 && status !== 429 : NO_ZONE.test(error.message);
  if (!callersFault) return undefined;
  return new AppError("validation_failed", `${error.message} (checked before ordering: no order was placed)`, {
    param: "dnsCredentials",
    retryable: false,
    cause: error,
  });
}
