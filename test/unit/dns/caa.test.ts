/** CAA (RFC 8659) over a fake DoH JSON resolver: reading the data forms, climbing to the Relevant RRset, and the decision. */
import { describe, expect, it } from "vitest";
import { caaSearchNames, evaluateCaa, findRelevantCaa, formatCaaRecord, lookupCaa, parseCaaData, type CaaRecord } from "../../../src/dns/caa";

const RESOLVER = "https://dns.google/resolve";
const LE = ["letsencrypt.org"];

/** A DoH JSON resolver answering CAA from `zone` (raw `data` strings, either form); other names are empty (NOERROR). */
function caaResolver(zone: Record<string, string[] | "servfail" | "nxdomain" | "http503">) {
  const requests: string[] = [];
  const fetchFake: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const name = url.searchParams.get("name") ?? "";
    requests.push(`${url.searchParams.get("type")} ${name}`);
    if (new Headers(init?.headers).get("accept") !== "application/dns-json") return new Response("Bad Request", { status: 400 });
    const entry = zone[name] ?? [];
    if (entry === "http503") return new Response("unavailable", { status: 503 });
    if (entry === "servfail") return Response.json({ Status: 2 });
    if (entry === "nxdomain") return Response.json({ Status: 3 });
    const answer = entry.map((data) => ({ name: `${name}.`, type: 257, TTL: 300, data }));
    return Response.json({ Status: 0, Question: [{ name: `${name}.`, type: 257 }], ...(answer.length ? { Answer: answer } : {}) });
  };
  return { fetch: fetchFake, requests, options: { resolverUrl: RESOLVER, fetch: fetchFake } };
}

/** `\# len hex` (RFC 3597 §5) of a CAA record, as Cloudflare's JSON API has served it. */
function generic(flags: number, tag: string, value: string): string {
  const bytes = [flags, tag.length, ...[...tag, ...value].map((c) => c.charCodeAt(0))];
  return `\\# ${bytes.length} ${bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")}`;
}

describe("parseCaaData", () => {
  it.each<[string, string, CaaRecord]>([
    ["presentation (Google)", '0 issue "letsencrypt.org"', { flags: 0, tag: "issue", value: "letsencrypt.org" }],
    ["RFC 3597 generic form (Cloudflare)", generic(0, "issue", "globalsign.com"), { flags: 0, tag: "issue", value: "globalsign.com" }],
    ["generic form, hex not spaced", "\\# 8 000569737375653b", { flags: 0, tag: "issue", value: ";" }],
    ["the critical flag", '128 tbs "Unknown"', { flags: 128, tag: "tbs", value: "Unknown" }],
    ["an upper-case tag", '0 ISSUE "ca.example"', { flags: 0, tag: "issue", value: "ca.example" }],
    ["escaped quotes and \\DDD", '0 iodef "a\\"b\\059c"', { flags: 0, tag: "iodef", value: 'a"b;c' }],
    ["an unquoted value", "0 issue letsencrypt.org", { flags: 0, tag: "issue", value: "letsencrypt.org" }],
    ["an empty issuer", '0 issue ";"', { flags: 0, tag: "issue", value: ";" }],
    ["parameters kept in the value", '0 issue "ca.example; accounturi=https://ca.example/acct/1"', { flags: 0, tag: "issue", value: "ca.example; accounturi=https://ca.example/acct/1" }],
  ])("reads %s", (_, data, want) => {
    expect(parseCaaData(data)).toEqual(want);
  });

  it.each([
    ["a length that does not match", "\\# 9 00 05 69 73 73 75 65"],
    ["a tag longer than the data", "\\# 3 00 05 69"],
    ["no tag", "\\# 2 00 00"],
    ["a flags value over 255", '256 issue "x"'],
    ["a tag with punctuation", '0 iss-ue "x"'],
    ["an unterminated value", '0 issue "x'],
    ["text that is no record", "letsencrypt.org"],
  ])("refuses %s", (_, data) => {
    expect(() => parseCaaData(data)).toThrow();
  });

  it("formats a record as people write it", () => {
    expect(formatCaaRecord({ flags: 0, tag: "issue", value: 'a"b' })).toBe('0 issue "a\\"b"');
  });
});

