/** Just enough DER (X.690) to read a certificate's serial number and Authority Key Identifier for ARI (RFC 9773 §4.1). */
import { base64ToBytes } from "../crypto/encoding";

interface Tlv {
  tag: number;
  /** Offset of the content octets. */
  start: number;
  /** Offset just past the content octets. */
  end: number;
}

/** The DER bytes of the first certificate in a PEM text, or the input when it is already DER. */
export function certificateDer(input: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(input);
  if (!match) throw new Error("no PEM certificate found");
  try {
    return base64ToBytes(match[1]!.replace(/\s+/g, ""));
  } catch {
    throw new Error("PEM certificate is not valid base64");
  }
}

/** RFC 5280 §4.1: the serial number's INTEGER content octets (leading 0x00 kept) and the AKI keyIdentifier, if any. */
export function readSerialAndAki(der: Uint8Array): { serial: Uint8Array; authorityKeyIdentifier?: Uint8Array } {
  const cert = readTlv(der, 0, der.length, 0x30, "Certificate");
  const tbs = readTlv(der, cert.start, cert.end, 0x30, "TBSCertificate");
  let at = tbs.start;
  let field = readTlv(der, at, tbs.end, undefined, "TBSCertificate field");
  if (field.tag === 0xa0) {
    // [0] EXPLICIT version
    at = field.end;
    field = readTlv(der, at, tbs.end, undefined, "serialNumber");
  }
  if (field.tag !== 0x02) throw new Error("certificate serialNumber is not an INTEGER");
  const serial = der.slice(field.start, field.end);
  at = field.end;
  // signature, issuer, validity, subject, subjectPublicKeyInfo
  for (let i = 0; i < 5; i++) at = readTlv(der, at, tbs.end, undefined, "TBSCertificate field").end;
  while (at < tbs.end) {
    const next = readTlv(der, at, tbs.end, undefined, "TBSCertificate field");
    at = next.end;
    if (next.tag !== 0xa3) continue; // [1] issuerUniqueID, [2] subjectUniqueID
    const extensions = readTlv(der, next.start, next.end, 0x30, "Extensions");
    for (let e = extensions.start; e < extensions.end; ) {
      const ext = readTlv(der, e, extensions.end, 0x30, "Extension");
      e = ext.end;
      const oid = readTlv(der, ext.start, ext.end, 0x06, "extnID");
      if (!equalBytes(der.subarray(oid.start, oid.end), AKI_OID)) continue;
      let value = readTlv(der, oid.end, ext.end, undefined, "Extension field");
      if (value.tag === 0x01) value = readTlv(der, value.end, ext.end, 0x04, "extnValue"); // critical BOOLEAN
      if (value.tag !== 0x04) throw new Error("extnValue is not an OCTET STRING");
      // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
      const aki = readTlv(der, value.start, value.end, 0x30, "AuthorityKeyIdentifier");
      for (let k = aki.start; k < aki.end; ) {
        const part = readTlv(der, k, aki.end, undefined, "AuthorityKeyIdentifier field");
        if (part.tag === 0x80) return { serial, authorityKeyIdentifier: der.slice(part.start, part.end) };
        k = part.end;
      }
    }
  }
  return { serial };
}

/** 2.5.29.35 id-ce-authorityKeyIdentifier. */
const AKI_OID = new Uint8Array([0x55, 0x1d, 0x23]);

function readTlv(der: Uint8Array, at: number, limit: number, expectTag: number | undefined, what: string): Tlv {
  if (at + 2 > limit) throw new Error(`truncated DER reading ${what}`);
  const tag = der[at]!;
  if (expectTag !== undefined && tag !== expectTag) throw new Error(`unexpected DER tag 0x${tag.toString(16)} reading ${what}`);
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw new Error(`bad DER length reading ${what}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Error(`truncated DER reading ${what}`);
  return { tag, start, end };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
