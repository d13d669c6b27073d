import { describe, expect, it } from "vitest";
import { coversName, normalizeDnsName } from "../../../src/pki";

describe("coversName (RFC 6125 §6.4)", () => {
  const cases: { name: string; certNames: string[]; host: string; want: boolean }[] = [
    { name: "exact match", certNames: ["example.com"], host: "example.com", want: true },
    { name: "case-insensitive host", certNames: ["example.com"], host: "EXAMPLE.Com", want: true },
    { name: "case-insensitive presented name", certNames: ["WWW.Example.COM"], host: "www.example.com", want: true },
    { name: "trailing dot on the host", certNames: ["example.com"], host: "example.com.", want: true },
    { name: "second name in the list", certNames: ["a.example.com", "b.example.com"], host: "b.example.com", want: true },
    { name: "different name", certNames: ["example.com"], host: "example.org", want: false },
    { name: "suffix is not a match", certNames: ["example.com"], host: "www.example.com", want: false },
    { name: "prefix trick is not a match", certNames: ["example.com"], host: "badexample.com", want: false },
    { name: "wildcard covers one label", certNames: ["*.example.com"], host: "api.example.com", want: true },
    { name: "wildcard is case-insensitive", certNames: ["*.Example.com"], host: "API.example.COM", want: true },
    { name: "wildcard does not cover the apex", certNames: ["*.example.com"], host: "example.com", want: false },
    { name: "wildcard does not cover two labels", certNames: ["*.example.com"], host: "a.b.example.com", want: false },
    { name: "wildcard does not cover another domain", certNames: ["*.example.com"], host: "api.example.org", want: false },
    { name: "partial wildcard f*o is refused", certNames: ["f*o.example.com"], host: "foo.example.com", want: false },
    { name: "partial wildcard *o is refused", certNames: ["*o.example.com"], host: "foo.example.com", want: false },
    { name: "partial wildcard f* is refused", certNames: ["f*.example.com"], host: "foo.example.com", want: false },
    { name: "wildcard not left-most is refused", certNames: ["www.*.example.com"], host: "www.api.example.com", want: false },
    { name: "two wildcards are refused", certNames: ["*.*.example.com"], host: "a.b.example.com", want: false },
    { name: "wildcard over a public suffix is refused", certNames: ["*.com"], host: "example.com", want: false },
    { name: "bare wildcard is refused", certNames: ["*"], host: "example", want: false },
    { name: "wildcard host needs an identical wildcard", certNames: ["*.example.com"], host: "*.example.com", want: true },
    { name: "wildcard host is not covered by a plain name", certNames: ["www.example.com"], host: "*.example.com", want: false },
    { name: "empty label in host", certNames: ["*.example.com"], host: ".example.com", want: false },
    { name: "empty host", certNames: ["example.com"], host: "", want: false },
    { name: "whitespace host", certNames: ["example.com"], host: "   ", want: false },
    { name: "no names at all", certNames: [], host: "example.com", want: false },
    { name: "empty presented name", certNames: [""], host: "example.com", want: false },
    { name: "punycode labels compare as text", certNames: ["*.xn--bcher-kva.example"], host: "shop.xn--bcher-kva.example", want: true },
  ];
  for (const { name, certNames, host, want } of cases) {
    it(name, () => expect(coversName(certNames, host)).toBe(want));
  }
});

describe("normalizeDnsName", () => {
  it("lower-cases, trims and drops one trailing dot", () => {
    expect(normalizeDnsName("  WWW.Example.COM. ")).toBe("www.example.com");
  });
});