describe("caaSearchNames (RFC 8659 §3, stopping below the public suffix)", () => {
  it.each([
    ["www.a.example.com", ["www.a.example.com", "a.example.com", "example.com"]],
    ["*.a.example.com", ["a.example.com", "example.com"]],
    ["WWW.Example.COM.", ["www.example.com", "example.com"]],
    ["shop.example.co.uk", ["shop.example.co.uk", "example.co.uk"]],
    // Private suffixes are climbed past: the platform's own CAA governs its customers' names.
    ["me.github.io", ["me.github.io", "github.io"]],
    ["e2e-1.certdesk.test", ["e2e-1.certdesk.test", "certdesk.test"]],
  ])("%s → %j", (name, want) => {
    expect(caaSearchNames(name)).toEqual(want);
  });
});

describe("lookupCaa and findRelevantCaa", () => {
  it("asks the JSON API for type CAA and climbs to the first non-empty RRset", async () => {
    const doh = caaResolver({ "example.com": ['0 issue "letsencrypt.org"'], "a.example.com": "nxdomain" });
    const relevant = await findRelevantCaa("www.a.example.com", doh.options);
    expect(relevant).toEqual({ domain: "example.com", records: [{ flags: 0, tag: "issue", value: "letsencrypt.org" }] });
    expect(doh.requests).toEqual(["CAA www.a.example.com", "CAA a.example.com", "CAA example.com"]);
  });

  it("stops at the name itself when it has CAA (a parent's is never read)", async () => {
    const doh = caaResolver({ "a.example.com": ['0 issue "ca.example"'], "example.com": ['0 issue ";"'] });
    expect((await findRelevantCaa("a.example.com", doh.options))?.domain).toBe("a.example.com");
    expect(doh.requests).toEqual(["CAA a.example.com"]);
  });

  it("finds nothing when no name up to the registrable domain has CAA", async () => {
    const doh = caaResolver({});
    expect(await findRelevantCaa("www.example.com", doh.options)).toBeNull();
    expect(doh.requests).toEqual(["CAA www.example.com", "CAA example.com"]);
  });

  it("shares answers between names through the cache", async () => {
    const doh = caaResolver({ "example.com": ['0 issue "letsencrypt.org"'] });
    const cache = new Map();
    await findRelevantCaa("a.example.com", { ...doh.options, cache });
    await findRelevantCaa("b.example.com", { ...doh.options, cache });
    expect(doh.requests).toEqual(["CAA a.example.com", "CAA example.com", "CAA b.example.com"]);
  });

  it("keeps only CAA answers (a CNAME on the way is the resolver's to follow)", async () => {
    const fetchJson: typeof fetch = async () =>
      Response.json({
        Status: 0,
        Answer: [
          { name: "www.example.com.", type: 5, data: "cdn.example.net." },
          { name: "cdn.example.net.", type: 257, data: '0 issue "ca.example"' },
        ],
      });
    expect(await lookupCaa("www.example.com", { resolverUrl: RESOLVER, fetch: fetchJson })).toEqual([{ flags: 0, tag: "issue", value: "ca.example" }]);
  });

  it.each([
    ["SERVFAIL", "servfail" as const, /DNS status 2/],
    ["an HTTP error", "http503" as const, /HTTP 503/],
  ])("throws on %s (the caller decides what a failed lookup means)", async (_, entry, message) => {
    const doh = caaResolver({ "example.com": entry });
    await expect(findRelevantCaa("www.example.com", doh.options)).rejects.toThrow(message);
  });

  it("throws on data it cannot read rather than guess", async () => {
    const doh = caaResolver({ "example.com": ["\\# 9 00 05"] });
    await expect(findRelevantCaa("example.com", doh.options)).rejects.toThrow(/RFC 3597/);
  });
});

