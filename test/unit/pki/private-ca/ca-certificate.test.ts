import { describe, expect, it } from "vitest";
import { type CaKeySpec, createCaCertificate, generateCaKey } from "../../../../src/pki/private-ca";
import { x509 } from "../../../../src/pki/x509-setup";
import { expectAppError } from "../helpers";
import { dayMs, hourMs, makeHierarchy, makeRoot, now, serialOctets, signedBy } from "./fixtures";

const specs: { spec: CaKeySpec; algorithm: string; hash: string }[] = [
  { spec: { keyType: "ec", keySize: 256 }, algorithm: "ECDSA", hash: "SHA-256" },
  { spec: { keyType: "ec", keySize: 384 }, algorithm: "ECDSA", hash: "SHA-384" },
  { spec: { keyType: "rsa", keySize: 2048 }, algorithm: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
];

const caUsages = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;

async function skiOf(certificate: x509.X509Certificate): Promise<string> {
  return certificate.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
}

function expectCaExtensions(certificate: x509.X509Certificate, pathLength: number | undefined): void {
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension)!;
  expect(constraints.ca).toBe(true);
  expect(constraints.critical).toBe(true);
  expect(constraints.pathLength).toBe(pathLength);
  const usage = certificate.getExtension(x509.KeyUsagesExtension)!;
  expect(usage.usages).toBe(caUsages);
  expect(usage.critical).toBe(true);
  const octets = serialOctets(certificate);
  expect(octets).toHaveLength(16);
  expect(octets[0]).toBeGreaterThan(0);
  expect(octets[0]).toBeLessThan(0x80);
}

describe("generateCaKey", () => {
  it("refuses sizes outside the supported ones", async () => {
    await expectAppError(() => generateCaKey({ keyType: "ec", keySize: 521 } as unknown as CaKeySpec), "validation_failed", /Unsupported CA key/);
    await expectAppError(() => generateCaKey({ keyType: "rsa", keySize: 1024 } as unknown as CaKeySpec), "validation_failed", /Unsupported CA key/);
  });
});

