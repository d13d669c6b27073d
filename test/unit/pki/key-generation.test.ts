import { describe, expect, it } from "vitest";
import {
  type CertificateKeySpec,
  createCsr,
  exportPrivateKeyPem,
  generateCertificateKey,
  parsePrivateKey,
} from "../../../src/pki";
import { x509 } from "../../../src/pki/x509-setup";
import { expectAppError } from "./helpers";

const sanOf = (csr: x509.Pkcs10CertificateRequest) =>
  (csr.getExtension("2.5.29.17") as x509.SubjectAlternativeNameExtension).names.items;

const specs: { spec: CertificateKeySpec; keyType: string; signature: string }[] = [
  { spec: { keyType: "rsa", keySize: 2048 }, keyType: "RSA-2048", signature: "RSASSA-PKCS1-v1_5" },
  { spec: { keyType: "rsa", keySize: 3072 }, keyType: "RSA-3072", signature: "RSASSA-PKCS1-v1_5" },
  { spec: { keyType: "rsa", keySize: 4096 }, keyType: "RSA-4096", signature: "RSASSA-PKCS1-v1_5" },
  { spec: { keyType: "ec", curve: "P-256" }, keyType: "EC-P256", signature: "ECDSA" },
  { spec: { keyType: "ec", curve: "P-384" }, keyType: "EC-P384", signature: "ECDSA" },
];

describe("certificate keys and CSRs", () => {
  for (const { spec, keyType, signature } of specs) {
    it(`${keyType}: generate, export and sign a CSR`, async () => {
      const keys = await generateCertificateKey(spec);
      expect(keys.privateKey.extractable).toBe(true);
      const pem = await exportPrivateKeyPem(keys.privateKey);
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const parsed = await parsePrivateKey(pem);
      expect(parsed.keyType).toBe(keyType);
      expect(parsed.pkcs8).toEqual(new Uint8Array((await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer));

      const csr = new x509.Pkcs10CertificateRequest(await createCsr(keys, ["Example.com", "www.example.com"]));
      expect(await csr.verify()).toBe(true);
      expect(csr.signatureAlgorithm.name).toBe(signature);
      expect(csr.signatureAlgorithm.hash.name).toBe("SHA-256");
      expect(csr.subject).toBe("CN=example.com");
      expect(sanOf(csr).map((name) => name.value)).toEqual(["example.com", "www.example.com"]);
      // The CSR carries the original public key, so a certificate issued for it matches the stored key.
      const original = new Uint8Array((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer);
      expect(new Uint8Array(csr.publicKey.rawData)).toEqual(original);
    });
  }

  it("leaves the CN out when the first name is longer than 64 characters (RFC 5280 ub-common-name)", async () => {
    const long = `${"a".repeat(60)}.example.com`;
    const csr = new x509.Pkcs10CertificateRequest(await createCsr(await generateCertificateKey({ keyType: "ec", curve: "P-256" }), [long]));
    expect(csr.subject).toBe("");
    expect(sanOf(csr)[0]!.value).toBe(long);
  });

  it("deduplicates names case-insensitively", async () => {
    const csr = new x509.Pkcs10CertificateRequest(
      await createCsr(await generateCertificateKey({ keyType: "ec", curve: "P-256" }), ["a.example.com", "A.Example.com", "b.example.com"]),
    );
    expect(sanOf(csr).map((n) => n.value)).toEqual(["a.example.com", "b.example.com"]);
  });

  it("refuses a CSR without names", async () => {
    const keys = await generateCertificateKey({ keyType: "ec", curve: "P-256" });
    await expectAppError(() => createCsr(keys, []), "bad_request", "A CSR needs at least one non-empty domain name");
    await expectAppError(() => createCsr(keys, [" "]), "bad_request", "A CSR needs at least one non-empty domain name");
  });

  it("refuses names a CA would refuse", async () => {
    const keys = await generateCertificateKey({ keyType: "ec", curve: "P-256" });
    for (const name of ["exa mple.com", "bücher.example", "a..example.com", "*.*.example.com", "foo*.example.com", `${"a".repeat(250)}.com`]) {
      await expectAppError(() => createCsr(keys, ["example.com", name]), "bad_request", /^Invalid domain name for a CSR: /);
    }
  });

  it("refuses RSA keys bound to another hash", async () => {
    const keys = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    await expectAppError(() => createCsr(keys, ["example.com"]), "bad_request", "RSA keys for CSRs must be imported for SHA-256");
  });

  it("refuses unsupported key specs", async () => {
    const want = "Unsupported certificate key: use RSA 2048/3072/4096 or EC P-256/P-384";
    await expectAppError(() => generateCertificateKey({ keyType: "rsa", keySize: 1024 as 2048 }), "bad_request", want);
    await expectAppError(() => generateCertificateKey({ keyType: "ec", curve: "P-521" as "P-256" }), "bad_request", want);
  });
});
