/** readCertificateRequest: CSRs parsed from PEM or base64 DER, their signatures verified, their keys and names checked. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../../src/core/errors";
import { readCertificateRequest } from "../../../../src/pki/private-ca/certificate-request";
import { x509 } from "../../../../src/pki/x509-setup";
import { makeTestCsr, tamperSignature, type TestKeyType } from "./nc-fixtures";

async function refusal(pem: string, options?: { allowWildcards?: boolean }): Promise<AppError> {
  try {
    await readCertificateRequest(pem, options);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect([appError.status, appError.param]).toEqual([400, "csr"]);
    return appError;
  }
  throw new Error("the CSR was accepted");
}

const san: x509.JsonGeneralNames = [
  { type: "dns", value: "API.corp.example" },
  { type: "ip", value: "10.0.0.7" },
  { type: "url", value: "spiffe://corp.example/ns/prod/sa/api" },
  { type: "email", value: "ops@corp.example" },
];

describe("readCertificateRequest: accepted", () => {
  for (const [type, description] of [["P-256", "EC P-256"], ["P-384", "EC P-384"], ["RSA-2048", "RSA 2048"]] as const) {
    it(`reads a ${description} CSR: its key, its SAN names normalized, its CN`, async () => {
      const { pem, keys } = await makeTestCsr(type, { commonName: "api.corp.example", san });
      const request = await readCertificateRequest(pem);
      expect(request.keyDescription).toBe(description);
      expect(request.names).toEqual({
        commonName: "api.corp.example",
        dnsNames: ["api.corp.example"],
        ipAddresses: ["10.0.0.7"],
        uris: ["spiffe://corp.example/ns/prod/sa/api"],
        emails: ["ops@corp.example"],
      });
      // The key is the requester's own: same SPKI bytes.
      const spki = new Uint8Array(await crypto.subtle.exportKey("spki", request.publicKey));
      expect(spki).toEqual(new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey)));
    });
  }

  it("reads base64 DER (with line breaks) and OpenSSL's NEW CERTIFICATE REQUEST label", async () => {
    const { csr } = await makeTestCsr("P-256", { san: [{ type: "dns", value: "a.corp.example" }] });
    const base64 = csr.toString("base64").replace(/(.{64})/g, "$1\n");
    expect((await readCertificateRequest(base64)).names.dnsNames).toEqual(["a.corp.example"]);
    const legacy = csr.toString("pem").replace(/CERTIFICATE REQUEST/g, "NEW CERTIFICATE REQUEST");
    expect((await readCertificateRequest(legacy)).names.dnsNames).toEqual(["a.corp.example"]);
  });

  it("accepts a CSR with only a CN (a client certificate) and applies the caller's wildcard policy", async () => {
    const { pem } = await makeTestCsr("P-256", { commonName: "payments-service" });
    expect((await readCertificateRequest(pem)).names).toEqual({ commonName: "payments-service", dnsNames: [], ipAddresses: [], uris: [], emails: [] });
    const wildcard = await makeTestCsr("P-256", { san: [{ type: "dns", value: "*.corp.example" }] });
    expect((await readCertificateRequest(wildcard.pem)).names.dnsNames).toEqual(["*.corp.example"]);
    const error = await refusal(wildcard.pem, { allowWildcards: false });
    expect(error.message).toMatch(/^the CSR's names: dnsNames\[0\]: "\*\.corp\.example".*wildcard names are not allowed/);
  });
});

/** A CSR signed with an explicit algorithm, for the signature algorithms requesters use besides the defaults. */
async function csrSignedWith(keyAlgorithm: RsaHashedKeyGenParams | EcKeyGenParams, signingAlgorithm: Algorithm & Record<string, unknown>) {
  const keys = (await crypto.subtle.generateKey(keyAlgorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=svc.corp.example",
    keys,
    signingAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "svc.corp.example" }])],
  });
  return { csr, keys };
}

const rsa = (name: string, hash: string): RsaHashedKeyGenParams => ({ name, hash, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) });

