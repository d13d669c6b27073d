/** What every certificate a private CA signs shares: the signature algorithm, the validity rules, AKI, CRL DP and AIA. */
import { AppError } from "../../core/errors";
import { x509 } from "../x509-setup";

/** A CA able to sign: its certificate and its private key. */
export interface SigningCa {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
}

/**
 * The signature algorithm for a CA key: ECDSA with the hash matching the curve (P-256 → SHA-256, P-384 → SHA-384, as
 * CA/B BR §7.1.3.2 pairs them), RSASSA-PKCS1-v1_5 with SHA-256 (WebCrypto binds the hash to an RSA key, so the key must
 * have been imported for SHA-256).
 */
export function caSigningAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  const algorithm = key.algorithm as { name?: string; namedCurve?: string; modulusLength?: number; hash?: { name?: string } };
  if (algorithm.name === "ECDSA") {
    if (algorithm.namedCurve === "P-256") return { name: "ECDSA", hash: "SHA-256" } as EcdsaParams;
    if (algorithm.namedCurve === "P-384") return { name: "ECDSA", hash: "SHA-384" } as EcdsaParams;
    throw new AppError("invalid_private_key", `A CA key on curve ${String(algorithm.namedCurve)} cannot sign here; use P-256 or P-384`);
  }
  if (algorithm.name === "RSASSA-PKCS1-v1_5") {
    if (algorithm.hash?.name !== "SHA-256") throw new AppError("invalid_private_key", "An RSA CA key must be imported for SHA-256");
    if ((algorithm.modulusLength ?? 0) < 2048) throw new AppError("invalid_private_key", "An RSA CA key must have at least 2048 bits");
    return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm;
  }
  throw new AppError("invalid_private_key", `A ${String(algorithm.name)} key cannot sign certificates here; use ECDSA or RSA`);
}

function validDate(date: unknown): date is Date {
  return date instanceof Date && !Number.isNaN(date.getTime());
}

/**
 * notBefore < notAfter, and never past the issuer's notAfter: a certificate outliving its issuer stops validating
 * when the issuer expires (RFC 5280 §6.1.3 checks every certificate of the path), so it is refused rather than issued.
 */
export function checkValidity(notBefore: Date, notAfter: Date, issuer?: SigningCa): void {
  if (!validDate(notBefore) || !validDate(notAfter)) {
    throw new AppError("validation_failed", "notBefore and notAfter must be valid dates", { param: "validity" });
  }
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new AppError("validation_failed", "notAfter must be after notBefore", { param: "validity" });
  }
  if (issuer && notAfter.getTime() > issuer.certificate.notAfter.getTime()) {
    throw new AppError(
      "validation_failed",
      `The validity ends after the issuing CA's own notAfter (${issuer.certificate.notAfter.toISOString()}); shorten it`,
      { param: "validity" },
    );
  }
}

/** The issuer must be a CA allowed to sign certificates (RFC 5280 §4.2.1.9 cA, §4.2.1.3 keyCertSign). */
export function checkIssuerIsCa(issuer: SigningCa): void {
  const constraints = issuer.certificate.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) throw new AppError("bad_request", "The issuing certificate is not a CA (basicConstraints CA:true is missing)");
  const usage = issuer.certificate.getExtension(x509.KeyUsagesExtension);
  if (usage && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new AppError("bad_request", "The issuing CA's keyUsage does not allow keyCertSign");
  }
}

/**
 * AKI keyIdentifier = the issuer's own SKI (RFC 5280 §4.2.1.1), copied rather than recomputed: an imported CA may have
 * derived its SKI by another method than the SHA-1 of §4.2.1.2 (1).
 */
export async function authorityKeyIdentifier(issuer: SigningCa): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = issuer.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey);
}

function checkUrl(url: string, param: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError("validation_failed", `${param} is not a URL`, { param });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new AppError("validation_failed", `${param} must be an http(s) URL`, { param });
  }
  return url;
}

/**
 * CRL distribution point (RFC 5280 §4.2.1.13) when a CRL URL is given, and AIA caIssuers (RFC 5280 §4.2.2.1) when
 * an issuer URL is given: where a relying party finds the revocation list and the issuing CA's certificate.
 */
export function distributionExtensions(crlUrl: string | undefined, caIssuersUrl: string | undefined): x509.Extension[] {
  const extensions: x509.Extension[] = [];
  if (crlUrl !== undefined) extensions.push(new x509.CRLDistributionPointsExtension([checkUrl(crlUrl, "crlUrl")]));
  if (caIssuersUrl !== undefined) {
    extensions.push(new x509.AuthorityInfoAccessExtension({ caIssuers: checkUrl(caIssuersUrl, "caIssuersUrl") }));
  }
  return extensions;
}
