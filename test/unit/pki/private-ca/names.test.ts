/** normalizeSubjectNames: every kind of name validated and normalized, and every refusal a 400 naming its field. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../../src/core/errors";
import { MAX_NAMES, normalizeSubjectNames, type SubjectNames } from "../../../../src/pki/private-ca/names";

function refusal(input: Partial<SubjectNames>, allowWildcards = false): AppError {
  try {
    normalizeSubjectNames(input, { allowWildcards });
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe("normalizeSubjectNames: accepted and normalized", () => {
  it("lower-cases DNS names, drops a trailing dot and duplicates, converts IDNs to A-labels", () => {
    const names = normalizeSubjectNames(
      { dnsNames: ["API.Corp.Example.", "api.corp.example", "bücher.example", "db"], commonName: " api.corp.example " },
      { allowWildcards: false },
    );
    expect(names).toEqual({
      commonName: "api.corp.example",
      dnsNames: ["api.corp.example", "xn--bcher-kva.example", "db"],
      ipAddresses: [],
      uris: [],
      emails: [],
    });
  });

  it("gives IP addresses in canonical text (RFC 5952 for IPv6)", () => {
    const names = normalizeSubjectNames({ ipAddresses: ["10.0.0.1", "2001:DB8:0:0:0:0:0:1", " 192.168.1.10 "] }, { allowWildcards: false });
    expect(names.ipAddresses).toEqual(["10.0.0.1", "2001:db8::1", "192.168.1.10"]);
  });

  it("keeps absolute URIs (SPIFFE IDs) and emails, the email's domain lower-cased", () => {
    const names = normalizeSubjectNames(
      { uris: ["spiffe://trust.example/ns/prod/sa/api", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"], emails: ["Ops.Team+pki@Corp.Example"] },
      { allowWildcards: false },
    );
    expect(names.uris).toEqual(["spiffe://trust.example/ns/prod/sa/api", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"]);
    expect(names.emails).toEqual(["Ops.Team+pki@corp.example"]);
  });

  it("accepts a wildcard as the whole left-most label only when allowed", () => {
    expect(normalizeSubjectNames({ dnsNames: ["*.A.example"] }, { allowWildcards: true }).dnsNames).toEqual(["*.a.example"]);
  });

  it(`accepts exactly ${MAX_NAMES} names across all kinds`, () => {
    const dnsNames = Array.from({ length: 90 }, (_, i) => `host-${i}.corp.example`);
    const ipAddresses = Array.from({ length: 10 }, (_, i) => `10.0.0.${i}`);
    const names = normalizeSubjectNames({ dnsNames, ipAddresses }, { allowWildcards: false });
    expect(names.dnsNames.length + names.ipAddresses.length).toBe(MAX_NAMES);
  });
});

describe("normalizeSubjectNames: refused with a 400 naming the field", () => {
  const cases: { name: string; input: Partial<SubjectNames>; allowWildcards?: boolean; param: string; message: RegExp }[] = [
    { name: "101 DNS names", input: { dnsNames: Array.from({ length: 101 }, (_, i) => `h${i}.corp.example`) }, param: "dnsNames", message: /at most 100 names/ },
    {
      name: "101 names across kinds",
      input: { dnsNames: Array.from({ length: 60 }, (_, i) => `h${i}.example`), uris: Array.from({ length: 41 }, (_, i) => `spiffe://t.example/${i}`) },
      param: "uris",
      message: /at most 100 names/,
    },
    { name: "a wildcard where forbidden", input: { dnsNames: ["*.corp.example"] }, param: "dnsNames", message: /dnsNames\[0\].*wildcard names are not allowed/ },
    { name: "a wildcard CN where forbidden", input: { commonName: "*.corp.example" }, param: "commonName", message: /wildcard/ },
    { name: "a wildcard inside a label", input: { dnsNames: ["f*o.example"] }, allowWildcards: true, param: "dnsNames", message: /whole left-most label/ },
    { name: "a wildcard not left-most", input: { dnsNames: ["www.*.example"] }, allowWildcards: true, param: "dnsNames", message: /whole left-most label/ },
    { name: "a wildcard over one label", input: { dnsNames: ["*.example"] }, allowWildcards: true, param: "dnsNames", message: /two labels/ },
    { name: "a URL as a DNS name", input: { dnsNames: ["https://corp.example/"] }, param: "dnsNames", message: /bare host name/ },
    { name: "an underscore", input: { dnsNames: ["ok.example", "bad_name.example"] }, param: "dnsNames", message: /dnsNames\[1\].*label "bad_name"/ },
    { name: "a label starting with a hyphen", input: { dnsNames: ["-a.example"] }, param: "dnsNames", message: /hyphen/ },
    { name: "an empty label", input: { dnsNames: ["a..example"] }, param: "dnsNames", message: /label/ },
    { name: "a 64-character label", input: { dnsNames: [`${"a".repeat(64)}.example`] }, param: "dnsNames", message: /1-63/ },
    { name: "a 254-character name", input: { dnsNames: [`${"a.".repeat(126)}ab`] }, param: "dnsNames", message: /longer than 253/ },
    { name: "an IP address as a DNS name", input: { dnsNames: ["10.0.0.1"] }, param: "dnsNames", message: /ipAddresses/ },
    // IPv4 in ipaddr's other forms: one 32-bit hex number, hex parts.
    { name: "a hex IPv4 address as a DNS name", input: { dnsNames: ["0x7F000001"] }, param: "dnsNames", message: /ipAddresses/ },
    { name: "an IPv4 address in hex parts as a DNS name", input: { dnsNames: ["0x7f.0x0.0x0.0x1"] }, param: "dnsNames", message: /ipAddresses/ },
    { name: "a numeric top-level label", input: { dnsNames: ["host.123"] }, param: "dnsNames", message: /numeric/ },
    { name: "an empty DNS name", input: { dnsNames: [" "] }, param: "dnsNames", message: /empty/ },
    { name: "an IP that does not parse", input: { ipAddresses: ["abc"] }, param: "ipAddresses", message: /ipAddresses\[0\]: "abc" is not an IP address/ },
    { name: "an IPv4 octet past 255", input: { ipAddresses: ["10.0.0.256"] }, param: "ipAddresses", message: /not an IP address/ },
    { name: "a short IPv4 form", input: { ipAddresses: ["10.1"] }, param: "ipAddresses", message: /not an IP address/ },
    { name: "a range instead of an address", input: { ipAddresses: ["10.0.0.0/8"] }, param: "ipAddresses", message: /not an IP address/ },
    { name: "an IPv6 zone", input: { ipAddresses: ["fe80::1%eth0"] }, param: "ipAddresses", message: /not an IP address/ },
    { name: "an IPv4-mapped IPv6 address", input: { ipAddresses: ["::ffff:10.0.0.1"] }, param: "ipAddresses", message: /IPv4-mapped/ },
    { name: "a relative URI", input: { uris: ["/ns/prod/sa/api"] }, param: "uris", message: /uris\[0\].*absolute URI/ },
    { name: "a URI with spaces", input: { uris: ["spiffe://t.example/a b"] }, param: "uris", message: /absolute URI/ },
    { name: "a URI with nothing after the scheme", input: { uris: ["spiffe:"] }, param: "uris", message: /absolute URI/ },
    { name: "a non-ASCII URI", input: { uris: ["https://bücher.example/"] }, param: "uris", message: /absolute URI/ },
    { name: "an email without @", input: { emails: ["ops.corp.example"] }, param: "emails", message: /emails\[0\].*not a valid email/ },
    { name: "an email with a bad domain", input: { emails: ["ops@-corp.example"] }, param: "emails", message: /not a valid email/ },
    { name: "an email with two dots in the local part", input: { emails: ["a..b@corp.example"] }, param: "emails", message: /not a valid email/ },
    { name: "a CN over 64 characters", input: { commonName: "a".repeat(65) }, param: "commonName", message: /64/ },
    { name: "a CN with a control character", input: { commonName: "a\u0000b" }, param: "commonName", message: /control/ },
    { name: "a list that is not an array", input: { dnsNames: "a.example" as unknown as string[] }, param: "dnsNames", message: /array/ },
    { name: "an entry that is not a string", input: { ipAddresses: [42 as unknown as string] }, param: "ipAddresses", message: /must be a string/ },
  ];
  for (const { name, input, allowWildcards, param, message } of cases) {
    it(name, () => {
      const error = refusal(input, allowWildcards);
      expect(error.status).toBe(400);
      expect(error.code).toBe("validation_failed");
      expect(error.param).toBe(param);
      expect(error.message).toMatch(message);
    });
  }
});
