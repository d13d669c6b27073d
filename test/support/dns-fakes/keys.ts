/** Test-time keys: a Google service-account key pair generated fresh for each run (never committed). */
import { bytesToBase64 } from "../../../src/crypto/encoding";

export interface ServiceAccountKey {
  /** PKCS#8 PEM, as in the "private_key" field of a service-account JSON file. */
  privateKeyPem: string;
  publicKey: CryptoKey;
}

export async function generateServiceAccountKey(): Promise<ServiceAccountKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const lines = bytesToBase64(pkcs8).match(/.{1,64}/g)!.join("\n");
  return { privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${lines}\n-----END PRIVATE KEY-----\n`, publicKey: pair.publicKey };
}
