/** The names a private-CA leaf certificate carries (RFC 5280 §4.2.1.6 subjectAltName, plus the subject CN), validated. */
import ipaddr from "ipaddr.js";
import { AppError } from "../../core/errors";

export interface SubjectNames {
  commonName?: string;
  /** Lowercase A-labels, no trailing dot; "*.x.example" only where the caller allows wildcards. */
  dnsNames: string[];
  /** Canonical text: dotted quad for IPv4, RFC 5952 compressed form for IPv6. */
  ipAddresses: string[];
  /** Absolute URIs, e.g. spiffe://trust.example/ns/prod/sa/api. */
  uris: string[];
  emails: string[];
}

/** Names per certificate, all kinds together (Let's Encrypt's limit too); it also bounds the work per request. */
export const MAX_NAMES = 100;
/** RFC 5280 Appendix A ub-common-name. */
const MAX_COMMON_NAME = 64;
/** RFC 1035 §2.3.4 (255 octets on the wire, 253 as text). */
const MAX_DNS_NAME = 253;
/** Long enough for any SPIFFE ID or URL a certificate should carry; bounds hostile input. */
const MAX_URI = 2048;
/** RFC 5321 §4.5.3.1.3 path limit, minus the angle brackets. */
const MAX_EMAIL = 254;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** RFC 5321 §4.1.2 Dot-string: atoms of atext separated by single dots (no quoted local parts). */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** RFC 3986 §3.1 scheme, then a non-empty scheme-specific part (RFC 5280 §4.2.1.6: no relative references). */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;
const CONTROL_OR_NON_ASCII = /[^\x20-\x7e]/;

const LIST_FIELDS = ["dnsNames", "ipAddresses", "uris", "emails"] as const;

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function invalid(param: string, message: string): AppError {
  return new AppError("validation_failed", message, { param });
}

/**
 * A DNS name as a certificate carries it (RFC 5280 §4.2.1.6 dNSName: RFC 1034 preferred syntax in A-labels): lower-cased,
 * IDNs converted to punycode, one trailing dot dropped. A wildcard is only the whole left-most label with at least two
 * labels after it (RFC 6125 §6.4.3, CA/B BR §3.2.2.6). Single-label names ("db", "localhost") are allowed: a private
 * CA names internal hosts. Returns the reason as a string instead of the name when it is not valid.
 */
