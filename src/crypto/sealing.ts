/** Sealing secrets at rest: AES-256-GCM under a keyring of named keys, bound to the owning row by associated data. */
import { base64ToBytes, base64UrlToBytes, bytesToBase64Url, sha256, utf8 } from "./encoding";

/**
 * A keyring as one string, as the configuration carries it in ENCRYPTION_KEY: the current key first, then
 * previous keys, each 32 bytes base64, comma-separated (see keyring()). A single key is a keyring of one, so
 * every `seal(config.ENCRYPTION_KEY, …)` call site reads as before.
 */
export type SealingKeys = string;

/**
 * Current format: `v2.<key id>.<base64url(iv ‖ ciphertext ‖ tag)>` (AES-256-GCM, NIST SP 800-38D; the row's id
 * as associated data, so a value copied onto another row fails to open). The key id lets ENCRYPTION_KEY rotate:
 * new seals use the current key, older keys stay readable until services/reseal.ts has moved their values.
 */
const V2 = "v2";
/** The first format, with no key id: opened by trying each key of the ring (the GCM tag tells the right one). */
const V1 = "v1";
const IV_BYTES = 12;
/** Domain separation for key ids, so an id is never a hash of the key used anywhere else. */
const KEY_ID_LABEL = "certdesk sealing key id\u0000";

interface SealingKey {
  /** 8 base64url characters (48 bits) of SHA-256 over the label and the key: names the key, reveals nothing of it. */
  id: string;
  key: CryptoKey;
}

interface Keyring {
  current: SealingKey;
  /** Current first, then previous keys in the order given. */
  all: SealingKey[];
}

const rings = new Map<string, Promise<Keyring>>();

/** The keyring string for `current` and the `previous` keys still to be read (duplicates dropped). */
export function keyring(current: string, previous: readonly string[] = []): SealingKeys {
  return [...new Set([current, ...previous].map((key) => key.trim()))].join(",");
}

async function importSealingKey(base64: string): Promise<SealingKey> {
  const raw = base64ToBytes(base64);
  const digest = await sha256(new Uint8Array([...utf8.encode(KEY_ID_LABEL), ...raw]));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { id: bytesToBase64Url(digest.subarray(0, 6)), key };
}

/** The imported keyring of `keys`, cached for the isolate's lifetime (the configuration does not change). */
function openKeyring(keys: SealingKeys): Promise<Keyring> {
  let ring = rings.get(keys);
  if (!ring) {
    ring = Promise.all(keys.split(",").map(importSealingKey)).then((all) => ({ current: all[0]!, all }));
    ring.catch(() => rings.delete(keys));
    rings.set(keys, ring);
  }
  return ring;
}

/** How every value sealed under the current key starts (`v2.<key id>.`): anything else needs resealing. */
export async function currentKeyPrefix(keys: SealingKeys): Promise<string> {
  return `${V2}.${(await openKeyring(keys)).current.id}.`;
}

/** Seals `plaintext` for the row `associatedData` under the current key: `v2.<key id>.<base64url(iv ‖ ciphertext)>`. */
export async function seal(keys: SealingKeys, plaintext: string, associatedData: string): Promise<string> {
  const { current } = await openKeyring(keys);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8.encode(associatedData) },
    current.key,
    utf8.encode(plaintext),
  );
  const out = new Uint8Array(iv.length + ciphertext.byteLength);
  out.set(iv);
  out.set(new Uint8Array(ciphertext), iv.length);
  return `${V2}.${current.id}.${bytesToBase64Url(out)}`;
}

async function decryptWith(key: CryptoKey, bytes: Uint8Array<ArrayBuffer>, associatedData: string): Promise<string> {
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: utf8.encode(associatedData) },
    key,
    bytes.subarray(IV_BYTES),
  );
  return utf8.decode(new Uint8Array(plaintext));
}

/**
 * Opens a value sealed by `seal` (or by the first, key-id-less format) for the same row, with whichever key of
 * the ring sealed it; throws when no key of the ring did, or when the row does not match.
 */
export async function unseal(keys: SealingKeys, sealed: string, associatedData: string): Promise<string> {
  const ring = await openKeyring(keys);
  const parts = sealed.split(".");
  if (parts[0] === V2 && parts.length === 3 && parts[2]) {
    const key = ring.all.find((candidate) => candidate.id === parts[1]);
    if (!key) throw new Error(`sealed under key ${parts[1]}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS`);
    return decryptWith(key.key, base64UrlToBytes(parts[2]), associatedData);
  }
  if (parts[0] === V1 && parts.length === 2 && parts[1]) {
    const bytes = base64UrlToBytes(parts[1]);
    for (const key of ring.all) {
      try {
        return await decryptWith(key.key, bytes, associatedData);
      } catch {
        // Not this key (or not this row): GCM authentication failed; try the next one.
      }
    }
    throw new Error("sealed value opens under no key of ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS");
  }
  throw new Error("unknown sealed value format");
}

/** The length of what `seal` makes of `plaintext`: "v2." + key id + "." + base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag). */
export function sealedLength(plaintext: string): number {
  const bytes = IV_BYTES + utf8.encode(plaintext).length + 16;
  return `${V2}.`.length + 8 + 1 + Math.ceil((bytes * 4) / 3);
}

/** Whether `sealed` was sealed under the current key (so resealing it would change nothing). */
export async function isSealedUnderCurrentKey(keys: SealingKeys, sealed: string): Promise<boolean> {
  return sealed.startsWith(await currentKeyPrefix(keys));
}

/** `sealed` opened and sealed again under the current key for the same row; unchanged when it already was. */
export async function reseal(keys: SealingKeys, sealed: string, associatedData: string): Promise<string> {
  if (await isSealedUnderCurrentKey(keys, sealed)) return sealed;
  return seal(keys, await unseal(keys, sealed, associatedData), associatedData);
}
