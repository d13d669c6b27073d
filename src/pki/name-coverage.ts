/** Does a certificate cover a host name? RFC 6125 §6.4 matching, with the §6.4.3 wildcard rules made strict. */
import type { CertificateInfo } from "./certificate";

/** Lower-cases and drops one trailing dot: DNS names compare case-insensitively (RFC 4343) and "a.com." is "a.com". */
export function normalizeDnsName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * RFC 6125 §6.4.3, as browsers apply it: the wildcard must be the whole left-most label
 * ("*.example.com", never "f*o.example.com" or "www.*.example.com"), it matches exactly one
 * label (not "a.b.example.com"), never the apex ("example.com"), and needs at least two labels
 * after it ("*.com" matches nothing).
 */
function wildcardCovers(pattern: string, name: string): boolean {
  const patternLabels = pattern.split(".");
  const nameLabels = name.split(".");
  if (patternLabels[0] !== "*" || patternLabels.length < 3) return false;
  if (patternLabels.slice(1).some((label) => label.includes("*") || label === "")) return false;
  if (nameLabels.length !== patternLabels.length || nameLabels[0] === "") return false;
  return nameLabels.slice(1).join(".") === patternLabels.slice(1).join(".");
}

/** True when one of `certNames` covers `name` (exactly, or by a valid wildcard), case-insensitively. */
export function coversName(certNames: readonly string[], name: string): boolean {
  const wanted = normalizeDnsName(name);
  if (wanted === "") return false;
  return certNames.some((certName) => {
    const presented = normalizeDnsName(certName);
    if (presented === "") return false;
    return presented === wanted || wildcardCovers(presented, wanted);
  });
}

/**
 * The DNS identifiers a certificate presents: its SAN dNSNames, or its subject CN only when
 * it has no SAN dNSName at all (RFC 6125 §6.4.4 keeps CN as a last resort).
 */
export function presentedNames(info: CertificateInfo): string[] {
  if (info.dnsNames.length > 0) return info.dnsNames;
  return info.commonName ? [normalizeDnsName(info.commonName)] : [];
}
