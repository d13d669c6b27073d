/**
 * Signing leaf certificates for one CA, with what every leaf of that CA shares prepared once.
 *
 * The certificate is the one `x509.X509CertificateGenerator` would make from the same input (test/unit proves the TBS
 * bytes equal), built from the same `@peculiar/asn1-x509` schemas; only the work that does not change between leaves
 * is done once per CA instead of per leaf: the issuer checks and name, the signature AlgorithmIdentifier, the CA's own
 * name constraints, and the fixed extensions (basicConstraints, keyUsage, extendedKeyUsage, AKI, CRL DP, AIA) already
 * encoded. A leaf then costs its own parts (subject, SAN, SKI, serial, validity), one TBS encoding and one signature,
 * and none of the generator's encode-then-parse round trips per extension. Issuing is this service's hot path
 * (bench/RESULTS.md, "private CA").
 */
import { AsnConvert, AsnSerializer, OctetString } from "@peculiar/asn1-schema";
import * as asn1js from "asn1js";
import * as asn1x509 from "@peculiar/asn1-x509";
import { AppError } from "../../core/errors";
import { x509 } from "../x509-setup";
import { authorityKeyIdentifier, caSigningAlgorithm, checkIssuerIsCa, checkValidity, distributionExtensions, type SigningCa } from "./issuing";
import { type NameConstraints, namesOutsideConstraints, readNameConstraints } from "./name-constraints";
import type { SubjectNames } from "./names";
import { assertProfileAllowedBy, type LeafProfile, profileExtendedKeyUsages } from "./profiles";

/** RFC 5280 Appendix A ub-common-name. */
const maxCommonNameLength = 64;

export interface LeafToSign {
  publicKey: CryptoKey;
  /** publicKey's SubjectPublicKeyInfo (DER) when the caller has it (a CSR's, as sent); else exported from publicKey. */
  spki?: ArrayBuffer;
  profile: LeafProfile;
  names: SubjectNames;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  crlUrl?: string;
  caIssuersUrl: string;
  constraintsAbove?: NameConstraints[];
}

export interface SignedLeafCertificate {
  /** The certificate, DER. */
  der: ArrayBuffer;
  /** The dates as written (whole seconds: UTCTime and GeneralizedTime carry no fraction here, RFC 5280 §4.1.2.5). */
  notBefore: Date;
  notAfter: Date;
}

/**
 * A serial the caller drew with randomSerialHex: lowercase hex, 1–20 octets (RFC 5280 §4.1.2.2), positive and
 * non-zero, written as its DER content octets (no leading 00 unless the next octet needs it).
 */
