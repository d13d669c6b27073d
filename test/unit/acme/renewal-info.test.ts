/** ARI (RFC 9773): the certificate identifier (§4.1) and renewalInfo reads (§4.2). */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import { AcmeClient } from "../../../src/acme/client";
import { isAcmeProblem } from "../../../src/acme/problem";
import { ariCertificateId, ariIdentifierFromParts } from "../../../src/acme/certificate-id";
import { CA, FakeCa } from "./fake-ca";

x509.cryptoProvider.set(crypto);

/** A certificate with the given AKI keyIdentifier (hex) and serial (hex), signed by a throwaway key. */
async function certificate(akiHex: string | undefined, serialHex: string): Promise<string> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialHex,
    name: "CN=ari.example",
    notBefore: new Date("2025-01-01T00:00:00Z"),
    notAfter: new Date("2025-04-01T00:00:00Z"),
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: akiHex ? [new x509.AuthorityKeyIdentifierExtension(akiHex)] : [],
  });
  return cert.toString("pem");
}

// RFC 9773 §4.1 example: AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 00:87:65:43:21.
const RFC_AKI = "69885B6B87464041E1B37B847BA0AE2CDE01C8D4";
const RFC_ID = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";

describe("ARI certificate identifier (RFC 9773 §4.1)", () => {
  let rfcPem: string;
  beforeAll(async () => {
    rfcPem = await certificate(RFC_AKI, "87654321");
  });

  it("reproduces the RFC's example from the raw parts", () => {
    const aki = Uint8Array.from(RFC_AKI.match(/../g)!.map((h) => parseInt(h, 16)));
    expect(ariIdentifierFromParts(aki, Uint8Array.of(0x00, 0x87, 0x65, 0x43, 0x21))).toBe(RFC_ID);
  });

  it("reproduces the RFC's example from a certificate (PEM and DER)", () => {
    expect(ariCertificateId(rfcPem)).toBe(RFC_ID);
    expect(ariCertificateId(new x509.X509Certificate(rfcPem).rawData)).toBe(RFC_ID);
  });

  const serials: { name: string; serial: string; want: string }[] = [
    { name: "small serial", serial: "01", want: "AQ" },
    { name: "high bit keeps its leading zero", serial: "ff", want: "AP8" },
    { name: "20-byte serial", serial: "7f".repeat(20), want: "f39_f39_f39_f39_f39_f39_f38" },
  ];
  for (const c of serials) {
    it(c.name, async () => {
      expect(ariCertificateId(await certificate("0102", c.serial))).toBe(`AQI.${c.want}`);
    });
  }

  it("a certificate without AKI has no identifier", async () => {
    const pem = await certificate(undefined, "01");
    expect(() => ariCertificateId(pem)).toThrow(/Authority Key Identifier/);
    expect(() => ariCertificateId("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")).toThrow(/DER/);
  });
});

describe("renewalInfo (RFC 9773 §4.2)", () => {
  let pem: string;
  beforeAll(async () => {
    pem = await certificate(RFC_AKI, "87654321");
  });

  function client(ca: FakeCa) {
    return new AcmeClient({ directoryUrl: `${CA}/dir`, accountKey: undefined as unknown as CryptoKeyPair, fetch: ca.fetch, now: () => Date.parse("2025-02-01T00:00:00Z") });
  }

  it("is null when the directory offers no renewalInfo", async () => {
    const ca = new FakeCa();
    expect(await client(ca).getRenewalInfo(pem)).toBeNull();
  });

  it("GETs <renewalInfo>/<certID> and parses the window, explanationURL and Retry-After", async () => {
    const ca = new FakeCa();
    ca.directory.renewalInfo = `${CA}/renewal-info/`;
    ca.on("GET", `/renewal-info/${RFC_ID}`, () => ({
      headers: { "retry-after": "21600" },
      body: { suggestedWindow: { start: "2025-03-01T00:00:00Z", end: "2025-03-03T00:00:00Z" }, explanationURL: "https://ca.test/why" },
    }));
    const info = await client(ca).getRenewalInfo(pem);
    expect(info).toEqual({
      suggestedWindow: { start: new Date("2025-03-01T00:00:00Z"), end: new Date("2025-03-03T00:00:00Z") },
      explanationURL: "https://ca.test/why",
      retryAfter: 21600,
    });
  });

  const malformed = [
    { name: "end before start", body: { suggestedWindow: { start: "2025-03-03T00:00:00Z", end: "2025-03-01T00:00:00Z" } } },
    { name: "not dates", body: { suggestedWindow: { start: "soon", end: "later" } } },
    { name: "no window", body: { explanationURL: "x" } },
  ];
  for (const c of malformed) {
    it(`a malformed answer (${c.name}) is an AcmeProblem, not a TypeError`, async () => {
      const ca = new FakeCa();
      ca.directory.renewalInfo = `${CA}/ri`;
      ca.on("GET", `/ri/${RFC_ID}`, () => ({ body: c.body }));
      const error = await client(ca).getRenewalInfo(pem).catch((e: unknown) => e);
      expect(isAcmeProblem(error)).toBe(true);
    });
  }
});
