/** CA key pairs and CA certificates (roots and intermediates) of a team's private CA. */
import { AppError } from "../../core/errors";
import { generateCertificateKey } from "../key-generation";
import { x509 } from "../x509-setup";
import {
  authorityKeyIdentifier,
  caSigningAlgorithm,
  checkIssuerIsCa,
  checkValidity,
  distributionExtensions,
  type SigningCa,
} from "./issuing";
import { type NameConstraints, nameConstraintsExtension } from "./name-constraints";
import { randomSerialHex } from "./serial";

export type { SigningCa };

export type CaKeySpec = { keyType: "ec"; keySize: 256 | 384 } | { keyType: "rsa"; keySize: 2048 | 3072 | 4096 };

/** A fresh CA key pair, extractable so it can be sealed: ECDSA P-256/P-384 or RSASSA-PKCS1-v1_5 (SHA-256, e = 65537). */
export async function generateCaKey(spec: CaKeySpec): Promise<CryptoKeyPair> {
  if (spec?.keyType === "ec" && (spec.keySize === 256 || spec.keySize === 384)) {
    return await generateCertificateKey({ keyType: "ec", curve: spec.keySize === 256 ? "P-256" : "P-384" });
  }
  if (spec?.keyType === "rsa" && [2048, 3072, 4096].includes(spec.keySize)) {
    return await generateCertificateKey({ keyType: "rsa", keySize: spec.keySize });
  }
  throw new AppError("validation_failed", "Unsupported CA key: use ec with keySize 256 or 384, or rsa with 2048, 3072 or 4096", {
    param: "keySize",
  });
}

export interface CaSubject {
  commonName: string;
  organization?: string;
}

/** RFC 5280 Appendix A: ub-common-name and ub-organization-name are both 64. */
const maxNameAttributeLength = 64;
/** More CA levels than anyone runs below a private root; a bound keeps the input sane. */
const maxPathLength = 8;

function nameAttribute(value: unknown, param: string, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw new AppError("validation_failed", `${param} must be a non-empty string`, { param });
  }
  const trimmed = value.trim();
  if (trimmed.length > maxNameAttributeLength) {
    throw new AppError("validation_failed", `${param} is longer than ${maxNameAttributeLength} characters (RFC 5280 Appendix A)`, { param });
  }
  return trimmed;
}

/** The CA's distinguished name: O (when given), then CN. */
export function caSubjectName(subject: CaSubject): x509.Name {
  if (subject === null || typeof subject !== "object") throw new AppError("validation_failed", "subject is required", { param: "subject" });
  const commonName = nameAttribute(subject.commonName, "subject.commonName", true)!;
  const organization = nameAttribute(subject.organization, "subject.organization", false);
  return new x509.Name([...(organization ? [{ O: [organization] }] : []), { CN: [commonName] }]);
}

/**
 * The pathLenConstraint to write (RFC 5280 §4.2.1.9): a root takes what is asked (absent: no limit); an intermediate
 * must leave room below its issuer (the issuer's pathLength − 1 at most; a pathLength-0 issuer signs no CA at all) and
 * defaults to 0, a CA that issues only leaves.
 */
function pathLengthFor(requested: number | undefined, issuer: SigningCa | undefined): number | undefined {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 0 || requested > maxPathLength)) {
    throw new AppError("validation_failed", `pathLength must be an integer from 0 to ${maxPathLength}`, { param: "pathLength" });
  }
  if (!issuer) return requested;
  const above = issuer.certificate.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  if (above === 0) {
    throw new AppError("validation_failed", "The parent CA has pathLength 0: it may issue only leaf certificates, not intermediates", {
      param: "parentId",
    });
  }
  const pathLength = requested ?? 0;
  if (above !== undefined && pathLength > above - 1) {
    throw new AppError("validation_failed", `pathLength must be at most ${above - 1}, one less than the parent CA's`, {
      param: "pathLength",
    });
  }
  return pathLength;
}

function hasConstraints(constraints: NameConstraints | null | undefined): constraints is NameConstraints {
  // RFC 5280 §4.2.1.10: an empty NameConstraints is not allowed; no subtrees means no extension.
  return !!constraints && Object.values(constraints).some((list) => Array.isArray(list) && list.length > 0);
}

/**
 * A root (self-signed, no issuer) or an intermediate (issuer given): basicConstraints CA:true critical with
 * pathLength, keyUsage keyCertSign + cRLSign + digitalSignature critical (RFC 5280 §4.2.1.3, §4.2.1.9; CA/B BR
 * §7.1.2.1/§7.1.2.10), SKI (§4.2.1.2), AKI for an intermediate (§4.2.1.1; optional for a self-signed root), name
 * constraints when given (critical, §4.2.1.10), and for an intermediate the parent's CRL DP and AIA caIssuers when given.
 */
export async function createCaCertificate(input: {
  subject: CaSubject;
  keys: CryptoKeyPair;
  issuer?: SigningCa;
  notBefore: Date;
  notAfter: Date;
  pathLength?: number;
  nameConstraints?: NameConstraints | null;
  crlUrl?: string;
  caIssuersUrl?: string;
}): Promise<x509.X509Certificate> {
  const { issuer, keys } = input;
  const subject = caSubjectName(input.subject);
  if (issuer) checkIssuerIsCa(issuer);
  checkValidity(input.notBefore, input.notAfter, issuer);
  if (issuer && subject.toString() === issuer.certificate.subject) {
    // Same subject as its issuer would make it self-issued (RFC 5280 §3.2), which path building treats differently.
    throw new AppError("validation_failed", "An intermediate needs a subject different from its parent CA's", { param: "subject" });
  }
  const pathLength = pathLengthFor(input.pathLength, issuer);
  const signer = issuer?.privateKey ?? keys.privateKey;

  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (issuer) extensions.push(await authorityKeyIdentifier(issuer));
  if (hasConstraints(input.nameConstraints)) extensions.push(nameConstraintsExtension(input.nameConstraints));
  if (issuer) extensions.push(...distributionExtensions(input.crlUrl, input.caIssuersUrl));

  return await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject,
    issuer: issuer ? issuer.certificate.subjectName : subject,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    publicKey: keys.publicKey,
    signingKey: signer,
    signingAlgorithm: caSigningAlgorithm(signer),
    extensions,
  });
}
