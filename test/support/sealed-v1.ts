/** Sealed values in the first format (`v1.<base64url(iv ‖ ciphertext)>`, no key id), as rows written before key ids hold them. */
import { bytesToBase64Url, utf8 } from "../../src/crypto/encoding";

export async function sealV1(key: string, plaintext: string, associatedData: string): Promise<string> {
  const raw = Uint8Array.from(atob(key), (c) => c.charCodeAt(0));
  const cryptoKey = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(associatedData) }, cryptoKey, utf8.encode(plaintext)));
  return `v1.${bytesToBase64Url(new Uint8Array([...iv, ...ciphertext]))}`;
}
