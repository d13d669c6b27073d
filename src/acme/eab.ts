/** External account binding (RFC 8555 §7.3.4): an HS256 JWS over the account JWK, keyed by the CA's MAC key. */
import { base64UrlToBytes, bytesToBase64Url, utf8 } from "../crypto/encoding";
import type { PublicJwk } from "./account-key";
import { encodeJson, type FlattenedJws } from "./jws";

export interface ExternalAccountBinding {
  /** The key identifier the CA gave out of band. */
  kid: string;
  /** The MAC key the CA gave, base64url-encoded. */
  hmacKeyB64url: string;
}

/**
 * RFC 8555 §7.3.4: protected header { alg: "HS256", kid, url: newAccount URL } (no nonce),
 * payload = the account's public JWK, MAC over the JWS signing input.
 */
export async function signExternalAccountBinding(binding: ExternalAccountBinding, accountJwk: PublicJwk, newAccountUrl: string): Promise<FlattenedJws> {
  let rawKey: Uint8Array;
  try {
    rawKey = base64UrlToBytes(binding.hmacKeyB64url.trim());
  } catch {
    throw new Error("external account binding MAC key is not valid base64url");
  }
  if (rawKey.length === 0) throw new Error("external account binding MAC key is empty");
  const key = await crypto.subtle.importKey("raw", new Uint8Array(rawKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const protectedB64 = encodeJson({ alg: "HS256", kid: binding.kid, url: newAccountUrl });
  const payloadB64 = encodeJson(accountJwk);
  const mac = await crypto.subtle.sign("HMAC", key, utf8.encode(`${protectedB64}.${payloadB64}`));
  return { protected: protectedB64, payload: payloadB64, signature: bytesToBase64Url(new Uint8Array(mac)) };
}
