/**
 * The check every deploy-target fake makes before it accepts a certificate: the private key it was sent is the one the
 * certificate certifies. Its own code (WebCrypto and @peculiar/x509 only, nothing from src/), so a test fails if the
 * service sends the wrong key. Runs in workerd and in Node 20.
 */
// @peculiar/x509 needs the Reflect metadata API loaded first (under Node; workerd tests load it in setup too).
import "reflect-metadata";
import { X509Certificate } from "@peculiar/x509";

function pemBody(pem: string, label: string): Uint8Array<ArrayBuffer> | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) return undefined;
  const binary = atob(match[1]!.replace(/\s+/g, ""));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function sameBytes(a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean {
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/** The WebCrypto algorithm to import the key with, from the certificate's public key. */
function algorithmOf(certificate: X509Certificate): RsaHashedImportParams | EcKeyImportParams | undefined {
  const algorithm = certificate.publicKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name === "RSASSA-PKCS1-v1_5" || algorithm.name === "RSA-PSS") return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  if (algorithm.name === "ECDSA" && algorithm.namedCurve) return { name: "ECDSA", namedCurve: algorithm.namedCurve };
  return undefined;
}

/**
 * Why `privateKeyPem` (PKCS#8, or PKCS#1 / SEC1 are refused) does not belong to the leaf of `certificatePem`, or
 * undefined when it does. The public half is derived from the private JWK and compared with the certificate's SPKI.
 */
export async function keyMismatch(certificatePem: string, privateKeyPem: string): Promise<string | undefined> {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    return "The certificate is not a PEM X.509 certificate";
  }
  const pkcs8 = pemBody(privateKeyPem, "PRIVATE KEY");
  if (!pkcs8) return "The private key is not a PKCS#8 PEM key";
  const algorithm = algorithmOf(certificate);
  if (!algorithm) return "The certificate's key type is not supported";
  try {
    const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, algorithm, true, ["sign"]);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...publicJwk } = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
    const publicKey = await crypto.subtle.importKey("jwk", publicJwk, algorithm, true, ["verify"]);
    const spki = await crypto.subtle.exportKey("spki", publicKey);
    return sameBytes(spki, certificate.publicKey.rawData) ? undefined : "The private key does not match the certificate";
  } catch {
    return "The private key could not be read for the certificate's key type";
  }
}