describe("readCertificateRequest: signature algorithms", () => {
  const cases: [string, RsaHashedKeyGenParams | EcKeyGenParams, Algorithm & Record<string, unknown>, string][] = [
    ["RSA PKCS#1 v1.5 with SHA-384", rsa("RSASSA-PKCS1-v1_5", "SHA-384"), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }, "RSA 2048"],
    ["RSA PKCS#1 v1.5 with SHA-512", rsa("RSASSA-PKCS1-v1_5", "SHA-512"), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" }, "RSA 2048"],
    ["RSA-PSS with SHA-256", rsa("RSA-PSS", "SHA-256"), { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 }, "RSA 2048"],
    ["ECDSA P-256 with SHA-384", { name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-384" }, "EC P-256"],
    ["ECDSA P-384 with SHA-256", { name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", hash: "SHA-256" }, "EC P-384"],
  ];
  for (const [what, keyAlgorithm, signingAlgorithm, description] of cases) {
    it(`verifies ${what}, keeps the SubjectPublicKeyInfo as sent, and refuses it with one signature byte flipped`, async () => {
      const { csr, keys } = await csrSignedWith(keyAlgorithm, signingAlgorithm);
      const request = await readCertificateRequest(csr.toString("pem"));
      expect(request.keyDescription).toBe(description);
      expect(request.names.dnsNames).toEqual(["svc.corp.example"]);
      const sent = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
      expect(new Uint8Array(request.spki)).toEqual(sent);
      expect((await refusal(tamperSignature(csr))).message).toBe("the CSR's signature does not verify");
    });
  }

  it("refuses a CSR whose signature algorithm was changed after signing (ecdsa-with-SHA256 to ecdsa-with-SHA384)", async () => {
    const { csr } = await csrSignedWith({ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" });
    const der = new Uint8Array(csr.rawData.slice(0));
    // ecdsa-with-SHA256 (1.2.840.10045.4.3.2) becomes ecdsa-with-SHA384 (…4.3.3): same length, another hash.
    const oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    const at = der.findIndex((_, i) => oid.every((byte, j) => der[i + j] === byte));
    expect(at).toBeGreaterThan(0);
    der[at + oid.length - 1] = 0x03;
    const pem = x509.PemConverter.encode(der.buffer, "CERTIFICATE REQUEST");
    expect((await refusal(pem)).message).toBe("the CSR's signature does not verify");
  });
});

describe("readCertificateRequest: hostile input", () => {
  it("refuses a CSR whose signature was tampered with (one byte flipped)", async () => {
    for (const type of ["P-256", "RSA-2048"] as const) {
      const { csr } = await makeTestCsr(type, { san: [{ type: "dns", value: "a.corp.example" }] });
      const error = await refusal(tamperSignature(csr));
      expect(error.message).toBe("the CSR's signature does not verify");
    }
  });

  it("refuses a CSR whose names were changed after signing", async () => {
    const { csr } = await makeTestCsr("P-256", { san: [{ type: "dns", value: "a.corp.example" }] });
    const der = new Uint8Array(csr.rawData.slice(0));
    const at = Buffer.from(der).indexOf("a.corp.example");
    der[at] = "b".charCodeAt(0);
    const error = await refusal(x509.PemConverter.encode(der.buffer, "CERTIFICATE REQUEST"));
    expect(error.message).toBe("the CSR's signature does not verify");
  });

  const malformed: { name: string; text: () => Promise<string> | string }[] = [
    { name: "empty text", text: () => "" },
    { name: "not PEM nor base64", text: () => "hello, I am a CSR!" },
    { name: "base64 of garbage", text: () => btoa("garbage garbage garbage") },
    { name: "a PEM block with broken base64", text: () => "-----BEGIN CERTIFICATE REQUEST-----\nMIIB$$$\n-----END CERTIFICATE REQUEST-----\n" },
    { name: "a PEM with no END line", text: async () => (await makeTestCsr("P-256", {})).pem.split("-----END")[0]! },
    {
      name: "a truncated CSR",
      text: async () => {
        const { csr } = await makeTestCsr("P-256", {});
        return x509.PemConverter.encode(csr.rawData.slice(0, 60), "CERTIFICATE REQUEST");
      },
    },
    { name: "a certificate instead of a CSR", text: () => "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n" },
    { name: "a DER that is a different structure", text: () => "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n" },
    { name: "more than 64 KiB", text: () => "A".repeat(70_000) },
  ];
  for (const { name, text } of malformed) {
    it(`refuses ${name} as unparsable`, async () => {
      const error = await refusal(await text());
      expect(error.message).toMatch(/^the CSR could not be parsed/);
    });
  }

  const weakKeys: [TestKeyType, RegExp][] = [
    ["RSA-1024", /RSA 1024/],
    ["P-521", /EC P-521/],
  ];
  for (const [type, message] of weakKeys) {
    it(`refuses a ${type} key`, async () => {
      const { pem } = await makeTestCsr(type, { san: [{ type: "dns", value: "a.corp.example" }] });
      const error = await refusal(pem);
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/RSA with at least 2048 bits, or EC P-256 or P-384/);
    });
  }

  it("refuses 101 names in the SAN", async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ type: "dns" as const, value: `h${i}.corp.example` }));
    const { pem } = await makeTestCsr("P-256", { san: many });
    expect((await refusal(pem)).message).toMatch(/at most 100 names/);
  });

  it("refuses a bad DNS name in the SAN, naming it", async () => {
    const { pem } = await makeTestCsr("P-256", { san: [{ type: "dns", value: "bad_name.corp.example" }] });
    expect((await refusal(pem)).message).toMatch(/dnsNames\[0\]: "bad_name\.corp\.example"/);
  });

  it("refuses a SAN type it does not issue (a directory name)", async () => {
    const { pem } = await makeTestCsr("P-256", { san: [{ type: "dn", value: "CN=someone" }] });
    const error = await refusal(pem);
    expect(error.message).toMatch(/subjectAltName of type directoryName/);
  });
});