describe("createCaCertificate", () => {
  for (const { spec, algorithm, hash } of specs) {
    it(`${spec.keyType} ${spec.keySize}: a root and an intermediate with the CA extensions, signed with ${algorithm} ${hash}`, async () => {
      const { root, intermediate } = await makeHierarchy(spec);
      expect(root.privateKey.extractable).toBe(true);

      // Root: self-signed, pathLength as asked, SKI of its own key, no AKI (RFC 5280 §4.2.1.1 allows omitting it).
      expect(root.certificate.subject).toBe(`O=Certdesk Tests, CN=Test Root ${spec.keyType}${spec.keySize}`);
      expect(root.certificate.issuer).toBe(root.certificate.subject);
      expect(await signedBy(root.certificate, root.certificate)).toBe(true);
      expect(root.certificate.signatureAlgorithm).toMatchObject({ name: algorithm, hash: { name: hash } });
      expectCaExtensions(root.certificate, 1);
      const rootSki = await skiOf(root.certificate);
      expect(rootSki).toBe((await x509.SubjectKeyIdentifierExtension.create(root.certificate.publicKey)).keyId);
      expect(root.certificate.getExtension(x509.AuthorityKeyIdentifierExtension)).toBeNull();
      expect(root.certificate.getExtension(x509.CRLDistributionPointsExtension)).toBeNull();

      // Intermediate: signed by the root, AKI = the root's SKI, pathLength 0 by default, the root's CRL DP and AIA.
      expect(intermediate.certificate.issuer).toBe(root.certificate.subject);
      expect(await signedBy(intermediate.certificate, root.certificate)).toBe(true);
      expect(await signedBy(intermediate.certificate, intermediate.certificate)).toBe(false);
      expect(intermediate.certificate.signatureAlgorithm).toMatchObject({ name: algorithm, hash: { name: hash } });
      expectCaExtensions(intermediate.certificate, 0);
      expect(intermediate.certificate.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(rootSki);
      expect(await skiOf(intermediate.certificate)).not.toBe(rootSki);
      const crl = intermediate.certificate.getExtension(x509.CRLDistributionPointsExtension)!;
      expect(crl.distributionPoints[0]!.distributionPoint!.fullName![0]!.uniformResourceIdentifier).toBe("https://certdesk.example/pki/root/crl");
      const aia = intermediate.certificate.getExtension(x509.AuthorityInfoAccessExtension)!;
      expect(aia.caIssuers.map((name) => [name.type, name.value])).toEqual([["url", "https://certdesk.example/pki/root/ca.crt"]]);
      expect(intermediate.certificate.getExtension("2.5.29.30")).toBeNull();
    });
  }

  it("keeps the dates it is given and draws a fresh serial each time", async () => {
    const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
    const notBefore = now();
    const notAfter = new Date(notBefore.getTime() + 30 * dayMs);
    const make = () => createCaCertificate({ subject: { commonName: "Dates" }, keys, notBefore, notAfter });
    const [first, second] = [await make(), await make()];
    expect(first.notBefore).toEqual(notBefore);
    expect(first.notAfter).toEqual(notAfter);
    expect(first.subject).toBe("CN=Dates");
    expect(first.serialNumber).not.toBe(second.serialNumber);
    // No pathLength asked for a root: none written (no limit).
    expect(first.getExtension(x509.BasicConstraintsExtension)!.pathLength).toBeUndefined();
  });

  it("writes name constraints as a critical extension, and none when every list is empty", async () => {
    const root = await makeRoot();
    const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
    const base = { keys, issuer: root, notBefore: now(), notAfter: new Date(Date.now() + 10 * dayMs) };
    const constrained = await createCaCertificate({
      ...base,
      subject: { commonName: "Constrained" },
      nameConstraints: { permittedDnsDomains: ["corp.example"], excludedDnsDomains: [], permittedIpRanges: ["10.0.0.0/8"], excludedIpRanges: [] },
    });
    const extension = constrained.getExtension("2.5.29.30")!;
    expect(extension.critical).toBe(true);
    const empty = await createCaCertificate({
      ...base,
      subject: { commonName: "Unconstrained" },
      nameConstraints: { permittedDnsDomains: [], excludedDnsDomains: [], permittedIpRanges: [], excludedIpRanges: [] },
    });
    expect(empty.getExtension("2.5.29.30")).toBeNull();
  });

  describe("refusals", () => {
    const window = () => ({ notBefore: now(), notAfter: new Date(Date.now() + 10 * dayMs) });

    it("a subject without a commonName, or with one over 64 characters", async () => {
      const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
      await expectAppError(() => createCaCertificate({ subject: { commonName: " " }, keys, ...window() }), "validation_failed", "subject.commonName must be a non-empty string");
      await expectAppError(
        () => createCaCertificate({ subject: { commonName: "x".repeat(65) }, keys, ...window() }),
        "validation_failed",
        /subject.commonName is longer than 64 characters/,
      );
      await expectAppError(
        () => createCaCertificate({ subject: { commonName: "ok", organization: "o".repeat(65) }, keys, ...window() }),
        "validation_failed",
        /subject.organization is longer than 64/,
      );
    });

    it("dates out of order, or past the parent's notAfter", async () => {
      const root = await makeRoot(undefined, { days: 30 });
      const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
      const start = now();
      await expectAppError(
        () => createCaCertificate({ subject: { commonName: "Backwards" }, keys, notBefore: start, notAfter: new Date(start.getTime() - hourMs) }),
        "validation_failed",
        "notAfter must be after notBefore",
      );
      await expectAppError(
        () => createCaCertificate({ subject: { commonName: "Too long" }, keys, issuer: root, notBefore: start, notAfter: new Date(start.getTime() + 31 * dayMs) }),
        "validation_failed",
        /ends after the issuing CA's own notAfter/,
      );
    });

    it("an intermediate below a pathLength-0 CA, or one whose pathLength leaves no room", async () => {
      const { intermediate } = await makeHierarchy();
      const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
      await expectAppError(
        () => createCaCertificate({ subject: { commonName: "Too deep" }, keys, issuer: intermediate, ...window() }),
        "validation_failed",
        /parent CA has pathLength 0/,
      );
      const root = await makeRoot(undefined, { pathLength: 1 });
      await expectAppError(
        () => createCaCertificate({ subject: { commonName: "Too wide" }, keys, issuer: root, pathLength: 1, ...window() }),
        "validation_failed",
        "pathLength must be at most 0, one less than the parent CA's",
      );
      await expectAppError(() => createCaCertificate({ subject: { commonName: "Bad" }, keys, pathLength: -1, ...window() }), "validation_failed", /pathLength must be an integer/);
    });

    it("an intermediate with its parent's subject, or a bad CRL URL", async () => {
      const root = await makeRoot();
      const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
      await expectAppError(
        () => createCaCertificate({ subject: { commonName: "Test Root ec256", organization: "Certdesk Tests" }, keys, issuer: root, ...window() }),
        "validation_failed",
        /subject different from its parent/,
      );
      await expectAppError(
        () => createCaCertificate({ subject: { commonName: "Child" }, keys, issuer: root, crlUrl: "ldap://x/crl", ...window() }),
        "validation_failed",
        "crlUrl must be an http(s) URL",
      );
    });
  });
});
