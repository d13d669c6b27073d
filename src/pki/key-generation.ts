/** Certificate key pairs for ACME issuance: generate, and export as PKCS#8 PEM to seal beside the certificate. */
import { AppError } from "../core/errors";
import { derToPem } from "./pem";

export type CertificateKeySpec =
  | { keyType: "rsa"; keySize: 2048 | 3072 | 4096 }
  | { keyType: "ec"; curve: "P-256" | "P-384" };

/** WebCrypto parameters for a spec: RSASSA-PKCS1-v1_5/SHA-256 with e = 65537, or ECDSA on the named curve. */
function generationParams(spec: CertificateKeySpec): RsaHashedKeyGenParams | EcKeyGenParams {
  if (spec?.keyType === "rsa" && [2048, 3072, 4096].includes(spec.keySize)) {
    return { name: "RSASSA-PKCS1-v1_5", modulusLength: spec.keySize, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  }
  if (spec?.keyType === "ec" && (spec.curve === "P-256" || spec.curve === "P-384")) {
    return { name: "ECDSA", namedCurve: spec.curve };
  }
  throw new AppError("bad_request", "Unsupported certificate key: use RSA 2048/3072/4096 or EC P-256/P-384");
}

/** A fresh key pair with an extractable private key (it is sealed and stored beside the certificate). */
export async function generateCertificateKey(spec: CertificateKeySpec): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(generationParams(spec), true, ["sign", "verify"])) as CryptoKeyPair;
}

/** The private key as PKCS#8 PEM ("PRIVATE KEY", RFC 7468 §10). */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = (await crypto.subtle.exportKey("pkcs8", key)) as ArrayBuffer;
  return derToPem(new Uint8Array(pkcs8), "PRIVATE KEY");
}
