/**
 * The prepared LeafSigner writes the certificate the library's own generator (x509.X509CertificateGenerator) writes
 * from the same input: the TBSCertificate bytes are compared (ECDSA and RSA signatures themselves differ per run
 * or not, so the signed part is what must match), and the signature verifies under the CA's key.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { type CaKeySpec, LeafSigner, type LeafProfile, type LeafToSign, randomSerialHex, type SigningCa } from "../../../../src/pki/private-ca";
import { authorityKeyIdentifier, caSigningAlgorithm, distributionExtensions } from "../../../../src/pki/private-ca/issuing";
import { profileExtendedKeyUsages } from "../../../../src/pki/private-ca/profiles";
import { x509 } from "../../../../src/pki/x509-setup";
import { makeKey } from "../../../support/pki-fixtures";
import { dayMs, makeHierarchy, names, now } from "./fixtures";

const crlUrl = "https://certdesk.example/pki/ca_1/crl";
const caIssuersUrl = "https://certdesk.example/pki/ca_1/ca.crt";

/** What the leaf was before the signer: every extension built as a library object, the generator signing. */
async function generatorLeaf(issuer: SigningCa, leaf: LeafToSign): Promise<x509.X509Certificate> {
  const rsa = (leaf.publicKey.algorithm as { name: string }).name.startsWith("RSA");
  const subject = leaf.names.commonName ? new x509.Name([{ CN: [leaf.names.commonName] }]) : new x509.Name([]);
  const altNames: x509.JsonGeneralNames = [
    ...leaf.names.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...leaf.names.ipAddresses.map((value) => ({ type: "ip" as const, value })),
    ...leaf.names.uris.map((value) => ({ type: "url" as const, value })),
    ...leaf.names.emails.map((value) => ({ type: "email" as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0), true),
    new x509.ExtendedKeyUsageExtension(profileExtendedKeyUsages(leaf.profile), false),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames, subject.toString() === ""));
  extensions.push(
    await x509.SubjectKeyIdentifierExtension.create(leaf.publicKey),
    await authorityKeyIdentifier(issuer),
    ...distributionExtensions(leaf.crlUrl, leaf.caIssuersUrl),
  );
  return await x509.X509CertificateGenerator.create({
    serialNumber: leaf.serialHex,
    subject,
    issuer: issuer.certificate.subjectName,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    publicKey: leaf.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: caSigningAlgorithm(issuer.privateKey),
    extensions,
  });
}

const tbsOf = (der: ArrayBuffer) => new Uint8Array(AsnConvert.serialize(AsnConvert.parse(der, Certificate).tbsCertificate));

const cases: { ca: CaKeySpec; key: "EC-P256" | "EC-P384" | "RSA-2048"; profile: LeafProfile; leaf: Partial<LeafToSign["names"]>; crl: boolean }[] = [
  { ca: { keyType: "ec", keySize: 256 }, key: "EC-P256", profile: "server", leaf: { commonName: "api.corp.example", dnsNames: ["api.corp.example", "*.api.corp.example"] }, crl: true },
  { ca: { keyType: "ec", keySize: 384 }, key: "RSA-2048", profile: "client", leaf: { commonName: "Billing Service" }, crl: true },
  { ca: { keyType: "rsa", keySize: 2048 }, key: "EC-P384", profile: "server-client", leaf: { dnsNames: ["db.internal"], ipAddresses: ["10.0.0.7", "2001:db8::7"] }, crl: false },
  { ca: { keyType: "ec", keySize: 256 }, key: "EC-P256", profile: "client", leaf: { uris: ["spiffe://corp.example/ns/prod/sa/api"], emails: ["ops@corp.example"] }, crl: true },
];

describe("LeafSigner", () => {
  for (const c of cases) {
    it(`${c.profile} leaf, ${c.key} key from an ${c.ca.keyType} ${c.ca.keySize} intermediate${c.crl ? "" : ", no CRL DP"}: the generator's TBS, byte for byte`, async () => {
      const { intermediate } = await makeHierarchy(c.ca);
      const start = now();
      const leaf: LeafToSign = {
        publicKey: (await makeKey(c.key)).publicKey,
        profile: c.profile,
        names: names(c.leaf),
        serialHex: randomSerialHex(),
        notBefore: new Date(start.getTime() - 60_000),
        notAfter: new Date(start.getTime() + 30 * dayMs),
        crlUrl: c.crl ? crlUrl : undefined,
        caIssuersUrl,
      };
      const signer = LeafSigner.of(intermediate);
      // Twice through the same signer: the second leaf reuses the prepared extensions and must be as right.
      for (let round = 0; round < 2; round++) {
        const serialHex = round === 0 ? leaf.serialHex : randomSerialHex();
        const signed = await signer.sign({ ...leaf, serialHex });
        const expected = await generatorLeaf(intermediate, { ...leaf, serialHex });
        expect(tbsOf(signed.der)).toEqual(tbsOf(expected.rawData));
        const certificate = new x509.X509Certificate(signed.der);
        expect(certificate.serialNumber).toBe(serialHex);
        expect(await certificate.verify({ publicKey: intermediate.certificate.publicKey, signatureOnly: true })).toBe(true);
        expect(signed.notBefore.getTime()).toBe(certificate.notBefore.getTime());
        expect(signed.notAfter.getTime()).toBe(certificate.notAfter.getTime());
      }
    });
  }

  it("is prepared once per opened CA, and refuses for a certificate that is not a CA", async () => {
    const { root, intermediate } = await makeHierarchy();
    expect(LeafSigner.of(intermediate)).toBe(LeafSigner.of(intermediate));
    expect(LeafSigner.of(intermediate)).not.toBe(LeafSigner.of(root));
    const leafKey = await makeKey("EC-P256");
    const start = now();
    const leaf = await LeafSigner.of(intermediate).sign({
      publicKey: leafKey.publicKey,
      profile: "server",
      names: names({ dnsNames: ["leaf.corp.example"] }),
      serialHex: randomSerialHex(),
      notBefore: start,
      notAfter: new Date(start.getTime() + dayMs),
      caIssuersUrl,
    });
    const notCa: SigningCa = { certificate: new x509.X509Certificate(leaf.der), privateKey: leafKey.privateKey };
    expect(() => LeafSigner.of(notCa)).toThrow(/not a CA/);
  });
});
