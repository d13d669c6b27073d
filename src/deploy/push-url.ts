/**
 * Where an HTTPS push may go. A team chooses the URL and the Worker calls it, so the URL must not reach the service's
 * own network or a cloud metadata service (OWASP SSRF Prevention Cheat Sheet; Standard Webhooks spec, "Server side
 * request forgery"). Checked on the URL as written: a name that resolves to a private address cannot be seen from a
 * Worker before the fetch, so this is the literal-address half of the defence.
 */

/** The longest URL accepted (the length most HTTP stacks accept in a request line). */
export const MAX_PUSH_URL_LENGTH = 2048;

export interface PushUrlOptions {
  /** Local runs only: `http:` and loopback hosts (127.0.0.0/8, ::1, localhost), where the tests' receivers listen. */
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
  const problem = hostProblem(parsed.hostname);
  if (problem === undefined || (allowInsecure && problem === LOOPBACK)) return undefined;
  return problem;
}

const LOOPBACK = "Must not point at a loopback address or localhost";
const PRIVATE = "Must not point at a private network address";
const LINK_LOCAL = "Must not point at a link-local address";
const SHARED = "Must not point at a shared (carrier-grade NAT) address";
const UNSPECIFIED = "Must not point at an unspecified address";
const MULTICAST = "Must not point at a multicast address";
const RESERVED = "Must not point at a reserved address";
const METADATA = "Must not point at a cloud metadata service";

/** Host names that only ever mean a metadata service (GCP's; the others are reached by the literal addresses below). */
const METADATA_NAMES = new Set(["metadata.google.internal"]);

/** The problem with a URL's hostname as the WHATWG parser leaves it (lower case; IPv4 dotted; IPv6 bracketed, compressed). */
function hostProblem(hostname: string): string | undefined {
  const host = hostname.replace(/\.$/, "");
  // RFC 6761 §6.3: "localhost" and every name under it resolve to loopback.
  if (host === "localhost" || host.endsWith(".localhost")) return LOOPBACK;
  if (METADATA_NAMES.has(host)) return METADATA;
  if (host.startsWith("[")) return ipv6Problem(host.slice(1, -1));
  const v4 = parseIpv4(host);
  return v4 === undefined ? undefined : ipv4Problem(v4);
}

/** Dotted IPv4 as the URL parser normalizes every IPv4 form (hex, octal, shortened) to; undefined for a name. */
function parseIpv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

function ipv4Problem([a, b, c, d]: number[]): string | undefined {
  if (a === undefined || b === undefined || c === undefined || d === undefined) return undefined;
  if (a === 169 && b === 254 && c === 169 && d === 254) return METADATA; // AWS, GCP, Azure instance metadata
  if (a === 0) return UNSPECIFIED; // "this network", RFC 1122 §3.2.1.3
  if (a === 127) return LOOPBACK; // RFC 1122 §3.2.1.3
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return PRIVATE; // RFC 1918
  if (a === 100 && b >= 64 && b <= 127) return SHARED; // RFC 6598
  if (a === 169 && b === 254) return LINK_LOCAL; // RFC 3927
  if (a >= 224 && a <= 239) return MULTICAST; // RFC 5771
  if (a >= 240) return RESERVED; // RFC 1112 §4 (240.0.0.0/4), and 255.255.255.255, RFC 919
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (as the URL parser prints it: compressed, maybe an IPv4 tail). */
function parseIpv6(text: string): number[] | undefined {
  let head = text;
  let tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const octets = parseIpv4(v4[2]!);
    if (!octets) return undefined;
    head = `${v4[1]}0:0`;
    tail = [(octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!];
  }
  const [left, right, ...more] = head.split("::");
  if (more.length > 0 || left === undefined) return undefined;
  const groups = (part: string | undefined) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const l = groups(left);
  const r = groups(right);
  const fill = right === undefined ? 0 : 8 - l.length - r.length;
  const all = [...l, ...new Array<number>(Math.max(fill, 0)).fill(0), ...r];
  if (tail.length) all.splice(6, 2, ...tail);
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : undefined;
}

function ipv6Problem(text: string): string | undefined {
  const g = parseIpv6(text);
  if (!g) return RESERVED; // the parser accepted it, so this does not happen; refuse rather than guess
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroFirst5 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroFirst5 && g5 === 0 && g6 === 0 && g7 === 0) return UNSPECIFIED; // ::, RFC 4291 §2.5.2
  if (zeroFirst5 && g5 === 0 && g6 === 0 && g7 === 1) return LOOPBACK; // ::1, RFC 4291 §2.5.3
  // IPv4-mapped ::ffff:0:0/96 (RFC 4291 §2.5.5.2) and NAT64 64:ff9b::/96 (RFC 6052 §2.1) carry an IPv4 address.
  const embedded = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (zeroFirst5 && g5 === 0xffff) return ipv4Problem(embedded);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4Problem(embedded);
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 0x254) return METADATA; // AWS IMDS over IPv6
  if ((g0 & 0xfe00) === 0xfc00) return PRIVATE; // unique local fc00::/7, RFC 4193
  if ((g0 & 0xffc0) === 0xfec0) return PRIVATE; // site-local fec0::/10, deprecated by RFC 3879 but still private
  if ((g0 & 0xffc0) === 0xfe80) return LINK_LOCAL; // fe80::/10, RFC 4291 §2.5.6
  if ((g0 & 0xff00) === 0xff00) return MULTICAST; // ff00::/8, RFC 4291 §2.7
  return undefined;
}
