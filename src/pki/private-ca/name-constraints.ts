/** A CA's name constraints (RFC 5280 §4.2.1.10): parsed from a request, written as the extension, read back, enforced. */
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  NameConstraints as AsnNameConstraints,
  id_ce_nameConstraints,
} from "@peculiar/asn1-x509";
import ipaddr from "ipaddr.js";
import { AppError } from "../../core/errors";
import { x509 } from "../x509-setup";
import { checkDnsName, type SubjectNames } from "./names";

export interface NameConstraints {
  permittedDnsDomains: string[];
  excludedDnsDomains: string[];
  /** CIDR text, "10.0.0.0/8", "fd00::/8". */
  permittedIpRanges: string[];
  excludedIpRanges: string[];
  /**
   * Name types an imported CA constrains that we do not evaluate ("rfc822Name", "uniformResourceIdentifier",
   * "directoryName", …). A leaf name of such a type is refused rather than issued for verifiers to reject.
   */
  unsupportedNameTypes?: string[];
}

type ConstraintField = "permittedDnsDomains" | "excludedDnsDomains" | "permittedIpRanges" | "excludedIpRanges";
const DNS_FIELDS = ["permittedDnsDomains", "excludedDnsDomains"] as const;
const IP_FIELDS = ["permittedIpRanges", "excludedIpRanges"] as const;
/** Subtrees per CA, all lists together: bounds the certificate's size and the work of every check. */
const MAX_SUBTREES = 100;

function invalid(param: ConstraintField, message: string): AppError {
  return new AppError("validation_failed", message, { param: `nameConstraints.${param}` });
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** "10.0.0.0/8" → the network and prefix; null unless it is exactly a network address with a prefix length. */
function parseRange(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  if (slash < 0) return null;
  const address = trimmed.slice(0, slash);
  const prefix = trimmed.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefix)) return null;
  const isV4 = ipaddr.IPv4.isValidFourPartDecimal(address);
  if (!isV4 && !(address.includes(":") && !address.includes("%") && ipaddr.IPv6.isValid(address))) return null;
  try {
    return ipaddr.parseCIDR(`${address}/${Number(prefix)}`);
  } catch {
    return null; // prefix past 32 (IPv4) or 128 (IPv6)
  }
}

function rangeText([address, prefix]: [ipaddr.IPv4 | ipaddr.IPv6, number]): string {
  return `${address.toString()}/${prefix}`;
}

