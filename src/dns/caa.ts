/**
 * CAA (RFC 8659): the Relevant RRset of a name, looked up over DNS-over-HTTPS (doh.ts), and whether it lets a CA
 * whose directory lists `caaIdentities` (RFC 8555 §7.1.1) issue for that name.
 *
 * The JSON API gives CAA data (type 257) as text. Google (https://developers.google.com/speed/public-dns/docs/doh/json)
 * answers in presentation format, `0 issue "letsencrypt.org"`; Cloudflare
 * (https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/) has answered in
 * the generic form of RFC 3597 §5, `\# 21 00 05 69 73 73 75 65 …`, and is moving to presentation format. Both are read.
 */
import { getPublicSuffix } from "tldts";
import { dohQuery, NOERROR, NXDOMAIN, RR_TYPE } from "./doh";

export const CAA_TYPE = RR_TYPE.CAA;
const QUERY_MS = 5_000;
/** RFC 8659 §4.1: the Issuer Critical flag. */
const CRITICAL = 128;
/** The property tags RFC 8659 §4 defines; a critical property with any other tag forbids issuance (§4.1). */
const KNOWN_TAGS = new Set(["issue", "issuewild", "iodef"]);
/** RFC 8659 §4.1: a tag is letters and digits. */
const TAG = /^[A-Za-z0-9]+$/;

export interface CaaRecord {
  flags: number;
  /** Lower-cased: tags match case-insensitively (RFC 8659 §4.1). */
  tag: string;
  value: string;
}

/** The Relevant RRset (RFC 8659 §3) and the name it was found at. */
export interface RelevantCaa {
  domain: string;
  records: CaaRecord[];
}

export interface CaaLookupOptions {
  /** The DoH JSON endpoint, e.g. https://cloudflare-dns.com/dns-query. */
  resolverUrl: string;
  fetch?: typeof fetch;
  /** Timeout of one query (default 5 s). */
  timeoutMs?: number;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
  /** Answers already fetched, by name: names of one order share parents. */
  cache?: Map<string, Promise<CaaRecord[]>>;
}

export type CaaDecision =
  | { allowed: true; why: "no-caa" | "no-issue-property" | "authorized" | "ca-unknown" }
  | { allowed: false; why: "critical" | "forbids-all" | "other-ca"; message: string };

/** One CAA RDATA as a DoH JSON answer gives it (presentation format or RFC 3597 `\#`); throws when malformed. */
export function parseCaaData(data: string): CaaRecord {
  const text = data.trim();
  const generic = /^\\#\s+(\d+)((?:\s+[0-9a-fA-F]+)*)\s*$/.exec(text);
  if (generic) return fromWire(Number(generic[1]), generic[2]!.replace(/\s+/g, ""));
  const presentation = /^(\d{1,3})\s+(\S+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!presentation) throw new Error(`unreadable CAA data: ${text.slice(0, 80)}`);
  const flags = Number(presentation[1]);
  const tag = presentation[2]!;
  if (flags > 255 || !TAG.test(tag)) throw new Error(`unreadable CAA data: ${text.slice(0, 80)}`);
  return { flags, tag: tag.toLowerCase(), value: characterString(presentation[3] ?? "") };
}

/** RFC 8659 §4.1's wire form: flags octet, tag length octet, tag, value (the rest). */
function fromWire(length: number, hex: string): CaaRecord {
  if (hex.length !== length * 2 || length < 2) throw new Error("CAA data length does not match its RFC 3597 form");
  const bytes = Array.from({ length }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const tagLength = bytes[1]!;
  const tag = String.fromCharCode(...bytes.slice(2, 2 + tagLength));
  if (tagLength < 1 || 2 + tagLength > length || !TAG.test(tag)) throw new Error("CAA data carries no valid tag");
  return { flags: bytes[0]!, tag: tag.toLowerCase(), value: String.fromCharCode(...bytes.slice(2 + tagLength)) };
}

/** An RFC 1035 §5.1 character-string, quoted or not, with `\X` and `\DDD` escapes. */
function characterString(text: string): string {
  const quoted = text.startsWith('"');
  let out = "";
  let i = quoted ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"') {
      if (text.slice(i + 1).trim() !== "") throw new Error("unexpected text after a CAA value");
      return out;
    }
    if (c !== "\\") {
      out += c;
      continue;
    }
    const digits = /^\d{3}/.exec(text.slice(i + 1));
    if (digits) {
      out += String.fromCharCode(Number(digits[0]));
      i += 3;
    } else {
      out += text[++i] ?? "";
    }
  }
  if (quoted) throw new Error("unterminated CAA value");
  return out.trim();
}

