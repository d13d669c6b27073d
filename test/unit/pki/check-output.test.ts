import { describe, expect, it } from "vitest";
import { checkCertificate, fingerprintSha256, parsePrivateKey } from "../../../src/pki";
import { makeChain, messUp } from "../../support/pki-fixtures";
import { at, iso } from "./helpers";

describe("checkCertificate output", () => {
  it("describes the leaf in the report", async () => {
    const chain = await makeChain({ key: "RSA-2048", names: ["Shop.Example.com", "example.com"], notBefore: at(-1), notAfter: at(89) });
    const { report, notBefore, notAfter } = await checkCertificate({ certificatePem: chain.fullPem });
    expect(report.domain).toBe("shop.example.com");
    expect(report.names).toEqual(["shop.example.com", "example.com"]);
    expect(report.issuer).toBe("Certdesk Test");
    expect(report.issuedAt).toBe(iso(at(-1)));
    expect(report.expiresAt).toBe(iso(at(89)));
    expect(report.issuedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(report.serial).toBe(chain.leaf.serialNumber.toLowerCase());
    expect(report.serial).toMatch(/^[0-9a-f]+$/);
    expect(report.fingerprint).toBe(await fingerprintSha256(new Uint8Array(chain.leaf.rawData)));
    expect(report.fingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(notBefore.getTime()).toBe(at(-1).getTime());
    expect(notAfter.getTime()).toBe(at(89).getTime());
  });

  it("names the issuer by CN when it has no organization", async () => {
    const chain = await makeChain({ selfSigned: true, cn: "self.example.com", names: ["self.example.com"] });
    expect((await checkCertificate({ certificatePem: chain.leafPem })).report.issuer).toBe("self.example.com");
  });

  it("puts an out-of-order bundle in leaf → root order", async () => {
    const chain = await makeChain();
    const result = await checkCertificate({ certificatePem: chain.rootPem + chain.intermediatePem! + chain.leafPem });
    expect(result.leafPem).toBe(chain.leafPem);
    expect(result.chainPem).toBe(chain.intermediatePem! + chain.rootPem);
  });

  it("returns clean PEM for a messy bundle and an empty chain for a lone leaf", async () => {
    const chain = await makeChain();
    const messy = await checkCertificate({ certificatePem: messUp(chain.intermediatePem! + chain.leafPem) });
    expect(messy.leafPem).toBe(chain.leafPem);
    expect(messy.chainPem).toBe(chain.intermediatePem);
    expect((await checkCertificate({ certificatePem: chain.leafPem })).chainPem).toBe("");
  });

  it("does not copy caPem certificates into chainPem", async () => {
    const chain = await makeChain();
    const result = await checkCertificate({ certificatePem: chain.chainPem, caPem: chain.rootPem });
    expect(result.chainPem).toBe(chain.intermediatePem);
  });

  it("normalizes PKCS#1 and SEC1 keys to PKCS#8", async () => {
    for (const chain of [await makeChain({ key: "RSA-2048" }), await makeChain({ key: "EC-P256" })]) {
      const legacy = chain.keyPkcs1Pem ?? chain.keySec1Pem!;
      const result = await checkCertificate({ certificatePem: chain.fullPem, privateKeyPem: legacy });
      expect(result.privateKeyPkcs8Pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(result.report.valid).toBe(true);
      // The normalized key still matches the certificate.
      const again = await checkCertificate({ certificatePem: chain.fullPem, privateKeyPem: result.privateKeyPkcs8Pem! });
      expect(again.report.valid).toBe(true);
      expect((await parsePrivateKey(result.privateKeyPkcs8Pem!)).keyType).toBe(result.report.keyType);
    }
  });

  it("returns no key when none is given", async () => {
    const result = await checkCertificate({ certificatePem: (await makeChain()).fullPem });
    expect(result.privateKeyPkcs8Pem).toBeNull();
  });
});
