/** Defensive DER helpers: an outer-length check before any library sees the bytes, and bounded ASN.1 parsing. */
import { AsnConvert, type IAsnParseOptions } from "@peculiar/asn1-schema";

/**
 * Resource limits handed to asn1js for untrusted input. A real certificate has a few hundred
 * nodes and nests about ten deep; these bounds keep hostile ASN.1 cheap to reject.
 */
export const asnParseOptions: IAsnParseOptions = {
  berOptions: { maxDepth: 32, maxNodes: 4096, maxContentLength: 64 * 1024, parseEmbedded: false },
};

/** Bytes backed by a plain ArrayBuffer, as WebCrypto and the ASN.1 schemas take them. */
export type Bytes = Uint8Array<ArrayBuffer>;

export type DerShape = "ok" | "empty" | "not-sequence" | "indefinite-length" | "truncated" | "trailing-data";

/**
 * Checks that `der` is exactly one DER SEQUENCE (X.690 §8.1, §10.1: definite lengths only).
 * Catches truncated blocks and trailing garbage that parsers may silently accept.
 */
export function derShape(der: Uint8Array): DerShape {
  if (der.length === 0) return "empty";
  if (der[0] !== 0x30) return "not-sequence";
  if (der.length < 2) return "truncated";
  const first = der[1]!;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else if (first === 0x80) {
    return "indefinite-length";
  } else {
    const count = first & 0x7f;
    // Four length octets already describe 4 GiB; more is never a certificate or a key.
    if (count > 4) return "truncated";
    if (der.length < 2 + count) return "truncated";
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[2 + i]!;
    header = 2 + count;
  }
  const total = header + length;
  if (total > der.length) return "truncated";
  if (total < der.length) return "trailing-data";
  return "ok";
}

/** One DER TLV (X.690 §8.1): its tag byte and where its contents start and its encoding ends; null when it is not one. */
function readTlv(der: Uint8Array, offset: number, end: number): { tag: number; start: number; end: number } | null {
  if (offset + 2 > end) return null;
  const tag = der[offset]!;
  // Multi-byte tags never occur in the certificate fields read here (X.690 §8.1.2.4).
  if ((tag & 0x1f) === 0x1f) return null;
  const first = der[offset + 1]!;
  let length = first;
  let start = offset + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || start + count > end) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  return start + length > end ? null : { tag, start, end: start + length };
}

/**
 * The issuer and subject Names of a certificate's DER as they are encoded in it (RFC 5280 §4.1: Certificate ::=
 * SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, … } }).
 * Chaining compares these bytes (§4.1.2.4); reading them where they lie costs nothing, where serializing the parsed
 * names again was a sixth of parsing a certificate. Null when the structure is not that (the caller serializes instead).
 */
export function tbsNames(der: Uint8Array): { issuer: Uint8Array; subject: Uint8Array } | null {
  const certificate = readTlv(der, 0, der.length);
  if (!certificate || certificate.tag !== 0x30) return null;
  const tbs = readTlv(der, certificate.start, certificate.end);
  if (!tbs || tbs.tag !== 0x30) return null;
  const fields: { tag: number; start: number; end: number; header: number }[] = [];
  for (let at = tbs.start; at < tbs.end && fields.length < 7; ) {
    const field = readTlv(der, at, tbs.end);
    if (!field) return null;
    fields.push({ ...field, header: at });
    at = field.end;
  }
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = fields[first + 2];
  const subject = fields[first + 4];
  if (fields[first]?.tag !== 0x02 || issuer?.tag !== 0x30 || subject?.tag !== 0x30) return null;
  return { issuer: der.subarray(issuer.header, issuer.end), subject: der.subarray(subject.header, subject.end) };
}

/** Human words for a bad `derShape`, for error messages. */
export function describeDerShape(shape: DerShape): string {
  switch (shape) {
    case "empty":
      return "it is empty";
    case "not-sequence":
      return "it is not an ASN.1 SEQUENCE";
    case "indefinite-length":
      return "it uses BER indefinite lengths, not DER";
    case "truncated":
      return "the DER data is truncated";
    case "trailing-data":
      return "there is extra data after the DER structure";
    case "ok":
      return "it is well-formed";
  }
}

/** Parses `der` as `type` with resource limits; returns null instead of throwing on anything malformed. */
export function tryParseAsn<T>(der: ArrayBuffer | Bytes, type: new () => T): T | null {
  try {
    return AsnConvert.parse(der, type, asnParseOptions);
  } catch {
    return null;
  }
}

/** "00" … "ff", so `derHex` costs one table lookup per byte. */
const hexPairs = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/**
 * Lower-case hex of `bytes`, the same text as crypto/encoding.ts `bytesToHex`. The PKI core keys certificates and
 * names by their hex DER several times per upload; the table lookup is several times faster than `Array.from` with
 * `toString(16)` and `padStart` per byte (bench/RESULTS.md, validate throughput: CPU per step).
 */
export function derHex(bytes: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += hexPairs[bytes[i]!];
  return hex;
}

/** A Uint8Array view as a standalone ArrayBuffer (libraries below take ArrayBuffer, not views). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}
