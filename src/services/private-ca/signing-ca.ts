/** A stored CA opened for signing: its certificate parsed, its key unsealed and imported (never exported again). */
import { AppError } from "../../core/errors";
import { type SealingKeys, unseal } from "../../crypto/sealing";
import { pemToDer } from "../../pki";
import type { SigningCa } from "../../pki/private-ca";
import { x509 } from "../../pki/x509-setup";
import type { CertificateAuthorityRow } from "../../store/certificate-authorities";

/** WebCrypto parameters that import a private key of the certificate's public key algorithm for signing. */
function importParamsOf(certificate: x509.X509Certificate): RsaHashedImportParams | EcKeyImportParams {
  const algorithm = certificate.publicKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name === "ECDSA" && algorithm.namedCurve) return { name: "ECDSA", namedCurve: algorithm.namedCurve };
  if (algorithm.name === "RSASSA-PKCS1-v1_5" || algorithm.name === "RSA-PSS") return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  // Every CA stored here was made or checked with an RSA or EC key; anything else is a bug, not a request to serve.
  throw new AppError("internal", "Internal server error");
}

/** Imports a PKCS#8 PEM key for signing as `certificate`'s key (not extractable: once opened it only signs). */
export async function importSigningKey(pem: string, certificate: x509.X509Certificate): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", pemToDer(pem), importParamsOf(certificate), false, ["sign"]);
}

/** The CA of `row`, ready to sign: the key sealed with the row's id as associated data (store/certificate-authorities.ts). */
export async function openSigningCa(keys: SealingKeys, row: CertificateAuthorityRow): Promise<SigningCa> {
  const certificate = new x509.X509Certificate(row.certificatePem);
  const pem = await unseal(keys, row.sealedKey, row.id);
  return { certificate, privateKey: await importSigningKey(pem, certificate) };
}

/** "EC P-256", "RSA 3072": what the API shows of a key. */
export function describePublicKey(certificate: x509.X509Certificate): string {
  const algorithm = certificate.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  return algorithm.name === "ECDSA" ? `EC ${algorithm.namedCurve}` : `RSA ${algorithm.modulusLength}`;
}

/** SHA-256 of the certificate's DER, lowercase hex without separators (the wire's `fingerprintSha256`). */
export async function fingerprintHex(certificate: x509.X509Certificate): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", certificate.rawData));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