function serialOctets(serialHex: string): ArrayBuffer {
  if (typeof serialHex !== "string" || !/^(?:[0-9a-f]{2}){1,20}$/.test(serialHex)) {
    throw new AppError("bad_request", "The serial must be 1 to 20 octets of lowercase hex (RFC 5280 §4.1.2.2)");
  }
  if (/^0*$/.test(serialHex) || Number.parseInt(serialHex.slice(0, 2), 16) >= 0x80) {
    throw new AppError("bad_request", "The serial must be a positive, non-zero integer (RFC 5280 §4.1.2.2)");
  }
  const bytes = new Uint8Array(serialHex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(serialHex.slice(2 * i, 2 * i + 2), 16);
  return bytes.buffer;
}

/** The subject key: RSA of at least 2048 bits, or EC P-256/P-384 (CA/B BR §6.1.5); true for RSA. */
function checkSubjectKey(publicKey: CryptoKey): { rsa: boolean } {
  const algorithm = publicKey?.algorithm as { name?: string; namedCurve?: string; modulusLength?: number } | undefined;
  if (publicKey?.type !== "public" || !algorithm) throw new AppError("bad_request", "The subject key must be a public key");
  if (algorithm.name === "ECDSA" || algorithm.name === "ECDH") {
    if (algorithm.namedCurve === "P-256" || algorithm.namedCurve === "P-384") return { rsa: false };
    throw new AppError("bad_request", `EC keys on ${String(algorithm.namedCurve)} are not accepted; use P-256 or P-384`);
  }
  if (algorithm.name?.startsWith("RSA")) {
    if ((algorithm.modulusLength ?? 0) >= 2048) return { rsa: true };
    throw new AppError("bad_request", `RSA keys of ${String(algorithm.modulusLength)} bits are too short; use at least 2048`);
  }
  throw new AppError("bad_request", `${String(algorithm.name)} keys are not accepted; use RSA or EC P-256/P-384`);
}

/**
 * dNSName, rfc822Name and URI are IA5Strings (RFC 5280 §4.2.1.6): visible ASCII only, internationalized names as
 * A-labels (§7.2–§7.4). The names normalizer ensures it; this refuses anything else rather than encode it wrongly.
 */
function ia5Names(list: unknown, field: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new AppError("validation_failed", `${field} must be a list`, { param: field });
  for (const value of list) {
    if (typeof value !== "string" || !/^[\x21-\x7e]{1,2048}$/.test(value)) {
      throw new AppError("validation_failed", `${field} holds a value that is not visible ASCII (use A-labels for IDNs): ${String(value).slice(0, 64)}`, {
        param: field,
      });
    }
  }
  return list as string[];
}

/** The subject: CN only, or empty when the names are all in the SAN (RFC 5280 §4.1.2.6), as x509.Name encodes it. */
function subjectName(commonName: string | undefined): asn1x509.Name {
  if (commonName === undefined || commonName === "") return new asn1x509.Name();
  if (typeof commonName !== "string" || commonName.length > maxCommonNameLength) {
    throw new AppError("validation_failed", `commonName must be a string of at most ${maxCommonNameLength} characters (RFC 5280 Appendix A)`, {
      param: "commonName",
    });
  }
  return AsnConvert.parse(new x509.Name([{ CN: [commonName] }]).toArrayBuffer(), asn1x509.Name);
}

/** A library extension as its ASN.1 schema object, to be encoded as part of every TBS without being rebuilt. */
const asnExtension = (extension: x509.Extension): asn1x509.Extension => AsnConvert.parse(extension.rawData, asn1x509.Extension);

/** The SAN (RFC 5280 §4.2.1.6), critical when the subject is empty. */
function subjectAltNameExtension(names: SubjectNames, critical: boolean): asn1x509.Extension {
  const generalNames = [
    ...names.dnsNames.map((value) => new asn1x509.GeneralName({ dNSName: value })),
    ...names.ipAddresses.map((value) => new asn1x509.GeneralName({ iPAddress: value })),
    ...names.uris.map((value) => new asn1x509.GeneralName({ uniformResourceIdentifier: value })),
    ...names.emails.map((value) => new asn1x509.GeneralName({ rfc822Name: value })),
  ];
  let value: ArrayBuffer;
  try {
    value = AsnConvert.serialize(new asn1x509.SubjectAlternativeName(generalNames));
  } catch (error) {
    throw new AppError("validation_failed", "A name could not be encoded in the subjectAltName", { param: "names", cause: error });
  }
  return new asn1x509.Extension({ extnID: asn1x509.id_ce_subjectAltName, critical, extnValue: new OctetString(value) });
}

/** SKI: the SHA-1 of the subjectPublicKey BIT STRING (RFC 5280 §4.2.1.2, method 1), as the library derives it. */
async function subjectKeyIdentifierExtension(spki: asn1x509.SubjectPublicKeyInfo): Promise<asn1x509.Extension> {
  const keyId = await crypto.subtle.digest("SHA-1", spki.subjectPublicKey);
  const value = AsnConvert.serialize(new asn1x509.SubjectKeyIdentifier(keyId));
  return new asn1x509.Extension({ extnID: asn1x509.id_ce_subjectKeyIdentifier, extnValue: new OctetString(value) });
}

/** One CA's prepared signer: `sign` checks and signs one leaf. */
export class LeafSigner {
  private readonly issuerName: asn1x509.Name;
  private readonly signatureAlgorithm: asn1x509.AlgorithmIdentifier;
  private readonly webAlgorithm: EcdsaParams | Algorithm;
  private readonly ownConstraints: NameConstraints | null;
  private readonly fixed = new Map<string, Promise<asn1x509.Extension[]>>();

  private constructor(private readonly issuer: SigningCa) {
    checkIssuerIsCa(issuer);
    this.issuerName = AsnConvert.parse(issuer.certificate.subjectName.toArrayBuffer(), asn1x509.Name);
    this.webAlgorithm = caSigningAlgorithm(issuer.privateKey);
    // As X509CertificateGenerator: the key's own algorithm (curve, modulus) completes the signing parameters.
    this.webAlgorithm = { ...this.webAlgorithm, ...issuer.privateKey.algorithm } as EcdsaParams;
    this.signatureAlgorithm = new x509.AlgorithmProvider().toAsnAlgorithm(this.webAlgorithm);
    this.ownConstraints = readNameConstraints(issuer.certificate);
  }

  /** The signer of `issuer`, prepared on first use and kept as long as that opened CA is (a WeakMap entry). */
  static of(issuer: SigningCa): LeafSigner {
    let signer = signers.get(issuer);
    if (!signer) {
      signer = new LeafSigner(issuer);
      signers.set(issuer, signer);
    }
    return signer;
  }

  /**
   * basicConstraints CA:false (critical, as RFC 5280 §4.2.1.9 permits), keyUsage critical: digitalSignature, plus
   * keyEncipherment for RSA keys (RSA key transport, §4.2.1.3), EKU from the profile (§4.2.1.12); after the SAN and
   * SKI, the AKI (§4.2.1.1), CRL DP when given (§4.2.1.13), AIA caIssuers (§4.2.2.1). Encoded once per combination.
   */
  private fixedExtensions(profile: LeafProfile, rsa: boolean, crlUrl: string | undefined, caIssuersUrl: string) {
    const key = JSON.stringify([profile, rsa, crlUrl ?? null, caIssuersUrl]);
    let prepared = this.fixed.get(key);
    if (!prepared) {
      const purposes = profileExtendedKeyUsages(profile);
      const usages = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
      const distribution = distributionExtensions(crlUrl, caIssuersUrl);
      prepared = authorityKeyIdentifier(this.issuer).then((aki) =>
        [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(usages, true),
          new x509.ExtendedKeyUsageExtension(purposes, false),
          aki,
          ...distribution,
        ].map(asnExtension),
      );
      // A bounded memo: profiles × key kinds × the CA's URL pairs; a changed URL (a new public origin) adds one.
      if (this.fixed.size >= 32) this.fixed.clear();
      this.fixed.set(key, prepared);
      prepared.catch(() => this.fixed.delete(key));
    }
    return prepared;
  }

  /**
   * Signs a leaf. Names outside the issuing CA's own name constraints, or outside `constraintsAbove` (those of the
   * CAs above it, which the caller has), are refused before anything is signed (§4.2.1.10 binds every certificate
   * below a constrained CA), as are a profile the CA's EKU forbids and a validity past the CA's notAfter.
   */
  async sign(input: LeafToSign): Promise<SignedLeafCertificate> {
    const { profile } = input;
    assertProfileAllowedBy(this.issuer.certificate, profile);
    const serialNumber = serialOctets(input.serialHex);
    checkValidity(input.notBefore, input.notAfter, this.issuer);
    const { rsa } = checkSubjectKey(input.publicKey);
    const given = input.names;
    if (given === null || typeof given !== "object") throw new AppError("validation_failed", "names are required", { param: "names" });
    const names: SubjectNames = {
      commonName: given.commonName,
      dnsNames: ia5Names(given.dnsNames, "dnsNames"),
      ipAddresses: ia5Names(given.ipAddresses, "ipAddresses"),
      uris: ia5Names(given.uris, "uris"),
      emails: ia5Names(given.emails, "emails"),
    };
    const subject = subjectName(names.commonName);
    const above = input.constraintsAbove ?? [];
    const outside = namesOutsideConstraints(names, this.ownConstraints ? [this.ownConstraints, ...above] : above);
    if (outside.length > 0) {
      const shown = outside.slice(0, 5).join(", ") + (outside.length > 5 ? `, … (${outside.length} in all)` : "");
      throw new AppError("validation_failed", `Outside the CA's name constraints (RFC 5280 §4.2.1.10): ${shown}`, { param: "names" });
    }
    const hasAltNames = names.dnsNames.length + names.ipAddresses.length + names.uris.length + names.emails.length > 0;
    if (!hasAltNames && subject.length === 0) {
      throw new AppError("validation_failed", "A certificate needs a commonName or at least one DNS name, IP address, URI or email");
    }

    const [fixed, spki] = await Promise.all([
      this.fixedExtensions(profile, rsa, input.crlUrl, input.caIssuersUrl),
      (input.spki ? Promise.resolve(input.spki) : crypto.subtle.exportKey("spki", input.publicKey)).then((der) =>
        AsnConvert.parse(der as ArrayBuffer, asn1x509.SubjectPublicKeyInfo),
      ),
    ]);
    const [basicConstraints, keyUsage, extendedKeyUsage, ...after] = fixed;
    const extensions = [basicConstraints!, keyUsage!, extendedKeyUsage!];
    if (hasAltNames) extensions.push(subjectAltNameExtension(names, subject.length === 0));
    extensions.push(await subjectKeyIdentifierExtension(spki), ...after);

    const tbsCertificate = new asn1x509.TBSCertificate({
      version: asn1x509.Version.v3,
      serialNumber,
      signature: this.signatureAlgorithm,
      issuer: this.issuerName,
      validity: new asn1x509.Validity({ notBefore: input.notBefore, notAfter: input.notAfter }),
      subject,
      subjectPublicKeyInfo: spki,
      extensions: new asn1x509.Extensions(extensions),
    });
    const tbsAsn = AsnSerializer.toASN(tbsCertificate);
    const tbs = tbsAsn.toBER(false);
    const signature = await crypto.subtle.sign(this.webAlgorithm, this.issuer.privateKey, tbs);
    // WebCrypto's ECDSA signature is r‖s (IEEE P1363); X.509 carries ECDSA-Sig-Value (RFC 5480 §2.2 / RFC 3279 §2.2.3).
    const signatureValue = new x509.AsnEcSignatureFormatter().toAsnSignature(this.webAlgorithm, signature) ?? signature;
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1), around the TBS
    // already converted to asn1js (the schema-to-asn1js step is the costly half of an encoding; it is not done twice).
    const der = new asn1js.Sequence({
      value: [
        tbsAsn,
        AsnSerializer.toASN(this.signatureAlgorithm),
        new asn1js.BitString({ valueHex: signatureValue }),
      ],
    }).toBER(false);
    const whole = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);
    return { der, notBefore: whole(input.notBefore), notAfter: whole(input.notAfter) };
  }
}

const signers = new WeakMap<SigningCa, LeafSigner>();
