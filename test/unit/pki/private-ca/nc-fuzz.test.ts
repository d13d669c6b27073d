/** Hostile input in a loop: mutated CSRs and random name and constraint strings end as 4xx AppErrors, never anything else. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../../src/core/errors";
import { readCertificateRequest } from "../../../../src/pki/private-ca/certificate-request";
import { namesOutsideConstraints, parseNameConstraints } from "../../../../src/pki/private-ca/name-constraints";
import { normalizeSubjectNames } from "../../../../src/pki/private-ca/names";
import { x509 } from "../../../../src/pki/x509-setup";
import { makeTestCsr } from "./nc-fixtures";
import { prng, randomInt as int } from "../../../support/prng";


type Mutation = (der: Uint8Array, rand: () => number) => Uint8Array;
const mutations: Mutation[] = [
  (der, rand) => { const out = der.slice(); const at = int(rand, out.length); out[at] = out[at]! ^ (1 << int(rand, 8)); return out; },
  (der, rand) => { const out = der.slice(); out[int(rand, out.length)] = int(rand, 256); return out; },
  (der, rand) => der.slice(0, int(rand, der.length)),
  (der, rand) => { const at = int(rand, der.length); return new Uint8Array([...der.slice(0, at), int(rand, 256), ...der.slice(at)]); },
  (der, rand) => { const out = der.slice(); out[1 + 2 * int(rand, Math.min(40, out.length >> 1))] = [0x80, 0x81, 0x82, 0x84, 0xff][int(rand, 5)]!; return out; },
];

function outcome(error: unknown): string {
  if (error instanceof AppError && error.status >= 400 && error.status < 500) return "4xx";
  return `escaped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

describe("fuzzing the private CA's inputs", () => {
  it("mutated CSRs (400 cases): refused as 4xx; any that still verifies carries the requester's own key", async () => {
    const rand = prng(20261206);
    const bases = await Promise.all([
      makeTestCsr("P-256", { commonName: "api.corp.example", san: [{ type: "dns", value: "api.corp.example" }, { type: "ip", value: "10.0.0.1" }] }),
      makeTestCsr("RSA-2048", { san: [{ type: "url", value: "spiffe://corp.example/sa/api" }] }),
    ]);
    const results = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const base = bases[i % bases.length]!;
      const der = mutations[int(rand, mutations.length)]!(new Uint8Array(base.csr.rawData), rand);
      const pem = x509.PemConverter.encode(der.slice().buffer, "CERTIFICATE REQUEST");
      let result: string;
      try {
        const request = await readCertificateRequest(pem);
        // A mutation DER parsers tolerate (e.g. in an unused bit) may keep the signed bytes: the key must be the original one.
        const spki = new Uint8Array(await crypto.subtle.exportKey("spki", request.publicKey));
        result = Buffer.from(spki).equals(Buffer.from(base.csr.publicKey.rawData)) ? "accepted (same key)" : "escaped: accepted another key";
      } catch (error) {
        result = outcome(error);
      }
      results.set(result, (results.get(result) ?? 0) + 1);
    }
    expect([...results.keys()].filter((key) => key.startsWith("escaped"))).toEqual([]);
    expect(results.get("4xx")).toBeGreaterThan(300);
  });

  it("random strings as names and constraints (2,000 cases): accepted or 4xx", () => {
    const rand = prng(424242);
    const alphabet = "abcxyz019-._*:/%@[] \u00fc\u0000\u200b.-";
    const randomText = () => Array.from({ length: int(rand, 40) }, () => alphabet[int(rand, alphabet.length)]).join("");
    const escaped: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const text = randomText();
      const tries: (() => unknown)[] = [
        () => normalizeSubjectNames({ dnsNames: [text] }, { allowWildcards: true }),
        () => normalizeSubjectNames({ ipAddresses: [text], uris: [text], emails: [text] }, { allowWildcards: false }),
        () => normalizeSubjectNames({ commonName: text }, { allowWildcards: false }),
        () => parseNameConstraints({ permittedDnsDomains: [text] }),
        () => parseNameConstraints({ excludedIpRanges: [`${text}/${int(rand, 140)}`] }),
        () => namesOutsideConstraints({ commonName: text, dnsNames: [], ipAddresses: [], uris: [], emails: [] }, [parseNameConstraints({ permittedDnsDomains: ["corp.example"] })]),
      ];
      for (const attempt of tries) {
        try {
          attempt();
        } catch (error) {
          const result = outcome(error);
          if (result !== "4xx") escaped.push(`${JSON.stringify(text)}: ${result}`);
        }
      }
    }
    expect(escaped).toEqual([]);
  });
});
