/** End-entity certificates signed by a team's private CA, shaped by a profile (server, client, server-client). */
import { AppError } from "../../core/errors";
import { x509 } from "../x509-setup";
import {
  authorityKeyIdentifier,
  caSigningAlgorithm,
  checkIssuerIsCa,
  checkValidity,
  distributionExtensions,
  type SigningCa,
} from "./issuing";
import { type NameConstraints, namesOutsideConstraints, readNameConstraints } from "./name-constraints";
import type { SubjectNames } from "./names";
import { assertProfileAllowedBy, type LeafProfile, profileExtendedKeyUsages } from "./profiles";

/** RFC 5280 Appendix A ub-common-name. */
const maxCommonNameLength = 64;

/**
 * A serial the caller drew with randomSerialHex: lowercase hex, 1–20 octets (RFC 5280 §4.1.2.2), positive and
 * non-zero, written as its DER content octets (no leading 00 unless the next octet needs it).
 */
function checkSerial(serialHex: string): void {
  if (typeof serialHex !== "string" || !/^(?:[0-9a-f]{2}){1,20}$/.test(serialHex)) {
    throw new AppError("bad_request", "The serial must be 1 to 20 octets of lowercase hex (RFC 5280 §4.1.2.2)");
  }
  if (/^0*$/.test(serialHex) || Number.parseInt(serialHex.slice(0, 2), 16) >= 0x80) {
    throw new AppError("bad_request", "The serial must be a positive, non-zero integer (RFC 5280 §4.1.2.2)");
  }
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

function subjectAltNames(names: SubjectNames): x509.JsonGeneralNames {
  return [
    ...names.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...names.ipAddresses.map((value) => ({ type: "ip" as const, value })),
    ...names.uris.map((value) => ({ type: "url" as const, value })),
    ...names.emails.map((value) => ({ type: "email" as const, value })),
  ];
}

function subjectName(commonName: string | undefined): x509.Name {
  if (commonName === undefined || commonName === "") return new x509.Name([]);
  if (typeof commonName !== "string" || commonName.length > maxCommonNameLength) {
    throw new AppError("validation_failed", `commonName must be a string of at most ${maxCommonNameLength} characters (RFC 5280 Appendix A)`, {
      param: "commonName",
    });
  }
  return new x509.Name([{ CN: [commonName] }]);
}

function checkNameConstraints(issuer: SigningCa, names: SubjectNames, above: NameConstraints[]): void {
  const own = readNameConstraints(issuer.certificate);
  const outside = namesOutsideConstraints(names, own ? [own, ...above] : above);
  if (outside.length > 0) {
    const shown = outside.slice(0, 5).join(", ") + (outside.length > 5 ? `, … (${outside.length} in all)` : "");
    throw new AppError("validation_failed", `Outside the CA's name constraints (RFC 5280 §4.2.1.10): ${shown}`, { param: "names" });
  }
}

/**
 * basicConstraints CA:false (critical, as RFC 5280 §4.2.1.9 permits), keyUsage critical: digitalSignature, plus
 * keyEncipherment for RSA keys (RSA key transport, RFC 5280 §4.2.1.3), EKU from the profile (§4.2.1.12), SAN from the
 * names (critical when the subject is empty, §4.2.1.6), subject CN when given, SKI (§4.2.1.2), AKI (§4.2.1.1), CRL DP
 * when crlUrl is given (the caller omits it for short-lived certificates, which are never listed), AIA caIssuers
 * (§4.2.2.1). The serial is the caller's (randomSerialHex), so it can be recorded before signing.
 * Names outside the issuing CA's own name constraints, or outside `constraintsAbove` (those of the CAs above it, which
 * the caller has), are refused before anything is signed (§4.2.1.10 binds every certificate below a constrained CA).
 */
export async function createLeafCertificate(input: {
  issuer: SigningCa;
  publicKey: CryptoKey;
  profile: LeafProfile;
  names: SubjectNames;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  crlUrl?: string;
  caIssuersUrl: string;
  constraintsAbove?: NameConstraints[];
}): Promise<x509.X509Certificate> {
  const { issuer, profile } = input;
  const purposes = profileExtendedKeyUsages(profile);
  checkIssuerIsCa(issuer);
  assertProfileAllowedBy(issuer.certificate, profile);
  checkSerial(input.serialHex);
  checkValidity(input.notBefore, input.notAfter, issuer);
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
  checkNameConstraints(issuer, names, input.constraintsAbove ?? []);
  const altNames = subjectAltNames(names);
  if (altNames.length === 0 && subject.toString() === "") {
    throw new AppError("validation_failed", "A certificate needs a commonName or at least one DNS name, IP address, URI or email");
  }
  const usages = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.ExtendedKeyUsageExtension(purposes, false),
  ];
  if (altNames.length > 0) {
    let san: x509.SubjectAlternativeNameExtension;
    try {
      san = new x509.SubjectAlternativeNameExtension(altNames, subject.toString() === "");
    } catch (error) {
      throw new AppError("validation_failed", "A name could not be encoded in the subjectAltName", { param: "names", cause: error });
    }
    extensions.push(san);
  }
  extensions.push(
    await x509.SubjectKeyIdentifierExtension.create(input.publicKey),
    await authorityKeyIdentifier(issuer),
    ...distributionExtensions(input.crlUrl, input.caIssuersUrl),
  );

  return await x509.X509CertificateGenerator.create({
    serialNumber: input.serialHex,
    subject,
    issuer: issuer.certificate.subjectName,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    publicKey: input.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: caSigningAlgorithm(issuer.privateKey),
    extensions,
  });
}
