/** Domain-name helpers shared by the providers: the challenge record name, zone candidates, relative names. */
import { AppError } from "../core/errors";

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lower-cases `name`, drops one trailing dot and checks it is a plausible DNS name (letters, digits, `-`, `_`). */
export function normalizeFqdn(name: string): string {
  const fqdn = name.trim().toLowerCase().replace(/\.$/, "");
  const labels = fqdn.split(".");
  if (fqdn.length === 0 || fqdn.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    throw new AppError("bad_request", `Not a valid DNS name for a challenge record: "${name.slice(0, 260)}"`);
  }
  return fqdn;
}

/**
 * The name of the DNS-01 TXT record for `domain`: `_acme-challenge.` + the domain without a leading `*.`
 * (RFC 8555 §8.4; a wildcard and its apex therefore share one name).
 */
export function challengeRecordName(domain: string): string {
  const bare = domain.trim().toLowerCase().replace(/\.$/, "").replace(/^\*\./, "");
  return `_acme-challenge.${bare}`;
}

/**
 * The names a zone holding `fqdn` could have, most specific first: `fqdn` itself and each parent with at least
 * two labels (`_acme-challenge.a.example.com` → itself, `a.example.com`, `example.com`).
 */
export function zoneCandidates(fqdn: string): string[] {
  const labels = normalizeFqdn(fqdn).split(".");
  const candidates: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) candidates.push(labels.slice(i).join("."));
  return candidates;
}

/** `fqdn` relative to `zone` (`_acme-challenge.www` in `example.com`), or `@` at the apex. */
export function relativeName(fqdn: string, zone: string): string {
  if (fqdn === zone) return "@";
  if (!fqdn.endsWith(`.${zone}`)) throw new AppError("internal", "record name outside its zone");
  return fqdn.slice(0, -(zone.length + 1));
}

/**
 * Walks up the labels of `fqdn` and returns the first zone `lookup` finds, or throws a dns_provider_error
 * naming the candidates tried.
 */
export async function discoverZone<Z>(
  providerLabel: string,
  fqdn: string,
  lookup: (candidate: string) => Promise<Z | undefined>,
  hint = "",
): Promise<Z> {
  const candidates = zoneCandidates(fqdn);
  for (const candidate of candidates) {
    const zone = await lookup(candidate);
    if (zone !== undefined) return zone;
  }
  throw new AppError(
    "dns_provider_error",
    `${providerLabel} hosts no DNS zone for ${fqdn} that these credentials can see (looked for ${candidates.join(", ")})${hint}`,
  );
}

/** Remembers `discover(fqdn)` per name for the provider's lifetime; a failed lookup is forgotten so it is retried. */
export function cachedZones<Z>(discover: (fqdn: string) => Promise<Z>): (fqdn: string) => Promise<Z> {
  const zones = new Map<string, Promise<Z>>();
  return (fqdn) => {
    let zone = zones.get(fqdn);
    if (!zone) {
      zone = discover(fqdn);
      zones.set(fqdn, zone);
      zone.catch(() => zones.delete(fqdn));
    }
    return zone;
  };
}
