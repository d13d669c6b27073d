import { describe, expect, it } from "vitest";
import { linksWithRel, parseLinkHeader } from "../../../src/acme/link-header";

const BASE = "https://ca.test/cert/abc";

describe("parseLinkHeader (RFC 8288 §3)", () => {
  const cases: { name: string; value: string | null; want: { url: string; rel: string[]; params?: Record<string, string> }[] }[] = [
    { name: "absent", value: null, want: [] },
    { name: "one alternate", value: '<https://ca.test/cert/abc/1>;rel="alternate"', want: [{ url: "https://ca.test/cert/abc/1", rel: ["alternate"] }] },
    {
      name: "two links joined by Headers.get",
      value: '<https://ca.test/cert/abc/1>;rel="alternate", <https://ca.test/dir>;rel="index"',
      want: [
        { url: "https://ca.test/cert/abc/1", rel: ["alternate"] },
        { url: "https://ca.test/dir", rel: ["index"] },
      ],
    },
    { name: "unquoted rel and spaces", value: "<https://ca.test/dir> ; rel=index", want: [{ url: "https://ca.test/dir", rel: ["index"] }] },
    { name: "relative target resolves against the response URL", value: '</cert/abc/2>; rel="alternate"', want: [{ url: "https://ca.test/cert/abc/2", rel: ["alternate"] }] },
    { name: "several rels in one", value: '<https://ca.test/x>; rel="up alternate"', want: [{ url: "https://ca.test/x", rel: ["up", "alternate"] }] },
    { name: "comma inside the URL", value: '<https://ca.test/a,b>;rel="alternate"', want: [{ url: "https://ca.test/a,b", rel: ["alternate"] }] },
    {
      name: "quoted param with comma and semicolon",
      value: '<https://ca.test/a>; title="x, y; z"; rel="alternate", <https://ca.test/b>; rel=up',
      want: [
        { url: "https://ca.test/a", rel: ["alternate"], params: { title: "x, y; z" } },
        { url: "https://ca.test/b", rel: ["up"] },
      ],
    },
    { name: "only the first rel counts", value: '<https://ca.test/a>; rel="up"; rel="alternate"', want: [{ url: "https://ca.test/a", rel: ["up"] }] },
    { name: "rel is case-insensitive", value: '<https://ca.test/a>; REL="Alternate"', want: [{ url: "https://ca.test/a", rel: ["alternate"] }] },
    { name: "garbage before a good link is skipped", value: 'nonsense, <https://ca.test/a>; rel="up"', want: [{ url: "https://ca.test/a", rel: ["up"] }] },
    { name: "unterminated target", value: '<https://ca.test/a; rel="up"', want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = parseLinkHeader(c.value, BASE).map((l) => ({ url: l.url, rel: l.rel, ...(Object.keys(l.params).length ? { params: l.params } : {}) }));
      expect(got).toEqual(c.want);
    });
  }

  it("linksWithRel picks alternates from repeated Link headers", () => {
    const headers = new Headers();
    headers.append("link", '<https://ca.test/dir>;rel="index"');
    headers.append("link", '<https://ca.test/cert/abc/1>;rel="alternate"');
    headers.append("link", '<https://ca.test/cert/abc/2>;rel="alternate"');
    expect(linksWithRel(headers, "alternate", BASE)).toEqual(["https://ca.test/cert/abc/1", "https://ca.test/cert/abc/2"]);
    expect(linksWithRel(headers, "up", BASE)).toEqual([]);
  });
});
