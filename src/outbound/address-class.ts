/**
 * The one address classifier for URLs a team chooses (webhook endpoints, HTTPS push targets) and for the addresses
 * their names resolve to: only global unicast may be called (OWASP SSRF Prevention Cheat Sheet; Standard Webhooks
 * spec, "Server side request forgery"). The special-purpose ranges are ipaddr.js's table of the IANA IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890); IPv6 must also be inside 2000::/3, the global unicast space
 * (RFC 4291 §2.4), which leaves out the deprecated IPv4-compatible form ::a.b.c.d and unassigned space.
 */
import ipaddr from "ipaddr.js";

export interface AddressRules {
  /** Local runs only: loopback (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104, localhost) is accepted. Nothing else is. */
  allowLoopback: boolean;
}

export const LOOPBACK = "Must not point at a loopback address or localhost";
const PRIVATE = "Must not point at a private network address";
const LINK_LOCAL = "Must not point at a link-local address";
const SHARED = "Must not point at a shared (carrier-grade NAT) address";
const UNSPECIFIED = "Must not point at an unspecified address";
const MULTICAST = "Must not point at a multicast address";
const RESERVED = "Must not point at a reserved address";
const METADATA = "Must not point at a cloud metadata service";
const EMBEDDED = "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)";
const SINGLE_LABEL = "Must be a fully qualified domain name: a single-label host (such as intranet) names something inside the network";

/** The message for each special-purpose range ipaddr.js names; any range not listed is RESERVED. */
const RANGE_PROBLEMS: Readonly<Record<string, string>> = {
  unspecified: UNSPECIFIED, // 0.0.0.0/8 (RFC 1122 §3.2.1.3), :: (RFC 4291 §2.5.2)
  loopback: LOOPBACK, // 127.0.0.0/8, ::1
  private: PRIVATE, // RFC 1918
  uniqueLocal: PRIVATE, // fc00::/7, RFC 4193
  deprecatedSiteLocal: PRIVATE, // fec0::/10, deprecated by RFC 3879 but still private
  linkLocal: LINK_LOCAL, // 169.254.0.0/16 (RFC 3927), fe80::/10
  carrierGradeNat: SHARED, // 100.64.0.0/10, RFC 6598
  multicast: MULTICAST, // 224.0.0.0/4, ff00::/8
  ipv4Mapped: EMBEDDED, // ::ffff:0:0/96, RFC 4291 §2.5.5.2
  rfc6145: EMBEDDED, // ::ffff:0:0:0/96
  rfc6052: EMBEDDED, // 64:ff9b::/96 (RFC 6052), 64:ff9b:1::/48 (RFC 8215)
  "6to4": EMBEDDED, // 2002::/16, RFC 3056
  teredo: EMBEDDED, // 2001::/32, RFC 4380
};

/** Names that only ever mean a metadata service (GCP's; the others are reached by the addresses below). */
const METADATA_NAMES = new Set(["metadata.google.internal"]);
/** The instance metadata addresses of AWS, GCP and Azure (IPv4) and of AWS over IPv6. */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "fd00:ec2::254"]);

const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
/** RFC 6052 §2.1: the well-known NAT64 prefix, whose last 32 bits are the IPv4 address. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

/** Whether `text` is an IP address as DNS answers and URL parsers print them: dotted IPv4, or IPv6 (no brackets). */
export function isIpAddress(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

/** Why `address` (an IP literal, no brackets) may not be called, as a sentence starting "Must", or undefined. */
export function addressProblem(address: string, rules: AddressRules): string | undefined {
  if (!isIpAddress(address)) return "Must be an IP address";
  const parsed = ipaddr.parse(address);
  return parsed.kind() === "ipv4" ? ipv4Problem(parsed as ipaddr.IPv4, rules) : ipv6Problem(parsed as ipaddr.IPv6, rules);
}

function ipv4Problem(address: ipaddr.IPv4, { allowLoopback }: AddressRules): string | undefined {
  if (METADATA_ADDRESSES.has(address.toString())) return METADATA;
  const range: string = address.range();
  if (range === "unicast" || (range === "loopback" && allowLoopback)) return undefined;
  return RANGE_PROBLEMS[range] ?? RESERVED;
}

function ipv6Problem(address: ipaddr.IPv6, rules: AddressRules): string | undefined {
  if (METADATA_ADDRESSES.has(address.toString())) return METADATA;
  const range: string = address.range();
  if (range === "unicast" && address.match(GLOBAL_UNICAST)) return undefined;
  if (range === "loopback" && rules.allowLoopback) return undefined;
  const embedded = embeddedIpv4(address, range);
  if (embedded) {
    // Said as the IPv4 address would be. Of these forms only an IPv4-mapped loopback is loopback to the socket that
    // connects to it; the others are not loopback, so where loopback is allowed they are still refused, as what they are.
    const inner = ipv4Problem(embedded, { allowLoopback: false });
    if (inner === LOOPBACK && rules.allowLoopback) return range === "ipv4Mapped" ? undefined : EMBEDDED;
    return inner ?? EMBEDDED;
  }
  return RANGE_PROBLEMS[range] ?? RESERVED;
}

/** The IPv4 address an IPv6 one carries where its form says where (RFC 4291 §2.5.5, RFC 6052 §2.1, RFC 3056 §2). */
function embeddedIpv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | undefined {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = address.parts as [number, number, number, number, number, number, number, number];
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  if (range === "ipv4Mapped" || range === "rfc6145") return v4(g6, g7); // ::ffff:a.b.c.d, ::ffff:0:a.b.c.d
  if (range === "rfc6052") return address.match(NAT64_WELL_KNOWN) ? v4(g6, g7) : undefined; // 64:ff9b::a.b.c.d
  if (range === "6to4") return v4(g1, g2); // 2002:AABB:CCDD::/48
  // The deprecated IPv4-compatible form ::a.b.c.d (RFC 4291 §2.5.5.1): :: and ::1 have their own ranges above.
  if (range === "unicast" && g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4(g6, g7);
  return undefined;
}

/** Whether a URL's hostname (as the WHATWG parser leaves it) is an IP literal rather than a name. */
export function isAddressLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || ipaddr.IPv4.isValidFourPartDecimal(hostname.replace(/\.$/, ""));
}

/** RFC 6761 §6.3: "localhost" and every name under it resolve to loopback, without asking DNS. */
function isLocalhostName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/** Whether a hostname that passed hostProblem is a name whose addresses DNS decides (not a literal, not localhost). */
export function isResolvableName(hostname: string): boolean {
  const host = hostname.replace(/\.$/, "");
  return !isAddressLiteral(host) && !isLocalhostName(host);
}

/**
 * Why a URL's hostname (lower case; IPv4 dotted, however written; IPv6 bracketed) may not be called, or undefined.
 * A name is judged as written here; what it resolves to is judged by the same rules once resolved.
 */
export function hostProblem(hostname: string, rules: AddressRules): string | undefined {
  const host = hostname.replace(/\.$/, "");
  if (isLocalhostName(host)) return rules.allowLoopback ? undefined : LOOPBACK;
  if (METADATA_NAMES.has(host)) return METADATA;
  if (host.startsWith("[")) return addressProblem(host.slice(1, -1), rules);
  if (isAddressLiteral(host)) return addressProblem(host, rules);
  // A name without a dot is completed by the resolver's search list (RFC 1123 §6.1.4.3): `instance-data`,
  // `metadata`, `intranet` reach whatever the network calls them.
  if (!host.includes(".")) return SINGLE_LABEL;
  return undefined;
}