function normalizeRange(param: ConstraintField, index: number, raw: string): string {
  const range = parseRange(raw);
  if (!range) {
    throw invalid(param, `${param}[${index}]: "${shorten(raw)}" is not an IP range: give CIDR notation, like 10.0.0.0/8 or fd00::/8 (prefix at most 32 for IPv4, 128 for IPv6)`);
  }
  const [address, prefix] = range;
  const network = address.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`);
  // The extension holds address AND mask (RFC 5280 §4.2.1.10); host bits would be silently dropped, so say so.
  if (network.toString() !== address.toString()) {
    throw invalid(param, `${param}[${index}]: "${shorten(raw)}" has host bits set: did you mean ${network.toString()}/${prefix}?`);
  }
  return rangeText(range);
}

function normalizeDomain(param: ConstraintField, index: number, raw: string): string {
  // RFC 5280 §4.2.1.10: a dNSName constraint is a name; every name formed by adding labels on its left is within it.
  const checked = checkDnsName(raw, { allowWildcards: false });
  if ("why" in checked) {
    const hint = raw.trim().startsWith("*.") || raw.trim().startsWith(".") ? " (give example.com: it covers the name and every subdomain)" : "";
    throw invalid(param, `${param}[${index}]: "${shorten(raw)}" is not a valid domain: ${checked.why}${hint}`);
  }
  return checked.name;
}

/** Validates the constraints a request asks for: domains as DNS names, ranges as CIDR with no host bits. 400 naming the entry. */
export function parseNameConstraints(input: {
  permittedDnsDomains?: string[];
  excludedDnsDomains?: string[];
  permittedIpRanges?: string[];
  excludedIpRanges?: string[];
}): NameConstraints {
  const result: NameConstraints = { permittedDnsDomains: [], excludedDnsDomains: [], permittedIpRanges: [], excludedIpRanges: [] };
  let total = 0;
  for (const field of [...DNS_FIELDS, ...IP_FIELDS]) {
    const list: unknown = input[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw invalid(field, `${field} must be an array of strings`);
    total += list.length;
    if (total > MAX_SUBTREES) throw invalid(field, `name constraints hold at most ${MAX_SUBTREES} domains and IP ranges together`);
    const seen = new Set<string>();
    list.forEach((raw: unknown, index: number) => {
      if (typeof raw !== "string") throw invalid(field, `${field}[${index}] must be a string`);
      seen.add(field.endsWith("DnsDomains") ? normalizeDomain(field, index, raw) : normalizeRange(field, index, raw));
    });
    result[field] = [...seen];
  }
  return result;
}

function subtrees(domains: string[], ranges: string[]): GeneralSubtrees | undefined {
  const items = [
    ...domains.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })),
    // asn1-x509's IP converter writes "a.b.c.d/n" as address + mask: 8 octets for IPv4, 32 for IPv6 (RFC 5280 §4.2.1.10).
    ...ranges.map((range) => {
      const [address, prefix] = ipaddr.parseCIDR(range);
      const full = address.kind() === "ipv6" ? (address as ipaddr.IPv6).toNormalizedString() : address.toString();
      return new GeneralSubtree({ base: new GeneralName({ iPAddress: `${full}/${prefix}` }) });
    }),
  ];
  // GeneralSubtrees is SIZE (1..MAX): an empty list must be left out, not written empty.
  return items.length > 0 ? new GeneralSubtrees(items) : undefined;
}

/** The nameConstraints extension, critical as RFC 5280 §4.2.1.10 requires of conforming CAs. */
export function nameConstraintsExtension(constraints: NameConstraints): x509.Extension {
  const value = new AsnNameConstraints({
    permittedSubtrees: subtrees(constraints.permittedDnsDomains, constraints.permittedIpRanges),
    excludedSubtrees: subtrees(constraints.excludedDnsDomains, constraints.excludedIpRanges),
  });
  // RFC 5280 §4.2.1.10: "MUST NOT issue certificates where name constraints is an empty sequence".
  if (!value.permittedSubtrees && !value.excludedSubtrees) {
    throw new AppError("validation_failed", "name constraints need at least one domain or IP range", { param: "nameConstraints" });
  }
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(value));
}

const GENERAL_NAME_TYPES = ["otherName", "rfc822Name", "x400Address", "directoryName", "ediPartyName", "uniformResourceIdentifier", "registeredID"] as const;

function readSubtrees(list: GeneralSubtrees | undefined, domains: string[], ranges: string[], unsupported: Set<string>): void {
  for (const subtree of list ?? []) {
    const base = subtree.base;
    if (base.dNSName !== undefined) domains.push(base.dNSName.toLowerCase().replace(/\.$/, ""));
    else if (base.iPAddress !== undefined) {
      // The converter gives "a.b.c.d/n" for 8 octets and "x::y/n" for 32. Any other length is malformed: IP names are
      // then refused outright, since such an excluded range could not be honoured.
      const range = parseRange(base.iPAddress);
      if (range) ranges.push(rangeText(range));
      else unsupported.add("iPAddress (malformed)");
    } else {
      const type = GENERAL_NAME_TYPES.find((name) => base[name] !== undefined);
      unsupported.add(type ?? "unknown");
    }
  }
}

/** The constraints in a CA certificate (ours or imported); null when it has none. Throws a 400 when the extension is malformed. */
export function readNameConstraints(certificate: x509.X509Certificate): NameConstraints | null {
  const extension = certificate.getExtension(id_ce_nameConstraints);
  if (!extension) return null;
  let value: AsnNameConstraints;
  try {
    value = AsnConvert.parse(extension.value, AsnNameConstraints);
  } catch (error) {
    throw new AppError("invalid_certificate", "the CA certificate's nameConstraints extension could not be parsed", { cause: error });
  }
  const result: NameConstraints = { permittedDnsDomains: [], excludedDnsDomains: [], permittedIpRanges: [], excludedIpRanges: [] };
  const unsupported = new Set<string>();
  readSubtrees(value.permittedSubtrees, result.permittedDnsDomains, result.permittedIpRanges, unsupported);
  readSubtrees(value.excludedSubtrees, result.excludedDnsDomains, result.excludedIpRanges, unsupported);
  if (unsupported.size > 0) result.unsupportedNameTypes = [...unsupported];
  return result;
}

/**
 * RFC 5280 §4.2.1.10: "host.example.com" is within "example.com" (labels added on the left), and a name is within
 * itself. A constraint with a leading dot (written by some CAs, undefined for dNSName) is read as subdomains only.
 * A wildcard name "*.a.example" is matched as written, so it is within "a.example" but not within "b.a.example".
 */
function dnsWithin(name: string, constraint: string): boolean {
  if (constraint === "") return true; // an empty dNSName constraint matches every name
  if (constraint.startsWith(".")) return name.endsWith(constraint);
  return name === constraint || name.endsWith(`.${constraint}`);
}

/**
 * Could the wildcard "*.a.example" stand for a name in the excluded subtree? It covers exactly one label over
 * "a.example" (RFC 6125 §6.4.3), so "b.a.example" excluded makes it unsafe even though the string itself is not
 * within "b.a.example"; a verifier that expands the wildcard would refuse the name it stands for.
 */
function wildcardMeetsExcluded(name: string, excluded: string): boolean {
  if (!name.startsWith("*.")) return false;
  const base = name.slice(2);
  const trimmed = excluded.replace(/^\./, "");
  const firstDot = trimmed.indexOf(".");
  return firstDot > 0 && trimmed.slice(firstDot + 1) === base;
}

function ipWithin(address: ipaddr.IPv4 | ipaddr.IPv6, range: string): boolean {
  const parsed = parseRange(range);
  // RFC 5280 §4.2.1.10: an IPv4 address is only within an 8-octet constraint and an IPv6 address within a 32-octet one.
  if (!parsed || parsed[0].kind() !== address.kind()) return false;
  return address.match(parsed);
}

/** A CN that a verifier may read as a host name (OpenSSL checks a CN with a dot and only LDH labels against dNSName constraints). */
function dnsLookingCommonName(commonName: string | undefined): string | null {
  if (!commonName) return null;
  const name = commonName.trim().toLowerCase().replace(/\.$/, "");
  if (!name.includes(".") || ipaddr.isValid(name)) return null;
  const checked = checkDnsName(name, { allowWildcards: true });
  return "name" in checked ? checked.name : null;
}

function dnsOutside(name: string, nc: NameConstraints): boolean {
  if (nc.excludedDnsDomains.some((excluded) => dnsWithin(name, excluded) || wildcardMeetsExcluded(name, excluded))) return true;
  // No permitted dNSName subtree: dNSNames are unconstrained by this CA (RFC 5280 §4.2.1.10 applies per name type).
  return nc.permittedDnsDomains.length > 0 && !nc.permittedDnsDomains.some((permitted) => dnsWithin(name, permitted));
}

function ipOutside(text: string, nc: NameConstraints): boolean {
  if (!ipaddr.isValid(text)) return true;
  const address = ipaddr.parse(text);
  if (nc.excludedIpRanges.some((range) => ipWithin(address, range))) return true;
  // Both families are the one iPAddress type: a CA that permits only IPv4 ranges permits no IPv6 address.
  return nc.permittedIpRanges.length > 0 && !nc.permittedIpRanges.some((range) => ipWithin(address, range));
}

/**
 * Every name (dNSName, iPAddress, and the CN when it is a DNS name) checked against each CA's constraints, from the issuing
 * CA up: all must pass (RFC 5280 §6.1.3 (b) and (c) apply each CA's constraints along the path). Empty when all pass;
 * otherwise the names outside, each once. URIs, emails and the subject are refused only where a CA constrains their
 * type in a way we do not evaluate (`unsupportedNameTypes`).
 */
export function namesOutsideConstraints(names: SubjectNames, constraints: NameConstraints[]): string[] {
  // Unconstrained (most CAs): nothing to read, and reading a CN (an IP parse) is the costly part of this check.
  if (constraints.length === 0) return [];
  const outside = new Set<string>();
  const commonName = dnsLookingCommonName(names.commonName);
  const dnsNames = commonName && !names.dnsNames.includes(commonName) ? [...names.dnsNames, commonName] : names.dnsNames;
  for (const nc of constraints) {
    for (const name of dnsNames) if (dnsOutside(name, nc)) outside.add(name);
    for (const address of names.ipAddresses) if (ipOutside(address, nc)) outside.add(address);
    const unsupported = new Set(nc.unsupportedNameTypes ?? []);
    if (unsupported.has("uniformResourceIdentifier")) names.uris.forEach((uri) => outside.add(uri));
    if (unsupported.has("rfc822Name")) names.emails.forEach((email) => outside.add(email));
    if (unsupported.has("directoryName") && names.commonName) outside.add(names.commonName);
    if (unsupported.has("iPAddress (malformed)")) names.ipAddresses.forEach((address) => outside.add(address));
  }
  return [...outside];
}