export function checkDnsName(input: string, options: { allowWildcards: boolean }): { name: string } | { why: string } {
  let name = input.trim().toLowerCase();
  if (name === "") return { why: "it is empty" };
  if (name.length > MAX_DNS_NAME + 3) return { why: `it is longer than ${MAX_DNS_NAME} characters` };
  if (/[/:?#@\\\s[\]%]/.test(name)) return { why: "give a bare host name, without scheme, port, path or spaces" };
  if (name.endsWith(".")) name = name.slice(0, -1);
  let wildcard = false;
  if (name.startsWith("*.")) {
    if (!options.allowWildcards) return { why: "wildcard names are not allowed here" };
    wildcard = true;
    name = name.slice(2);
  }
  if (name.includes("*")) return { why: "a wildcard is allowed only as the whole left-most label (*.example.com)" };
  // ipaddr's IPv4 forms (hex, octal, fewer parts) use only these characters, and an IPv6 address has a ":", refused
  // above: a cheap test first spares every ordinary name ipaddr's parsers (a few % of an ACME order's CPU).
  if (/^[0-9.]+$/.test(name) || (/^[0-9a-fx.]+$/.test(name) && ipaddr.isValid(name))) return { why: "IP addresses go in ipAddresses, not dnsNames" };
  if (/\.[0-9]+$/.test(name)) return { why: "the top-level label cannot be numeric" };
  let ascii = name;
  if (CONTROL_OR_NON_ASCII.test(name)) {
    // An IDN: the URL parser applies UTS #46 and gives the A-label form that dNSName requires (RFC 5280 §7.2).
    try {
      ascii = new URL(`http://${name}`).hostname;
    } catch {
      return { why: "it contains characters not allowed in a host name" };
    }
  }
  const labels = ascii.split(".");
  for (const label of labels) {
    if (!LABEL.test(label)) {
      return { why: `label "${shorten(label)}" must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen` };
    }
  }
  if (wildcard && labels.length < 2) return { why: "a wildcard needs at least two labels after it (*.example.com)" };
  const full = (wildcard ? "*." : "") + ascii;
  if (full.length > MAX_DNS_NAME) return { why: `it is longer than ${MAX_DNS_NAME} characters` };
  return { name: full };
}

/** One IP address (no range, no zone) in canonical text; null when it does not parse. Dotted quads only, no "10.1". */
export function parseIpAddress(input: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const text = input.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(":") && !text.includes("%") && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return null;
}

function normalizeCommonName(input: unknown, allowWildcards: boolean): string | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input !== "string") throw invalid("commonName", "commonName must be a string");
  const name = input.trim();
  if (name === "") return undefined;
  if (name.length > MAX_COMMON_NAME) {
    throw invalid("commonName", `commonName is longer than ${MAX_COMMON_NAME} characters (RFC 5280 ub-common-name); put long names in dnsNames`);
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid("commonName", "commonName contains control characters");
  if (!allowWildcards && name.includes("*")) throw invalid("commonName", `commonName "${shorten(name)}": wildcard names are not allowed here`);
  return name;
}

function normalizeEntry(field: (typeof LIST_FIELDS)[number], index: number, raw: string, allowWildcards: boolean): string {
  const where = `${field}[${index}]: "${shorten(raw)}"`;
  switch (field) {
    case "dnsNames": {
      const checked = checkDnsName(raw, { allowWildcards });
      if ("why" in checked) throw invalid(field, `${where} is not a valid DNS name: ${checked.why}`);
      return checked.name;
    }
    case "ipAddresses": {
      const address = parseIpAddress(raw);
      if (!address) throw invalid(field, `${where} is not an IP address (give one IPv4 dotted quad or IPv6 address, no range or zone)`);
      // RFC 5280 §4.2.1.6 encodes it as 16 octets, which IPv4 name constraints never match: ask for the IPv4 form.
      if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
        throw invalid(field, `${where} is an IPv4-mapped IPv6 address: give the IPv4 address itself`);
      }
      return address.toString();
    }
    case "uris": {
      const uri = raw.trim();
      if (uri.length > MAX_URI) throw invalid(field, `${where} is longer than ${MAX_URI} characters`);
      // IA5String (RFC 5280 §4.2.1.6): ASCII only; IRIs must be percent-encoded first (RFC 3987 §3.1).
      if (CONTROL_OR_NON_ASCII.test(uri) || !ABSOLUTE_URI.test(uri)) {
        throw invalid(field, `${where} is not an absolute URI (scheme:rest, ASCII, no spaces), as RFC 5280 §4.2.1.6 requires`);
      }
      return uri;
    }
    case "emails": {
      const email = raw.trim();
      const at = email.lastIndexOf("@");
      const local = email.slice(0, at);
      const domain = at > 0 ? checkDnsName(email.slice(at + 1), { allowWildcards: false }) : null;
      // RFC 5280 §4.2.1.6 rfc822Name is an RFC 5321 Mailbox: local-part@domain, ASCII.
      if (email.length > MAX_EMAIL || at <= 0 || local.length > 64 || !LOCAL_PART.test(local) || !domain || "why" in domain) {
        throw invalid(field, `${where} is not a valid email address (local-part@domain, ASCII)`);
      }
      return `${local}@${domain.name}`;
    }
  }
}

/**
 * Validates and normalizes the names of a leaf certificate: at most MAX_NAMES in all, each one valid for its kind,
 * duplicates dropped. Every refusal is a 400 whose `param` is the field and whose message names the entry.
 */
export function normalizeSubjectNames(input: Partial<SubjectNames>, options: { allowWildcards: boolean }): SubjectNames {
  let total = 0;
  for (const field of LIST_FIELDS) {
    const list: unknown = input[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw invalid(field, `${field} must be an array of strings`);
    total += list.length;
    // Checked before any entry is parsed: a huge list costs nothing.
    if (total > MAX_NAMES) throw invalid(field, `a certificate holds at most ${MAX_NAMES} names (dnsNames, ipAddresses, uris and emails together)`);
  }
  const names: SubjectNames = { dnsNames: [], ipAddresses: [], uris: [], emails: [] };
  const commonName = normalizeCommonName(input.commonName, options.allowWildcards);
  if (commonName !== undefined) names.commonName = commonName;
  for (const field of LIST_FIELDS) {
    const seen = new Set<string>();
    (input[field] ?? []).forEach((raw: unknown, index: number) => {
      if (typeof raw !== "string") throw invalid(field, `${field}[${index}] must be a string`);
      const name = normalizeEntry(field, index, raw, options.allowWildcards);
      if (!seen.has(name)) seen.add(name);
    });
    names[field] = [...seen];
  }
  return names;
}
