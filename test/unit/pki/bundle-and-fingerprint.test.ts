import { describe, expect, it } from "vitest";
import { derToPem, fingerprintSha256, parseCertificateBundle, pemToDer } from "../../../src/pki";
import { makeChain } from "../../support/pki-fixtures";

describe("parseCertificateBundle", () => {
  it("returns the certificates in input order without duplicates", async () => {
    const chain = await makeChain();
    const certs = parseCertificateBundle(chain.rootPem + chain.leafPem + chain.leafPem + chain.intermediatePem!);
    expect(certs.map((cert) => cert.subject)).toEqual([
      "CN=Certdesk Test Root, O=Certdesk Test",
      "CN=example.com",
      "CN=Certdesk Test Intermediate, O=Certdesk Test",
    ]);
    expect(certs[1]!.serialNumber).toBe(chain.leaf.serialNumber);
  });

  it("re-encodes to the same DER", async () => {
    const chain = await makeChain();
    const [cert] = parseCertificateBundle(chain.leafPem);
    expect(derToPem(new Uint8Array(cert!.rawData), "CERTIFICATE")).toBe(chain.leafPem);
    expect(pemToDer(chain.leafPem)).toEqual(new Uint8Array(chain.leaf.rawData));
  });
});

describe("fingerprintSha256", () => {
  it("matches the FIPS 180-2 'abc' vector as colon-separated lower-case hex", async () => {
    expect(await fingerprintSha256(new TextEncoder().encode("abc"))).toBe(
      "ba:78:16:bf:8f:01:cf:ea:41:41:40:de:5d:ae:22:23:b0:03:61:a3:96:17:7a:9c:b4:10:ff:61:f2:00:15:ad",
    );
  });
});
