/** Names what a DER blob really is, so "PEM says CERTIFICATE but holds a key" gets a precise message. */
import { ECPrivateKey } from "@peculiar/asn1-ecc";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { EncryptedPrivateKeyInfo, PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { RSAPrivateKey } from "@peculiar/asn1-rsa";
import { Certificate, CertificateList, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { type Bytes, derShape, tryParseAsn } from "./der";

/** Most specific shapes first: several of these are "SEQUENCE of SEQUENCE, …" and a loose one would match early. */
const candidates: [new () => unknown, string][] = [
  [Certificate, "a certificate"],
  [CertificateList, "a certificate revocation list (CRL)"],
  [CertificationRequest, "a certificate signing request (CSR)"],
  [PrivateKeyInfo, "a private key"],
  [RSAPrivateKey, "a private key"],
  [ECPrivateKey, "a private key"],
  [EncryptedPrivateKeyInfo, "an encrypted private key"],
  [SubjectPublicKeyInfo, "a public key"],
];

/** A noun phrase for `der`, or null when it is none of the structures above. */
export function describeDer(der: Bytes): string | null {
  if (derShape(der) !== "ok") return null;
  for (const [type, noun] of candidates) if (tryParseAsn(der, type)) return noun;
  return null;
}
