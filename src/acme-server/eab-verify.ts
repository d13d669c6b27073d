/** External account binding on the server side (RFC 8555 §7.3.4): checking the MAC'd JWS and minting EAB keys. */
import { jwkThumbprint } from "../acme/jws";
import { bytesToBase64Url } from "../crypto/encoding";
import { decodeJson, jwsSigningInput, parseFlattenedJws } from "./jws-parse";
import { AcmeServerProblem } from "./problems";

/** RFC 8555 §7.3.4: the binding's `alg` MUST be a MAC algorithm; these are RFC 7518 §3.2's. */
const MAC_HASHES: Record<string, string> = { HS256: "SHA-256", HS384: "SHA-384", HS512: "SHA-512" };

/**
 * RFC 8555 §7.3.4: `eab` (newAccount's `externalAccountBinding`) must be a flattened JWS with a MAC `alg`, a `kid`,
 * no `nonce`, the outer `url`, and the outer `jwk` as payload (else `malformed`); a `kid` the server does not know or
 * a MAC that does not verify is `unauthorized`. A request without a binding is the caller's `externalAccountRequired`.
 */
export async function verifyExternalAccountBinding(
  eab: unknown,
  outer: { jwk: JsonWebKey; url: string },
  hmacKeyFor: (keyId: string) => Promise<Uint8Array | null>,
): Promise<{ keyId: string }> {
  const what = "externalAccountBinding";
  const jws = parseFlattenedJws(eab, what);
  const { header } = jws;
  const hash = typeof header.alg === "string" ? MAC_HASHES[header.alg] : undefined;
  if (hash === undefined) throw new AcmeServerProblem("malformed", `${what} alg must be one of ${Object.keys(MAC_HASHES).join(", ")} (RFC 8555 §7.3.4)`);
  if (typeof header.kid !== "string" || header.kid === "") throw new AcmeServerProblem("malformed", `${what} has no "kid" (RFC 8555 §7.3.4)`);
  if ("nonce" in header) throw new AcmeServerProblem("malformed", `${what} must not have a "nonce" (RFC 8555 §7.3.4)`);
  if (header.url !== outer.url) throw new AcmeServerProblem("malformed", `${what} "url" must equal the newAccount request's (RFC 8555 §7.3.4)`);
  if (jws.payloadB64 === "") throw new AcmeServerProblem("malformed", `${what} payload must be the account's public key (RFC 8555 §7.3.4)`);
  const payload = decodeJson(jws.payloadB64, `${what} payload`);
  if (!(await sameKey(payload, outer.jwk))) throw new AcmeServerProblem("malformed", `${what} payload is not the key that signed the newAccount request (RFC 8555 §7.3.4)`);

  const keyId = header.kid;
  const secret = await hmacKeyFor(keyId);
  if (secret === null) throw new AcmeServerProblem("unauthorized", `${what} key identifier is unknown or revoked`);
  const key = await crypto.subtle.importKey("raw", new Uint8Array(secret), { name: "HMAC", hash }, false, ["verify"]);
  // crypto.subtle.verify compares the MAC in constant time.
  if (!(await crypto.subtle.verify("HMAC", key, jws.signature, jwsSigningInput(jws)))) {
    throw new AcmeServerProblem("unauthorized", `${what} MAC does not verify with the key of this key identifier`);
  }
  return { keyId };
}

/** Whether `candidate` is a JWK of the same public key as `jwk`, by RFC 7638 thumbprint. */
export async function sameKey(candidate: unknown, jwk: JsonWebKey): Promise<boolean> {
  if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) return false;
  try {
    return (await jwkThumbprint(candidate as JsonWebKey)) === (await jwkThumbprint(jwk));
  } catch {
    return false; // an unknown kty
  }
}

/** A new EAB key pair as handed to an ACME client once: both values unpadded base64url. */
export interface EabKey {
  keyId: string;
  hmacKey: string;
}

/**
 * A fresh key identifier (128 random bits) and HMAC key (256 bits), both unpadded base64url (padding breaks lego and
 * cert-manager) that never start with "-", which certbot's argument parser reads as an option (certbot#7114).
 */
export function generateEabKey(): EabKey {
  return { keyId: randomToken(16), hmacKey: randomToken(32) };
}

/** `bytes` random bytes in base64url, drawn again (1 time in 64) when the text would start with "-". */
function randomToken(bytes: number): string {
  for (;;) {
    const token = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
    if (!token.startsWith("-")) return token;
  }
}
