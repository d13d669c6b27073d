import { describe, expect, it } from "vitest";
import {
  type CaKeySpec,
  createCaCertificate,
  createLeafCertificate,
  LEAF_PROFILES,
  type LeafProfile,
  randomSerialHex,
  type SigningCa,
} from "../../../../src/pki/private-ca";
import { x509 } from "../../../../src/pki/x509-setup";
import { makeCa, makeKey } from "../../../support/pki-fixtures";
import { expectAppError } from "../helpers";
import { dayMs, type Hierarchy, hourMs, makeHierarchy, names, now, serialOctets, signedBy } from "./fixtures";

const serverAuth = "1.3.6.1.5.5.7.3.1";
const clientAuth = "1.3.6.1.5.5.7.3.2";
const wantEku: Record<LeafProfile, string[]> = {
  server: [serverAuth],
  client: [clientAuth],
  "server-client": [serverAuth, clientAuth],
};
const crlUrl = "https://certdesk.example/pki/ca-1/crl";
const caIssuersUrl = "https://certdesk.example/pki/ca-1/ca.crt";

const hierarchies = new Map<string, Promise<Hierarchy>>();
function hierarchy(spec: CaKeySpec = { keyType: "ec", keySize: 256 }): Promise<Hierarchy> {
  const key = `${spec.keyType}${spec.keySize}`;
  if (!hierarchies.has(key)) hierarchies.set(key, makeHierarchy(spec));
  return hierarchies.get(key)!;
}

async function issue(overrides: Partial<Parameters<typeof createLeafCertificate>[0]> & { issuer: SigningCa }) {
  const start = now();
  const publicKey = overrides.publicKey ?? (await makeKey("EC-P256")).publicKey;
  return await createLeafCertificate({
    publicKey,
    profile: "server",
    names: names({ commonName: "api.corp.example", dnsNames: ["api.corp.example"] }),
    serialHex: randomSerialHex(),
    notBefore: start,
    notAfter: new Date(start.getTime() + 30 * dayMs),
    crlUrl,
    caIssuersUrl,
    ...overrides,
  });
}