describe("evaluateCaa over the Relevant RRset (RFC 8659 §4)", () => {
  interface Case {
    what: string;
    zone: Record<string, string[]>;
    name: string;
    identities?: string[];
    allowed: boolean;
    why: string;
    message?: RegExp;
  }
  const cases: Case[] = [
    { what: "no CAA anywhere", zone: {}, name: "www.example.com", identities: LE, allowed: true, why: "no-caa" },
    { what: "issue names the CA", zone: { "example.com": ['0 issue "letsencrypt.org"'] }, name: "www.example.com", identities: LE, allowed: true, why: "authorized" },
    {
      what: "issue names another CA (climbed from the name)",
      zone: { "example.com": ['0 issue "ca.example"'] },
      name: "www.a.example.com",
      identities: LE,
      allowed: false,
      why: "other-ca",
      message: /^The CAA record at example\.com \(0 issue "ca\.example"\) authorizes only ca\.example to issue for www\.a\.example\.com, not this CA \(letsencrypt\.org\) \(RFC 8659 §4\.2\)$/,
    },
    { what: "one of several issue records names the CA", zone: { "example.com": ['0 issue "ca.example"', '0 issue "letsencrypt.org"'] }, name: "example.com", identities: LE, allowed: true, why: "authorized" },
    { what: "the issuer domain in another case", zone: { "example.com": ['0 issue "LetsEncrypt.ORG"'] }, name: "example.com", identities: ["letsencrypt.org"], allowed: true, why: "authorized" },
    { what: "a caaIdentities entry in another case", zone: { "example.com": ['0 issue "letsencrypt.org"'] }, name: "example.com", identities: ["LETSENCRYPT.org"], allowed: true, why: "authorized" },
    { what: "any of the CA's identities", zone: { "example.com": ['0 issue "le.example"'] }, name: "example.com", identities: ["letsencrypt.org", "le.example"], allowed: true, why: "authorized" },
    { what: "parameters after ';' (RFC 8657) are not part of the issuer", zone: { "example.com": ['0 issue "letsencrypt.org; validationmethods=dns-01; accounturi=https://x/1"'] }, name: "example.com", identities: LE, allowed: true, why: "authorized" },
    { what: "the generic form", zone: { "example.com": [generic(0, "issue", "letsencrypt.org")] }, name: "example.com", identities: LE, allowed: true, why: "authorized" },
    {
      what: "an empty issuer forbids every CA",
      zone: { "example.com": ['0 issue ";"'] },
      name: "example.com",
      identities: LE,
      allowed: false,
      why: "forbids-all",
      message: /^The CAA record at example\.com \(0 issue ";"\) forbids every CA from issuing for example\.com \(RFC 8659 §4\.2\)$/,
    },
    { what: "an empty issuer, even when the CA did not say who it is", zone: { "example.com": ['0 issue ";"'] }, name: "www.example.com", allowed: false, why: "forbids-all" },
    { what: "an empty issuer with parameters", zone: { "example.com": ['0 issue "; foo=bar"'] }, name: "example.com", allowed: false, why: "forbids-all" },
    { what: "another CA when the CA did not say who it is (cannot know)", zone: { "example.com": ['0 issue "ca.example"'] }, name: "example.com", allowed: true, why: "ca-unknown" },
    { what: "another CA when caaIdentities is empty", zone: { "example.com": ['0 issue "ca.example"'] }, name: "example.com", identities: [], allowed: true, why: "ca-unknown" },
    { what: "an empty issuer beside another CA, the CA unknown", zone: { "example.com": ['0 issue ";"', '0 issue "ca.example"'] }, name: "example.com", allowed: true, why: "ca-unknown" },
    {
      what: "a critical property with an unknown tag",
      zone: { "example.com": ['0 issue "letsencrypt.org"', '128 tbs "Unknown"'] },
      name: "example.com",
      identities: LE,
      allowed: false,
      why: "critical",
      message: /^The CAA record at example\.com \(128 tbs "Unknown"\) marks the unknown property "tbs" critical, which forbids every CA from issuing for example\.com \(RFC 8659 §4\.1\)$/,
    },
    { what: "a critical unknown tag, the CA unknown", zone: { "example.com": ['128 tbs "Unknown"'] }, name: "example.com", allowed: false, why: "critical" },
    { what: "a critical unknown tag in the generic form", zone: { "example.com": [generic(128, "future", "x")] }, name: "example.com", identities: LE, allowed: false, why: "critical" },
    { what: "a critical known tag", zone: { "example.com": ['128 issue "letsencrypt.org"'] }, name: "example.com", identities: LE, allowed: true, why: "authorized" },
    { what: "other flag bits are ignored", zone: { "example.com": ['1 tbs "x"'] }, name: "example.com", identities: LE, allowed: true, why: "no-issue-property" },
    { what: "only iodef: no restriction", zone: { "example.com": ['0 iodef "mailto:sec@example.com"'] }, name: "example.com", identities: LE, allowed: true, why: "no-issue-property" },
    { what: "an upper-case tag still counts", zone: { "example.com": ['0 ISSUE "ca.example"'] }, name: "example.com", identities: LE, allowed: false, why: "other-ca" },
    // §4.3: issuewild governs wildcards when present, and is ignored for other names.
    {
      what: "issuewild forbids a wildcard that issue allows",
      zone: { "example.com": ['0 issue "letsencrypt.org"', '0 issuewild ";"'] },
      name: "*.example.com",
      identities: LE,
      allowed: false,
      why: "forbids-all",
      message: /^The CAA record at example\.com \(0 issuewild ";"\) forbids every CA from issuing for \*\.example\.com \(RFC 8659 §4\.3\)$/,
    },
    { what: "issuewild does not govern the non-wildcard name", zone: { "example.com": ['0 issue "letsencrypt.org"', '0 issuewild ";"'] }, name: "example.com", identities: LE, allowed: true, why: "authorized" },
    { what: "issuewild allows a wildcard that issue does not", zone: { "example.com": ['0 issue ";"', '0 issuewild "letsencrypt.org"'] }, name: "*.example.com", identities: LE, allowed: true, why: "authorized" },
    { what: "a wildcard without issuewild falls back to issue", zone: { "example.com": ['0 issue "ca.example"'] }, name: "*.example.com", identities: LE, allowed: false, why: "other-ca" },
    { what: "only issuewild, for a non-wildcard name: no restriction", zone: { "example.com": ['0 issuewild "ca.example"'] }, name: "www.example.com", identities: LE, allowed: true, why: "no-issue-property" },
    { what: "a wildcard's RRset is its base name's", zone: { "a.example.com": ['0 issue ";"'] }, name: "*.a.example.com", identities: LE, allowed: false, why: "forbids-all" },
  ];

  it.each(cases)("$what", async ({ zone, name, identities, allowed, why, message }) => {
    const doh = caaResolver(zone);
    const decision = evaluateCaa(name, await findRelevantCaa(name, doh.options), identities);
    expect(decision.allowed).toBe(allowed);
    expect(decision.why).toBe(why);
    if (message) expect(decision.allowed ? "" : decision.message).toMatch(message);
  });

  it("names every governing record and every identity of the CA", () => {
    const relevant = { domain: "example.com", records: parseAll(['0 issue "a.example"', '0 issue "b.example; x=y"', '0 iodef "mailto:x@example.com"']) };
    const decision = evaluateCaa("example.com", relevant, ["letsencrypt.org", "le.example"]);
    expect(decision).toMatchObject({ allowed: false, why: "other-ca" });
    expect(decision.allowed ? "" : decision.message).toBe(
      'The CAA records at example.com (0 issue "a.example", 0 issue "b.example; x=y") authorize only a.example, b.example to issue for example.com, not this CA (letsencrypt.org, le.example) (RFC 8659 §4.2)',
    );
  });
});

function parseAll(data: string[]): CaaRecord[] {
  return data.map(parseCaaData);
}
