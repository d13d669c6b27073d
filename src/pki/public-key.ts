/** Public keys as plain components (RSA modulus/exponent, EC point), so a key pair match is a byte comparison. */
import { AsnConvert } from "@peculiar/asn1-schema";
import { ECParameters } from "@peculiar/asn1-ecc";
import { RSAPublicKey } from "@peculiar/asn1-rsa";
import type { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { tryParseAsn } from "./der";
import { keyAlgorithmNames, namedCurves, oid } from "./oids";

export type PublicKeyComponents =
  | { kty: "RSA"; n: Uint8Array; e: Uint8Array; bits: number }
  | { kty: "EC"; curve: string; x: Uint8Array; y: Uint8Array | null; yOdd: boolean }
  | { kty: "other"; name: string };

/** Drops the sign octets DER puts in front of positive INTEGERs (X.690 §8.3.2). */
function unsignedBytes(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** Bit length of an unsigned big-endian integer. */
export function bitLength(bytes: Uint8Array): number {
  const value = unsignedBytes(bytes);
  const top = value[0] ?? 0;
  return top === 0 ? 0 : (value.length - 1) * 8 + (32 - Math.clz32(top));
}

/** Reads the EC point encoding of SEC 1 §2.3.3: 04‖X‖Y uncompressed, 02/03‖X compressed. */
function readEcPoint(curve: string, point: Uint8Array): PublicKeyComponents {
  const size = (point.length - 1) >> 1;
  if (point[0] === 0x04 && point.length % 2 === 1 && size > 0) {
    const y = point.slice(1 + size);
    return { kty: "EC", curve, x: point.slice(1, 1 + size), y, yOdd: (y[y.length - 1]! & 1) === 1 };
  }
  if ((point[0] === 0x02 || point[0] === 0x03) && point.length > 1) {
    return { kty: "EC", curve, x: point.slice(1), y: null, yOdd: point[0] === 0x03 };
  }
  return { kty: "other", name: `EC-${curve} (malformed point)` };
}

/** Components of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RSA per RFC 3279 §2.3.1, EC per RFC 5480 §2). */
export function readSubjectPublicKeyInfo(spki: SubjectPublicKeyInfo): PublicKeyComponents {
  const algorithm = spki.algorithm.algorithm;
  const key = new Uint8Array(spki.subjectPublicKey);
  if (algorithm === oid.rsaEncryption) {
    const rsa = tryParseAsn(key, RSAPublicKey);
    if (!rsa) return { kty: "other", name: "RSA (malformed key)" };
    const n = unsignedBytes(new Uint8Array(rsa.modulus));
    return { kty: "RSA", n, e: unsignedBytes(new Uint8Array(rsa.publicExponent)), bits: bitLength(n) };
  }
  if (algorithm === oid.ecPublicKey) {
    const params = spki.algorithm.parameters ? tryParseAsn(spki.algorithm.parameters, ECParameters) : null;
    const curveOid = params?.namedCurve;
    if (!curveOid) return { kty: "other", name: "EC (explicit or missing curve parameters)" };
    const curve = namedCurves[curveOid];
    if (!curve) return { kty: "other", name: `EC (curve ${curveOid})` };
    return readEcPoint(curve, key);
  }
  return { kty: "other", name: keyAlgorithmNames[algorithm] ?? algorithm };
}

/** "RSA-2048", "EC-P256", "EC-P384", "Ed25519", … as the validation report names key types. */
export function keyTypeName(key: PublicKeyComponents): string {
  if (key.kty === "RSA") return `RSA-${key.bits}`;
  if (key.kty === "EC") return `EC-${key.curve.replace("-", "")}`;
  return key.name;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True when both describe the same public key (RSA: modulus and exponent; EC: curve and point). */
export function samePublicKey(a: PublicKeyComponents, b: PublicKeyComponents): boolean {
  if (a.kty === "RSA" && b.kty === "RSA") {
    return sameBytes(unsignedBytes(a.n), unsignedBytes(b.n)) && sameBytes(unsignedBytes(a.e), unsignedBytes(b.e));
  }
  if (a.kty === "EC" && b.kty === "EC") {
    if (a.curve !== b.curve || !sameBytes(a.x, b.x)) return false;
    if (a.y && b.y) return sameBytes(a.y, b.y);
    return a.yOdd === b.yOdd;
  }
  return false;
}

/** DER of an ECParameters namedCurve, for building PKCS#8 AlgorithmIdentifiers. */
export function namedCurveParameters(curveOid: string): ArrayBuffer {
  return AsnConvert.serialize(new ECParameters({ namedCurve: curveOid }));
}
