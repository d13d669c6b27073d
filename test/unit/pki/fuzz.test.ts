import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { checkCertificate, parsePrivateKey } from "../../../src/pki";
import { fromPem, makeChain, type TestChain, toPem } from "../../support/pki-fixtures";
import { prng, randomInt as int } from "../../support/prng";


type Mutation = (der: Uint8Array, rand: () => number) => Uint8Array;
const mutations: Mutation[] = [
  (der, rand) => { const out = der.slice(); const at = int(rand, out.length); out[at] = out[at]! ^ (1 << int(rand, 8)); return out; },
  (der, rand) => { const out = der.slice(); out[int(rand, out.length)] = int(rand, 256); return out; },
  (der, rand) => der.slice(0, int(rand, der.length)),
  (der, rand) => { const at = int(rand, der.length); return new Uint8Array([...der.slice(0, at), ...der.slice(at + 1 + int(rand, 8))]); },
  (der, rand) => { const at = int(rand, der.length); return new Uint8Array([...der.slice(0, at), int(rand, 256), ...der.slice(at)]); },
  // Length octets are where parsers get hurt: set one to 0x80-0x84 or 0xff.
  (der, rand) => { const out = der.slice(); out[1 + 2 * int(rand, Math.min(40, out.length >> 1))] = [0x80, 0x81, 0x82, 0x84, 0xff][int(rand, 5)]!; return out; },
];

function outcome(error: unknown): string {
  if (error instanceof AppError && error.status >= 400 && error.status < 500) return "4xx";
  return `escaped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

let chains: TestChain[];
beforeAll(async () => {
  chains = await Promise.all([makeChain({ key: "EC-P256" }), makeChain({ key: "RSA-2048" })]);
});

describe("fuzzing never lets a non-AppError escape", () => {
  it("mutated certificates (600 cases)", async () => {
    const rand = prng(20260119);
    const escaped: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 600; i++) {
      const chain = chains[i % chains.length]!;
      const source = i % 3 === 0 ? fromPem(chain.intermediatePem!) : fromPem(chain.leafPem);
      const mutated = mutations[int(rand, mutations.length)]!(source, rand);
      try {
        await checkCertificate({ certificatePem: toPem(mutated, "CERTIFICATE") + chain.rootPem, privateKeyPem: chain.keyPem, domain: "example.com" });
        accepted++;
      } catch (error) {
        if (outcome(error) !== "4xx") escaped.push(`case ${i}: ${outcome(error)}`);
      }
    }
    expect(escaped).toEqual([]);
    // Some mutations (inside the signature, say) still parse: the report then carries the verdict.
    expect(accepted).toBeGreaterThan(0);
  });

  it("mutated private keys (400 cases)", async () => {
    const rand = prng(42);
    const escaped: string[] = [];
    for (let i = 0; i < 400; i++) {
      const chain = chains[i % chains.length]!;
      const useLegacy = i % 2 === 0;
      const pem = useLegacy ? (chain.keyPkcs1Pem ?? chain.keySec1Pem!) : chain.keyPem;
      const label = pem.match(/-----BEGIN ([A-Z ]+)-----/)![1]!;
      const mutated = mutations[int(rand, mutations.length)]!(fromPem(pem), rand);
      try {
        await parsePrivateKey(toPem(mutated, label));
      } catch (error) {
        if (outcome(error) !== "4xx") escaped.push(`case ${i}: ${outcome(error)}`);
      }
    }
    expect(escaped).toEqual([]);
  });

  it("mutated PEM text (400 cases)", async () => {
    const rand = prng(7);
    const alphabet = "-\r\n \tABCxyz019+/=:\\\u0000é";
    const escaped: string[] = [];
    for (let i = 0; i < 400; i++) {
      const text = chains[i % chains.length]!.fullPem.split("");
      for (let n = 1 + int(rand, 5); n > 0; n--) text[int(rand, text.length)] = alphabet[int(rand, alphabet.length)]!;
      try {
        await checkCertificate({ certificatePem: text.join("") });
      } catch (error) {
        if (outcome(error) !== "4xx") escaped.push(`case ${i}: ${outcome(error)}`);
      }
    }
    expect(escaped).toEqual([]);
  });
});
