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

async function openFresh(keys: SealingKeys, row: CertificateAuthorityRow): Promise<SigningCa> {
  const certificate = new x509.X509Certificate(row.certificatePem);
  const pem = await unseal(keys, row.sealedKey, row.id);
  return { certificate, privateKey: await importSigningKey(pem, certificate) };
}

interface Opened {
  /** The exact texts it was opened from: any change to the row (a re-sealed key, a new certificate) opens it again. */
  source: string;
  ca: Promise<SigningCa>;
}

/** CAs opened in this isolate, by id; few CAs sign often, so a small bound that drops the oldest is enough. */
const opened = new Map<string, Opened>();
const OPENED_MAX = 64;

/**
 * The CA of `row`, ready to sign: the key sealed with the row's id as associated data (store/certificate-authorities.ts).
 * Unsealing, importing and parsing are done once per isolate for the same row texts and keyring; the caller still
 * checks the row's status and validity on every request (this holds no status).
 */
export function openSigningCa(keys: SealingKeys, row: CertificateAuthorityRow): Promise<SigningCa> {
  const source = `${keys}\n${row.sealedKey}\n${row.certificatePem}`;
  const hit = opened.get(row.id);
  if (hit && hit.source === source) return hit.ca;
  const ca = openFresh(keys, row);
  ca.catch(() => {
    if (opened.get(row.id)?.ca === ca) opened.delete(row.id);
  });
  opened.delete(row.id);
  if (opened.size >= OPENED_MAX) opened.delete(opened.keys().next().value!);
  opened.set(row.id, { source, ca });
  return ca;
}

/** "EC P-256", "RSA 3072": what the API shows of a key. */
export function describePublicKey(certificate: x509.X509Certificate): string {
  const algorithm = certificate.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  return algorithm.name === "ECDSA" ? `EC ${algorithm.namedCurve}` : `RSA ${algorithm.modulusLength}`;
}

/** SHA-256 of the certificate's DER, lowercase hex without separators (the wire's `fingerprintSha256`). */
export async function fingerprintHex(certificate: x509.X509Certificate | ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", certificate instanceof ArrayBuffer ? certificate : certificate.rawData));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