describe("createLeafCertificate", () => {
  const issuers: { spec: CaKeySpec; hash: string }[] = [
    { spec: { keyType: "ec", keySize: 256 }, hash: "SHA-256" },
    { spec: { keyType: "ec", keySize: 384 }, hash: "SHA-384" },
    { spec: { keyType: "rsa", keySize: 2048 }, hash: "SHA-256" },
  ];
  for (const { spec, hash } of issuers) {
    for (const profile of LEAF_PROFILES) {
      for (const subjectKey of ["EC-P256", "RSA-2048"] as const) {
        it(`${profile} certificate for an ${subjectKey} key from an ${spec.keyType} ${spec.keySize} CA`, async () => {
          const { intermediate } = await hierarchy(spec);
          const keys = await makeKey(subjectKey);
          const serialHex = randomSerialHex();
          const start = now();
          const notAfter = new Date(start.getTime() + 90 * dayMs);
          const certificate = await issue({
            issuer: intermediate,
            publicKey: keys.publicKey,
            profile,
            serialHex,
            notBefore: start,
            notAfter,
            names: names({
              commonName: "api.corp.example",
              dnsNames: ["api.corp.example", "*.svc.corp.example"],
              ipAddresses: ["10.1.2.3", "fd00::1"],
              uris: ["spiffe://corp.example/ns/prod/sa/api"],
              emails: ["ops@corp.example"],
            }),
          });

          // Signed by the intermediate with the hash of its curve, over the given key.
          expect(await signedBy(certificate, intermediate.certificate)).toBe(true);
          expect(certificate.signatureAlgorithm).toMatchObject({ hash: { name: hash } });
          expect(certificate.issuer).toBe(intermediate.certificate.subject);
          expect(certificate.subject).toBe("CN=api.corp.example");
          const spki = new Uint8Array((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer);
          expect(new Uint8Array(certificate.publicKey.rawData)).toEqual(spki);

          // The caller's serial, 16 positive octets; the dates as given.
          expect(certificate.serialNumber).toBe(serialHex);
          const octets = serialOctets(certificate);
          expect(octets).toHaveLength(16);
          expect(octets[0]).toBeLessThan(0x80);
          expect(certificate.notBefore).toEqual(start);
          expect(certificate.notAfter).toEqual(notAfter);

          const constraints = certificate.getExtension(x509.BasicConstraintsExtension)!;
          expect([constraints.ca, constraints.critical]).toEqual([false, true]);
          const usage = certificate.getExtension(x509.KeyUsagesExtension)!;
          const wantUsage = x509.KeyUsageFlags.digitalSignature | (subjectKey === "RSA-2048" ? x509.KeyUsageFlags.keyEncipherment : 0);
          expect([usage.usages, usage.critical]).toEqual([wantUsage, true]);
          expect(certificate.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual(wantEku[profile]);

          const san = certificate.getExtension(x509.SubjectAlternativeNameExtension)!;
          expect(san.critical).toBe(false);
          expect(san.names.items.map((name) => [name.type, name.value])).toEqual([
            ["dns", "api.corp.example"],
            ["dns", "*.svc.corp.example"],
            ["ip", "10.1.2.3"],
            ["ip", "fd00::1"],
            ["url", "spiffe://corp.example/ns/prod/sa/api"],
            ["email", "ops@corp.example"],
          ]);

          const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
          expect(ski).toBe((await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)).keyId);
          const issuerSki = intermediate.certificate.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
          expect(certificate.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(issuerSki);

          const crl = certificate.getExtension(x509.CRLDistributionPointsExtension)!;
          expect(crl.distributionPoints[0]!.distributionPoint!.fullName![0]!.uniformResourceIdentifier).toBe(crlUrl);
          const aia = certificate.getExtension(x509.AuthorityInfoAccessExtension)!;
          expect(aia.caIssuers.map((name) => name.value)).toEqual([caIssuersUrl]);
        });
      }
    }
  }

  it("a short-lived certificate (no crlUrl) has no CRL distribution point, but keeps AIA", async () => {
    const { intermediate } = await hierarchy();
    const certificate = await issue({ issuer: intermediate, crlUrl: undefined, notAfter: new Date(Date.now() + 24 * hourMs) });
    expect(certificate.getExtension(x509.CRLDistributionPointsExtension)).toBeNull();
    expect(certificate.getExtension(x509.AuthorityInfoAccessExtension)).not.toBeNull();
  });

  it("an empty subject makes the SAN critical (RFC 5280 §4.2.1.6); a CN alone (a client) needs no SAN", async () => {
    const { intermediate } = await hierarchy();
    const noSubject = await issue({ issuer: intermediate, names: names({ uris: ["spiffe://corp.example/ns/prod/sa/api"] }) });
    expect(noSubject.subject).toBe("");
    expect(noSubject.getExtension(x509.SubjectAlternativeNameExtension)!.critical).toBe(true);

    const client = await issue({ issuer: intermediate, profile: "client", names: names({ commonName: "checkout-service" }) });
    expect(client.subject).toBe("CN=checkout-service");
    expect(client.getExtension(x509.SubjectAlternativeNameExtension)).toBeNull();
    expect(client.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([clientAuth]);
  });

  describe("refusals", () => {
    it("a validity past the issuing CA's notAfter, or backwards", async () => {
      const { intermediate } = await hierarchy();
      const tooLate = new Date(intermediate.certificate.notAfter.getTime() + 1000);
      await expectAppError(() => issue({ issuer: intermediate, notAfter: tooLate }), "validation_failed", /ends after the issuing CA's own notAfter/);
      await expectAppError(() => issue({ issuer: intermediate, notAfter: new Date(Date.now() - dayMs) }), "validation_failed", "notAfter must be after notBefore");
    });

    it("serials that are not positive lowercase hex of 1 to 20 octets", async () => {
      const { intermediate } = await hierarchy();
      for (const serialHex of ["", "abc", "ABCDEF", "zz", "00".repeat(8), "80".repeat(8), "01".repeat(21)]) {
        await expectAppError(() => issue({ issuer: intermediate, serialHex }), "bad_request", /^The serial must be/);
      }
    });

    it("no names at all, a commonName over 64 characters, an IP that does not parse", async () => {
      const { intermediate } = await hierarchy();
      await expectAppError(() => issue({ issuer: intermediate, names: names() }), "validation_failed", /needs a commonName or at least one/);
      await expectAppError(() => issue({ issuer: intermediate, names: names({ commonName: "c".repeat(65) }) }), "validation_failed", /commonName must be a string of at most 64/);
      await expectAppError(() => issue({ issuer: intermediate, names: names({ ipAddresses: ["10.0.0.300"] }) }), "validation_failed", /could not be encoded/);
    });

    it("names outside the issuing CA's name constraints, or those of a CA above it", async () => {
      const { root } = await hierarchy();
      const keys = await makeKey("EC-P256");
      const constrained: SigningCa = {
        privateKey: keys.privateKey,
        certificate: await createCaCertificate({
          subject: { commonName: "Constrained issuing CA" },
          keys,
          issuer: root,
          notBefore: now(),
          notAfter: new Date(Date.now() + 60 * dayMs),
          nameConstraints: { permittedDnsDomains: ["corp.example"], excludedDnsDomains: [], permittedIpRanges: ["10.0.0.0/8"], excludedIpRanges: [] },
        }),
      };
      const inside = await issue({ issuer: constrained, names: names({ dnsNames: ["api.corp.example"], ipAddresses: ["10.0.0.1"] }) });
      expect(await signedBy(inside, constrained.certificate)).toBe(true);
      const error = await expectAppError(
        () => issue({ issuer: constrained, names: names({ dnsNames: ["api.corp.example", "api.evil.example"], ipAddresses: ["192.168.0.1"] }) }),
        "validation_failed",
        "Outside the CA's name constraints (RFC 5280 §4.2.1.10): api.evil.example, 192.168.0.1",
      );
      expect(error.param).toBe("names");
      const above = { permittedDnsDomains: ["prod.corp.example"], excludedDnsDomains: [], permittedIpRanges: [], excludedIpRanges: [] };
      await expectAppError(
        () => issue({ issuer: constrained, names: names({ dnsNames: ["api.corp.example"] }), constraintsAbove: [above] }),
        "validation_failed",
        /: api\.corp\.example$/,
      );
    });

    it("weak or unsupported subject keys", async () => {
      const { intermediate } = await hierarchy();
      const weak = await makeKey("RSA-1024");
      await expectAppError(() => issue({ issuer: intermediate, publicKey: weak.publicKey }), "bad_request", /RSA keys of 1024 bits are too short/);
      await expectAppError(() => issue({ issuer: intermediate, publicKey: weak.privateKey }), "bad_request", "The subject key must be a public key");
    });

    it("an issuer that is not a CA, or whose EKU forbids the profile", async () => {
      const notCa = await makeCa({ isCa: false, cn: "Not a CA" });
      await expectAppError(
        () => issue({ issuer: { certificate: notCa.cert, privateKey: notCa.keys.privateKey } }),
        "bad_request",
        /not a CA \(basicConstraints CA:true is missing\)/,
      );
      const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
      const clientOnly = await x509.X509CertificateGenerator.createSelfSigned({
        name: [{ CN: ["Client-only CA"] }],
        keys,
        notAfter: new Date(Date.now() + 365 * dayMs),
        extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.ExtendedKeyUsageExtension([clientAuth])],
      });
      await expectAppError(
        () => issue({ issuer: { certificate: clientOnly, privateKey: keys.privateKey }, profile: "server" }),
        "validation_failed",
        /does not allow serverAuth/,
      );
    });
  });
});
