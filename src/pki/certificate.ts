/** One X.509 certificate parsed defensively (RFC 5280 §4.1) into the facts the checks need. */
import { AsnConvert } from "@peculiar/asn1-schema";
import { RsaSaPssParams } from "@peculiar/asn1-rsa";
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  type Name as AsnName,
  SubjectAlternativeName,
} from "@peculiar/asn1-x509";
import { AppError } from "../core/errors";
import { asnParseOptions, type Bytes, derHex, derShape, describeDerShape, tbsNames, toArrayBuffer, tryParseAsn } from "./der";
import { describeDer } from "./der-sniff";
import { hashOids, oid, signatureHashes } from "./oids";
import { derToPem } from "./pem";
import { keyTypeName, type PublicKeyComponents, readSubjectPublicKeyInfo } from "./public-key";
import { x509 } from "./x509-setup";

export interface CertificateInfo {
  cert: x509.X509Certificate;
  der: Bytes;
  /** Hex of `der`: the certificate's identity (duplicates in a bundle, membership of the `ca` field), made once. */
  derKey: string;
  pem: string;
  /** RFC 4514-style strings, for messages. */
  subject: string;
  issuer: string;
  /** Hex DER of the names: RFC 5280 §4.1.2.4 chains by issuer == subject. */
  subjectKey: string;
  issuerKey: string;
  selfIssued: boolean;
  commonName: string | null;
  issuerOrganization: string | null;
  issuerCommonName: string | null;
  /** SAN dNSNames, lower-case, without a trailing dot. */
  dnsNames: string[];
  notBefore: Date;
  notAfter: Date;
  serial: string;
  signatureAlgorithm: string;
  /** "SHA-256", "SHA-1", "MD5", … or null when unknown. */
  signatureHash: string | null;
  publicKey: PublicKeyComponents;
  keyType: string;
  /** basicConstraints cA, or null when the extension is absent (RFC 5280 §4.2.1.9). */
  isCa: boolean | null;
  /** keyUsage bits (x509.KeyUsageFlags), or null when absent (RFC 5280 §4.2.1.3). */
  keyUsage: number | null;
  /** extKeyUsage purposes, or null when absent (RFC 5280 §4.2.1.12). */
  extendedKeyUsage: string[] | null;
}

/**
 * @peculiar/x509's certificate over the ASN.1 this module already parsed: `new x509.X509Certificate(der)` would parse
 * the same DER a second time, which was a third of the cost of reading a certificate (bench/RESULTS.md, validate
 * throughput: CPU per step). Built from the parsed structure, the library reads the signed bytes from
 * `tbsCertificateRaw` (kept by the parse, as its own parse would) and everything else lazily from the same
 * structure; `rawData` is the DER as received, so `toString("pem")` and thumbprints are those of the original bytes.
 */
class ParsedX509Certificate extends x509.X509Certificate {
  readonly #der: Bytes;
  #raw: ArrayBuffer | undefined;

  constructor(asn: Certificate, der: Bytes) {
    super(asn, asnParseOptions);
    this.#der = der;
  }

