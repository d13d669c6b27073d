import { beforeEach, describe, expect, it } from "vitest";
import { CA_CACHE_ENTRIES, forgetCaCertificates } from "../../../src/pki/ca-certificate-cache";
import { readCertificates } from "../../../src/pki/certificate-bundle";
import { checkCertificate } from "../../../src/pki";
import { makeChain } from "../../support/pki-fixtures";

beforeEach(() => forgetCaCertificates());

/** A chain under an intermediate of its own (the fixtures share one intermediate unless its dates are given). */
const chainWithOwnIntermediate = (name: string, minutesAgo: number) =>
  makeChain({ names: [name], intermediateNotBefore: new Date(Date.now() - (minutesAgo + 2 * 24 * 60) * 60_000) });

describe("parsed CA certificates are kept per isolate", () => {
  it("a CA certificate read twice is parsed once; a leaf is parsed each time", async () => {
    const chain = await makeChain({ names: ["cache.example.com"] });
    const first = readCertificates(chain.chainPem);
    const second = readCertificates(chain.chainPem);
    expect(second[1]).toBe(first[1]);
    expect(second[1]!.isCa).toBe(true);
    expect(second[0]).not.toBe(first[0]);
    expect(second[0]!.derKey).toBe(first[0]!.derKey);
  });

  it("a kept certificate cannot be changed by a caller", async () => {
    const chain = await makeChain();
    const [, intermediate] = readCertificates(chain.chainPem);
    expect(Object.isFrozen(intermediate)).toBe(true);
    expect(() => (intermediate!.dnsNames as string[]).push("evil.example")).toThrow(TypeError);
    expect(readCertificates(chain.chainPem)[1]!.dnsNames).toEqual([]);
  });

  it("a second leaf under the same intermediate is checked against the kept one with the same verdict", async () => {
    const first = await makeChain({ names: ["a.cache.example.com"] });
    const now = new Date();
    const fresh = await checkCertificate({ certificatePem: first.chainPem, privateKeyPem: first.keyPem, now });
    const kept = await checkCertificate({ certificatePem: first.chainPem, privateKeyPem: first.keyPem, now });
    expect(kept.report).toEqual(fresh.report);
    expect(kept.chainPem).toBe(fresh.chainPem);
    expect(fresh.report.valid).toBe(true);
  });

  it("a different certificate with the same subject is not a hit (the key is the exact DER)", async () => {
    // Two intermediates of the same root: the same subject name, different validity, keys and signatures.
    const a = await chainWithOwnIntermediate("a.cache.example.com", 1);
    const b = await chainWithOwnIntermediate("b.cache.example.com", 2);
    const [, interA] = readCertificates(a.chainPem);
    const [, interB] = readCertificates(b.chainPem);
    expect(interA!.subject).toBe(interB!.subject);
    expect(interB).not.toBe(interA);
    // A's leaf with B's intermediate is a broken chain: the kept intermediate does not stand in for B's.
    const mixed = await checkCertificate({ certificatePem: a.leafPem + b.intermediatePem!, privateKeyPem: a.keyPem });
    expect(mixed.report.valid).toBe(false);
  });

  it(`keeps at most ${CA_CACHE_ENTRIES} certificates, dropping the oldest`, async () => {
    const chains = await Promise.all(Array.from({ length: CA_CACHE_ENTRIES + 1 }, (_, i) => chainWithOwnIntermediate("lru.example.com", i)));
    const firstRead = chains.map((chain) => readCertificates(chain.intermediatePem!)[0]!);
    // The first was pushed out by the last; the second is still kept.
    expect(readCertificates(chains[1]!.intermediatePem!)[0]).toBe(firstRead[1]);
    expect(readCertificates(chains[0]!.intermediatePem!)[0]).not.toBe(firstRead[0]);
  });
});
