/**
 * Sealing secrets at rest: AES-256-GCM under ENCRYPTION_KEY, with the owning row's id as associated
 * data so a sealed value copied onto another row fails to open.
 */
import { base64ToBytes, bytesToBase64Url, base64UrlToBytes, utf8 } from "./encoding";

const VERSION = "v1";
const keyCache = new Map<string, Promise<CryptoKey>>();

function importKey(encryptionKey: string): Promise<CryptoKey> {
  let key = keyCache.get(encryptionKey);
  if (!key) {
    key = crypto.subtle.importKey("raw", base64ToBytes(encryptionKey), "AES-GCM", false, ["encrypt", "decrypt"]);
    keyCache.set(encryptionKey, key);
  }
  return key;
}

/** Seals `plaintext` for the row `associatedData`; the result is `v1.<base64url(iv ‖ ciphertext)>`. */
export async function seal(encryptionKey: string, plaintext: string, associatedData: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8.encode(associatedData) },
    await importKey(encryptionKey),
    utf8.encode(plaintext),
  );
  const out = new Uint8Array(iv.length + ciphertext.byteLength);
  out.set(iv);
  out.set(new Uint8Array(ciphertext), iv.length);
  return `${VERSION}.${bytesToBase64Url(out)}`;
}

/** Opens a value sealed by `seal` for the same row; throws when the key or the row does not match. */
export async function unseal(encryptionKey: string, sealed: string, associatedData: string): Promise<string> {
  const [version, body] = sealed.split(".");
  if (version !== VERSION || !body) throw new Error("unknown sealed value format");
  const bytes = base64UrlToBytes(body);
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: utf8.encode(associatedData) },
    await importKey(encryptionKey),
    bytes.subarray(12),
  );
  return utf8.decode(new Uint8Array(plaintext));
}
