/** The ARI certificate identifier (RFC 9773 §4.1), read from the certificate with @peculiar/asn1-x509. */
import { AsnConvert } from "@peculiar/asn1-schema";
import { AuthorityKeyIdentifier, Certificate, id_ce_authorityKeyIdentifier } from "@peculiar/asn1-x509";
import { base64ToBytes, bytesToBase64Url } from "../crypto/encoding";

/**
 * RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial number DER content octets),
 * from a certificate in PEM (the first CERTIFICATE block) or DER. Also the `replaces` value of a
 * renewal's newOrder (§5). Throws when the certificate has no AKI keyIdentifier: the CA cannot match it.
 */
export function ariCertificateId(certificate: string | Uint8Array | ArrayBuffer): string {
  const der = certificateDer(certificate);
  let tbs: Certificate["tbsCertificate"];
  let keyIdentifier: ArrayBuffer | undefined;
  try {
    tbs = AsnConvert.parse(der, Certificate).tbsCertificate;
    // RFC 5280 §4.2.1.1: AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, ... }
    const aki = tbs.extensions?.find((extension) => extension.extnID === id_ce_authorityKeyIdentifier);
    keyIdentifier = aki && AsnConvert.parse(aki.extnValue.buffer, AuthorityKeyIdentifier).keyIdentifier?.buffer;
  } catch (error) {
    throw new Error("certificate is not valid DER (RFC 5280 §4.1)", { cause: error });
  }
  if (!keyIdentifier) throw new Error("certificate has no Authority Key Identifier keyIdentifier, so it has no ARI identifier");
  // The library keeps the serial INTEGER's content octets as they are, a leading 0x00 included, as §4.1 wants.
  return ariIdentifierFromParts(new Uint8Array(keyIdentifier), new Uint8Array(tbs.serialNumber));
}

/** RFC 9773 §4.1 from the raw parts (keyIdentifier bytes, serial INTEGER content octets). */
export function ariIdentifierFromParts(keyIdentifier: Uint8Array, serialContent: Uint8Array): string {
  return `${bytesToBase64Url(keyIdentifier)}.${bytesToBase64Url(serialContent)}`;
}

/** The DER of the first certificate in a PEM text (RFC 7468 §5), or the input when it is already DER. */
function certificateDer(input: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof input !== "string") return new Uint8Array(input);
  const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(input);
  if (!match) throw new Error("no PEM certificate found");
  try {
    return base64ToBytes(match[1]!.replace(/\s+/g, ""));
  } catch {
    throw new Error("PEM certificate is not valid base64");
  }
}
