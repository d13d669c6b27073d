/** Name, TXT-quoting and XML helpers of the DNS layer (table-driven). */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { KeyedLock } from "../../../src/dns/keyed-lock";
import { challengeRecordName, normalizeFqdn, relativeName, zoneCandidates } from "../../../src/dns/names";
import { quoteTxt, txtMatches, unquoteTxt } from "../../../src/dns/txt";
import { escapeXml, unescapeXml, xmlElements, xmlText } from "../../../src/dns/xml";

describe("challengeRecordName (RFC 8555 §8.4)", () => {
  it.each([
    { domain: "example.com", want: "_acme-challenge.example.com" },
    { domain: "*.example.com", want: "_acme-challenge.example.com" },
    { domain: "api.Example.COM.", want: "_acme-challenge.api.example.com" },
    { domain: "*.a.b.example.com", want: "_acme-challenge.a.b.example.com" },
  ])("$domain → $want", ({ domain, want }) => {
    expect(challengeRecordName(domain)).toBe(want);
  });
});

describe("normalizeFqdn", () => {
  it.each(["_acme-challenge.EXAMPLE.com.", " _acme-challenge.example.com "])("normalizes %j", (name) => {
    expect(normalizeFqdn(name)).toBe("_acme-challenge.example.com");
  });
  it.each(["", "localhost", "a..b", "bad name.com", "-x.example.com", `${"a".repeat(64)}.com`, "x/y.com"])("rejects %j", (name) => {
    expect(() => normalizeFqdn(name)).toThrow(AppError);
  });
});

describe("zoneCandidates", () => {
  it("walks up from the full name to two labels", () => {
    expect(zoneCandidates("_acme-challenge.a.b.example.com")).toEqual([
      "_acme-challenge.a.b.example.com",
      "a.b.example.com",
      "b.example.com",
      "example.com",
    ]);
    expect(zoneCandidates("example.com.")).toEqual(["example.com"]);
  });
});

describe("relativeName", () => {
  it.each([
    { fqdn: "_acme-challenge.www.example.com", zone: "example.com", want: "_acme-challenge.www" },
    { fqdn: "example.com", zone: "example.com", want: "@" },
  ])("$fqdn in $zone → $want", ({ fqdn, zone, want }) => {
    expect(relativeName(fqdn, zone)).toBe(want);
  });
  it("refuses a name outside the zone", () => {
    expect(() => relativeName("_acme-challenge.example.org", "example.com")).toThrow(AppError);
  });
});

describe("TXT presentation", () => {
  it.each([
    { data: '"abc"', want: "abc" },
    { data: "abc", want: "abc" },
    { data: '"ab" "cd"', want: "abcd" },
    { data: '"a\\"b\\\\c"', want: 'a"b\\c' },
    { data: '"caf\\195\\169"', want: "caf\u00c3\u00a9" },
    { data: ' "x" ', want: "x" },
    { data: '""', want: "" },
  ])("unquoteTxt($data) → $want", ({ data, want }) => {
    expect(unquoteTxt(data)).toBe(want);
  });

  it("quotes and round-trips", () => {
    for (const value of ["evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", 'with "quotes" and \\', "v=spf1 -all"]) {
      expect(unquoteTxt(quoteTxt(value))).toBe(value);
      expect(txtMatches(quoteTxt(value), value)).toBe(true);
      expect(txtMatches(value, value)).toBe(true);
    }
    expect(quoteTxt('a"b')).toBe('"a\\"b"');
    expect(txtMatches('"abc"', "abd")).toBe(false);
  });
});

describe("XML helpers", () => {
  const doc =
    '<?xml version="1.0"?><ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">' +
    "<ResourceRecordSets><ResourceRecordSet><Name>a.example.com.</Name><Type>TXT</Type><TTL>60</TTL>" +
    '<ResourceRecords><ResourceRecord><Value>"one"</Value></ResourceRecord><ResourceRecord><Value>&quot;two &amp; three&quot;</Value></ResourceRecord></ResourceRecords>' +
    "</ResourceRecordSet><ResourceRecordSet><Name>b.example.com.</Name><Type>TXT</Type><ResourceRecords/></ResourceRecordSet></ResourceRecordSets>" +
    "<IsTruncated>false</IsTruncated></ListResourceRecordSetsResponse>";

  it("finds elements by exact tag name", () => {
    const sets = xmlElements(doc, "ResourceRecordSet");
    expect(sets).toHaveLength(2);
    expect(xmlElements(sets[0]!, "Value").map(unescapeXml)).toEqual(['"one"', '"two & three"']);
    expect(xmlText(sets[1]!, "Name")).toBe("b.example.com.");
    expect(xmlElements(sets[1]!, "ResourceRecords")).toEqual([""]);
    expect(xmlText(doc, "IsTruncated")).toBe("false");
    expect(xmlText(doc, "Missing")).toBeUndefined();
  });

  it("escapes and unescapes text", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    expect(unescapeXml(escapeXml(`<"&'>`))).toBe(`<"&'>`);
    expect(unescapeXml("&#65;&#x42;")).toBe("AB");
  });
});

describe("KeyedLock", () => {
  it("runs tasks with the same key one after another and keeps going after a failure", async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const step = (label: string, ms: number, fail = false) => async () => {
      order.push(`start ${label}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      order.push(`end ${label}`);
      if (fail) throw new Error(label);
      return label;
    };
    const results = await Promise.allSettled([
      lock.run("k", step("a", 20, true)),
      lock.run("k", step("b", 1)),
      lock.run("other", step("c", 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(order.indexOf("start b")).toBeGreaterThan(order.indexOf("end a"));
    expect(order.indexOf("start c")).toBeLessThan(order.indexOf("end a"));
  });
});
