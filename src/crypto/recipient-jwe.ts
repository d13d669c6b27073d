/** Sealing a secret to a recipient's public key as a compact JWE (ECDH-ES, A256GCM): only that recipient can open it. */
import { CompactEncrypt, calculateJwkThumbprint, importJWK } from "jose";
import { AppError } from "../core/errors";
import { utf8 } from "./encoding";

/** A recipient's public key: a P-256 point (EC) or an X25519 key (OKP), the curves ECDH-ES is used with here. */
export type RecipientJwk = { kty: "EC"; crv: "P-256"; x: string; y: string } | { kty: "OKP"; crv: "X25519"; x: string };

/** What identifies a recipient in the audit log: its curve and RFC 7638 thumbprint, public facts about a public key. */
export interface RecipientSummary {
  kty: RecipientJwk["kty"];
  crv: RecipientJwk["crv"];
  thumbprint: string;
}

// ECDH-ES in direct key agreement mode (RFC 7518 §4.6): the content key is derived (Concat KDF) from a fresh ephemeral
// key, sent as `epk`, and the recipient's key, so no wrapped key travels and nothing is reused between seals. The content
// is encrypted with A256GCM (RFC 7518 §5.3); the compact serialization is RFC 7516 §7.1.
const PROTECTED_HEADER = { alg: "ECDH-ES", enc: "A256GCM" } as const;

/** Only the members that make the public key: `use`, `key_ops` or `alg` given with it cannot change what it is used for. */
function publicMembers(jwk: RecipientJwk): RecipientJwk {
  return jwk.kty === "EC" ? { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: "OKP", crv: jwk.crv, x: jwk.x };
}

/** The recipient's key as WebCrypto holds it; a point off the curve or a wrong length is the caller's 400. */
async function importRecipient(jwk: RecipientJwk) {
  try {
    return await importJWK(publicMembers(jwk), PROTECTED_HEADER.alg);
  } catch {
    throw new AppError("validation_failed", `recipient: not a valid ${jwk.crv} public key`, { param: "recipient" });
  }
}

/** `plaintext` as a compact JWE that only the holder of `recipient`'s private key can decrypt. */
export async function sealToRecipient(plaintext: string, recipient: RecipientJwk): Promise<string> {
  const key = await importRecipient(recipient);
  return new CompactEncrypt(utf8.encode(plaintext)).setProtectedHeader(PROTECTED_HEADER).encrypt(key);
}

/** The recipient as the audit log names it. */
export async function summarizeRecipient(recipient: RecipientJwk): Promise<RecipientSummary> {
  return { kty: recipient.kty, crv: recipient.crv, thumbprint: await calculateJwkThumbprint(publicMembers(recipient), "sha256") };
}
