/** A root → intermediate hierarchy made with the private CA's own functions, keys generated at test time. */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { type CaKeySpec, createCaCertificate, generateCaKey, type SigningCa } from "../../../../src/pki/private-ca";
import type { SubjectNames } from "../../../../src/pki/private-ca/names";
import { x509 } from "../../../../src/pki/x509-setup";

export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;
/** X.509 times have whole seconds. */
export const now = () => new Date(Math.floor(Date.now() / 1000) * 1000);

export interface Hierarchy {
  root: SigningCa;
  intermediate: SigningCa;
}

export async function makeRoot(spec: CaKeySpec = { keyType: "ec", keySize: 256 }, options: { pathLength?: number; days?: number } = {}): Promise<SigningCa> {
  const keys = await generateCaKey(spec);
  const start = now();
  const certificate = await createCaCertificate({
    subject: { commonName: `Test Root ${spec.keyType}${spec.keySize}`, organization: "Certdesk Tests" },
    keys,
    notBefore: new Date(start.getTime() - hourMs),
    notAfter: new Date(start.getTime() + (options.days ?? 3650) * dayMs),
    pathLength: options.pathLength ?? 1,
  });
  return { certificate, privateKey: keys.privateKey };
}

export async function makeIntermediate(root: SigningCa, spec: CaKeySpec = { keyType: "ec", keySize: 256 }): Promise<SigningCa> {
  const keys = await generateCaKey(spec);
  const start = now();
  const certificate = await createCaCertificate({
    subject: { commonName: `Test Issuing CA ${spec.keyType}${spec.keySize}`, organization: "Certdesk Tests" },
    keys,
    issuer: root,
    notBefore: new Date(start.getTime() - hourMs),
    notAfter: new Date(start.getTime() + 1825 * dayMs),
    crlUrl: "https://certdesk.example/pki/root/crl",
    caIssuersUrl: "https://certdesk.example/pki/root/ca.crt",
  });
  return { certificate, privateKey: keys.privateKey };
}

export async function makeHierarchy(spec?: CaKeySpec): Promise<Hierarchy> {
  const root = await makeRoot(spec);
  return { root, intermediate: await makeIntermediate(root, spec) };
}

export const names = (partial: Partial<SubjectNames> = {}): SubjectNames => ({
  dnsNames: [],
  ipAddresses: [],
  uris: [],
  emails: [],
  ...partial,
});

/** True when `issuer`'s public key verifies `certificate`'s signature. */
export async function signedBy(certificate: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  return await certificate.verify({ publicKey: issuer.publicKey, signatureOnly: true });
}

/** The DER content octets of the serial INTEGER, exactly as the certificate encodes them. */
export function serialOctets(certificate: x509.X509Certificate): Uint8Array {
  return new Uint8Array(AsnConvert.parse(certificate.rawData, Certificate).tbsCertificate.serialNumber);
}
