/** Validates and normalizes a DNS name a user gives us (RFC 1035 §2.3.1, RFC 5890 for IDNs), and refuses public suffixes as claims. */
import { parse } from "tldts";
import { AppError } from "../core/errors";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Lower-cases, converts an IDN to punycode (via the URL parser), and refuses what is not a plain
 * host name: a scheme, port, path, IP address, empty label, or a wildcard other than a whole
 * left-most label (RFC 6125 §6.4.3; CAs issue only `*.example.com`).
 */
export function normalizeDomain(input: string, param = "domain"): string {
  const fail = (why: string) => new AppError("validation_failed", `${param}: "${truncate(input)}" is not a valid domain name: ${why}`, { param });
  let name = input.trim();
  if (name === "") throw fail("it is empty");
  if (/[/:?#@\\\s]/.test(name)) throw fail("give a bare host name, without scheme, port, path or spaces");
  if (name.endsWith(".")) name = name.slice(0, -1);
  let wildcard = false;
  if (name.startsWith("*.")) {
    wildcard = true;
    name = name.slice(2);
  }
  if (name.includes("*")) throw fail("a wildcard is allowed only as the whole left-most label (*.example.com)");
  // The URL parser would read a numeric last label as an IPv4 address: say what is wrong first.
  if (/\.[0-9]+$/.test(name) && !/^[0-9.]+$/.test(name)) throw fail("the top-level label cannot be numeric");
  let ascii: string;
  try {
    ascii = new URL(`http://${name}`).hostname;
  } catch {
    throw fail("it contains characters not allowed in a host name");
  }
  if (ascii.startsWith("[") || /^[0-9.]+$/.test(ascii)) throw fail("IP addresses are not domain names");
  const labels = ascii.split(".");
  if (labels.length < 2) throw fail("it needs at least two labels (example.com)");
  for (const label of labels) {
    if (!LABEL.test(label)) throw fail(`label "${truncate(label)}" must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw fail("the top-level label cannot be numeric");
  const full = (wildcard ? "*." : "") + ascii;
  if (full.length > 253) throw fail("it is longer than 253 characters");
  return full;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Refuses a public suffix, and a wildcard directly under one, as a name a team may claim. Names under a
 * public suffix belong to different registrants (Public Suffix List, https://publicsuffix.org/list/):
 * one team holding `co.uk` or `*.co.uk` would block every other team from every name under it. Both
 * sections count: ICANN suffixes (`co.uk`, `com.au`) and private ones, where a platform hands names under
 * its domain to its own customers (`github.io`, `s3.amazonaws.com`). `domain` is normalized (punycode).
 */
export function refusePublicSuffix(domain: string, param = "domain"): void {
  const wildcard = domain.startsWith("*.");
  const base = wildcard ? domain.slice(2) : domain;
  const parsed = parse(base, { allowPrivateDomains: true, extractHostname: false });
  // tldts gives no registrable domain exactly when the whole name is a suffix (its default rule "*" makes any unlisted TLD one).
  if (parsed.domain !== null) return;
  const why = wildcard
    ? `it covers every name registered directly under ${base}, a public suffix (Public Suffix List)`
    : "it is a public suffix (Public Suffix List): the names under it belong to different owners";
  throw new AppError("validation_failed", `${param}: "${domain}" cannot be claimed: ${why}; use a name registered under it, like example.${base}`, { param });
}

/** A name a project may claim: a valid host name (normalized) that is not a public suffix. */
export function claimableDomain(input: string, param = "domain"): string {
  const domain = normalizeDomain(input, param);
  refusePublicSuffix(domain, param);
  return domain;
}