/** `0 issue "letsencrypt.org"`: a record as people write it, for messages. */
export function formatCaaRecord(record: CaaRecord): string {
  return `${record.flags} ${record.tag} "${record.value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The CAA RRset at exactly `fqdn` (none for NXDOMAIN); throws when the resolver fails or answers something unreadable. */
export async function lookupCaa(fqdn: string, options: CaaLookupOptions): Promise<CaaRecord[]> {
  const { status, answers } = await dohQuery(fqdn, "CAA", { ...options, timeoutMs: options.timeoutMs ?? QUERY_MS });
  // NXDOMAIN: an empty RRset. SERVFAIL and the rest are failures, left to the CA (RFC 8659 §3 is its to apply).
  if (status !== NOERROR && status !== NXDOMAIN) throw new Error(`resolver returned DNS status ${status}`);
  // A CNAME on the way is followed by the resolver; only the CAA answers count.
  return answers.filter((a) => a.type === CAA_TYPE).map((a) => parseCaaData(a.data));
}

/**
 * Where the Relevant RRset is looked for (RFC 8659 §3): the name (without a wildcard's `*.`), then each parent,
 * stopping below its public suffix (ICANN section of https://publicsuffix.org/list/); the root is never queried.
 */
export function caaSearchNames(name: string): string[] {
  const base = name.trim().toLowerCase().replace(/\.$/, "").replace(/^\*\./, "");
  const suffix = getPublicSuffix(base, { allowPrivateDomains: false });
  const labels = base.split(".");
  const names: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const candidate = labels.slice(i).join(".");
    if (candidate === suffix) break;
    names.push(candidate);
  }
  return names.length > 0 ? names : [base];
}

/** RFC 8659 §3: the first non-empty CAA RRset climbing from `name`, or null when there is none. */
export async function findRelevantCaa(name: string, options: CaaLookupOptions): Promise<RelevantCaa | null> {
  const cache = options.cache ?? new Map<string, Promise<CaaRecord[]>>();
  for (const domain of caaSearchNames(name)) {
    let records = cache.get(domain);
    if (!records) {
      records = lookupCaa(domain, options);
      cache.set(domain, records);
    }
    const found = await records;
    if (found.length > 0) return { domain, records: found };
  }
  return null;
}

/** The issuer-domain-name of an issue/issuewild value: what comes before `;` (parameters are the CA's business). */
function issuerDomain(value: string): string {
  return value.split(";")[0]!.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * Whether the Relevant RRset lets the CA issue for `name` (RFC 8659 §4). `caaIdentities` undefined or empty: the CA
 * did not say who it is (RFC 8555 §7.1.1), so only what forbids every CA refuses.
 */
export function evaluateCaa(name: string, relevant: RelevantCaa | null, caaIdentities: readonly string[] | undefined): CaaDecision {
  if (!relevant) return { allowed: true, why: "no-caa" };
  /** "The CAA record(s) at <domain> (<records>) <verb>", the verb agreeing with the count. */
  const at = (records: CaaRecord[], verb: string) => {
    const many = records.length > 1;
    return `The CAA record${many ? "s" : ""} at ${relevant.domain} (${records.map(formatCaaRecord).join(", ")}) ${many ? verb : `${verb}s`}`;
  };
  // §4.1: a critical property the CA does not understand forbids issuance outright.
  const critical = relevant.records.filter((r) => (r.flags & CRITICAL) !== 0 && !KNOWN_TAGS.has(r.tag));
  if (critical.length > 0) {
    const tags = [...new Set(critical.map((r) => `"${r.tag}"`))].join(", ");
    return { allowed: false, why: "critical", message: `${at(critical, "mark")} the unknown property ${tags} critical, which forbids every CA from issuing for ${name} (RFC 8659 §4.1)` };
  }
  // §4.3: for a wildcard, issuewild properties take precedence over issue ones; for any other name they are ignored.
  const wildcard = name.startsWith("*.");
  const issuewild = relevant.records.filter((r) => r.tag === "issuewild");
  const useWild = wildcard && issuewild.length > 0;
  const governing = useWild ? issuewild : relevant.records.filter((r) => r.tag === "issue");
  if (governing.length === 0) return { allowed: true, why: "no-issue-property" };
  const section = useWild ? "§4.3" : "§4.2";
  const issuers = [...new Set(governing.map((r) => issuerDomain(r.value)).filter((d) => d !== ""))];
  // §4.2: an empty issuer-domain-name (`0 issue ";"`) authorizes no CA.
  if (issuers.length === 0) {
    return { allowed: false, why: "forbids-all", message: `${at(governing, "forbid")} every CA from issuing for ${name} (RFC 8659 ${section})` };
  }
  const identities = (caaIdentities ?? []).map((i) => i.trim().toLowerCase().replace(/\.$/, "")).filter(Boolean);
  if (identities.length === 0) return { allowed: true, why: "ca-unknown" };
  if (issuers.some((d) => identities.includes(d))) return { allowed: true, why: "authorized" };
  return {
    allowed: false,
    why: "other-ca",
    message: `${at(governing, "authorize")} only ${issuers.join(", ")} to issue for ${name}, not this CA (${identities.join(", ")}) (RFC 8659 ${section})`,
  };
}
