/**
 * Parsed CA certificates, kept per isolate. A CA's intermediate (Let's Encrypt's, a commercial CA's) arrives with
 * every certificate it issued, so most uploads and validations repeat the same few intermediates; parsing one is a
 * quarter of a validate request's certificate work (bench/RESULTS.md, validate throughput). Only certificates that
 * say they are CAs (basicConstraints cA) are kept: a leaf is parsed each time. The key is the exact DER (its hex),
 * so a hit is the same bytes, and parsing is deterministic: a hit is what a parse would return. Entries are frozen,
 * shared by the requests of the isolate, and the oldest goes first once the cache is full.
 */
import type { CertificateInfo } from "./certificate";

/** A few dozen CAs cover nearly every upload; each entry holds its parsed ASN.1 (tens of KiB at most). */
export const CA_CACHE_ENTRIES = 64;

const cache = new Map<string, CertificateInfo>();

/** The parsed CA certificate with DER hex `derKey`, if this isolate has parsed it (it becomes the newest). */
export function cachedCaCertificate(derKey: string): CertificateInfo | undefined {
  const info = cache.get(derKey);
  if (info === undefined) return undefined;
  cache.delete(derKey);
  cache.set(derKey, info);
  return info;
}

/** Keeps `info` if it is a CA certificate; returns it unchanged either way. */
export function rememberCaCertificate(info: CertificateInfo): CertificateInfo {
  if (info.isCa !== true) return info;
  Object.freeze(info.dnsNames);
  if (info.extendedKeyUsage) Object.freeze(info.extendedKeyUsage);
  cache.set(info.derKey, Object.freeze(info));
  if (cache.size > CA_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return info;
}

/** Empties the cache (tests). */
export function forgetCaCertificates(): void {
  cache.clear();
}