  override get rawData(): ArrayBuffer {
    // A copy, made on first use: callers get an ArrayBuffer of their own, as with the library's own parse.
    return (this.#raw ??= toArrayBuffer(this.#der));
  }
}

function nameAttribute(name: AsnName, type: string): string | null {
  let found: string | null = null;
  // The last matching attribute is the most specific one (RFC 6125 §6.4.4 leaves the choice to the client).
  for (const rdn of name) for (const atv of rdn) if (atv.type === type) found = atv.value.toString();
  return found;
}

function nameString(name: AsnName): string {
  try {
    return new x509.Name(name).toString();
  } catch {
    return "(unreadable name)";
  }
}

function signatureHashOf(cert: Certificate): string | null {
  const algorithm = cert.signatureAlgorithm;
  if (algorithm.algorithm === oid.rsassaPss) {
    // RFC 4055 §3.1: absent PSS parameters mean SHA-1.
    if (!algorithm.parameters) return "SHA-1";
    const params = tryParseAsn(algorithm.parameters, RsaSaPssParams);
    return params ? (hashOids[params.hashAlgorithm.algorithm] ?? null) : null;
  }
  return signatureHashes[algorithm.algorithm] ?? null;
}

function readExtensions(cert: Certificate, where: string) {
  let dnsNames: string[] = [];
  let isCa: boolean | null = null;
  let keyUsage: number | null = null;
  let extendedKeyUsage: string[] | null = null;
  for (const extension of cert.tbsCertificate.extensions ?? []) {
    const value = extension.extnValue.buffer;
    const malformed = (name: string) =>
      new AppError("invalid_certificate", `${where} has a malformed ${name} extension`);
    switch (extension.extnID) {
      case oid.subjectAltName: {
        const san = tryParseAsn(value, SubjectAlternativeName);
        if (!san) throw malformed("subjectAltName");
        dnsNames = san.flatMap((name) => (name.dNSName ? [name.dNSName.toLowerCase().replace(/\.$/, "")] : []));
        break;
      }
      case oid.basicConstraints: {
        const constraints = tryParseAsn(value, BasicConstraints);
        if (!constraints) throw malformed("basicConstraints");
        isCa = constraints.cA;
        break;
      }
      case oid.keyUsage: {
        const usage = tryParseAsn(value, KeyUsage);
        if (!usage) throw malformed("keyUsage");
        keyUsage = usage.toNumber();
        break;
      }
      case oid.extKeyUsage: {
        const usages = tryParseAsn(value, ExtendedKeyUsage);
        if (!usages) throw malformed("extKeyUsage");
        extendedKeyUsage = [...usages];
        break;
      }
    }
  }
  return { dnsNames, isCa, keyUsage, extendedKeyUsage };
}

/**
 * Parses one certificate. `where` names it in messages ("The certificate", "Certificate 2 of the bundle"); `derKey`
 * is `derHex(der)`, passed by a caller that has already made it.
 * Every failure, including a library exception on hostile ASN.1, becomes AppError("invalid_certificate").
 */
export function parseCertificateDer(der: Bytes, where: string, derKey = derHex(der)): CertificateInfo {
  const shape = derShape(der);
  if (shape !== "ok") {
    throw new AppError("invalid_certificate", `${where} is not a valid X.509 certificate: ${describeDerShape(shape)}`);
  }
  const asn = tryParseAsn(der, Certificate);
  if (!asn) {
    const actual = describeDer(der);
    const found = actual && actual !== "a certificate" ? `it contains ${actual}` : "the ASN.1 structure is invalid";
    throw new AppError("invalid_certificate", `${where} is not a valid X.509 certificate: ${found}`);
  }
  try {
    const tbs = asn.tbsCertificate;
    const notBefore = tbs.validity.notBefore.getTime();
    const notAfter = tbs.validity.notAfter.getTime();
    if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
      throw new AppError("invalid_certificate", `${where} has an invalid validity period`);
    }
    const names = tbsNames(der);
    const subjectKey = derHex(names?.subject ?? new Uint8Array(AsnConvert.serialize(tbs.subject)));
    const issuerKey = derHex(names?.issuer ?? new Uint8Array(AsnConvert.serialize(tbs.issuer)));
    const publicKey = readSubjectPublicKeyInfo(tbs.subjectPublicKeyInfo);
    const serialBytes = new Uint8Array(tbs.serialNumber);
    let start = 0;
    while (start < serialBytes.length - 1 && serialBytes[start] === 0) start++;
    return {
      cert: new ParsedX509Certificate(asn, der),
      der,
      derKey,
      pem: derToPem(der, "CERTIFICATE"),
      subject: nameString(tbs.subject),
      issuer: nameString(tbs.issuer),
      subjectKey,
      issuerKey,
      selfIssued: subjectKey === issuerKey,
      commonName: nameAttribute(tbs.subject, oid.commonName),
      issuerOrganization: nameAttribute(tbs.issuer, oid.organizationName),
      issuerCommonName: nameAttribute(tbs.issuer, oid.commonName),
      notBefore,
      notAfter,
      serial: derHex(serialBytes.subarray(start)),
      signatureAlgorithm: asn.signatureAlgorithm.algorithm,
      signatureHash: signatureHashOf(asn),
      publicKey,
      keyType: keyTypeName(publicKey),
      ...readExtensions(asn, where),
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("invalid_certificate", `${where} is not a valid X.509 certificate: its contents could not be read`, {
      cause: error,
    });
  }
}
