/** Random identifiers and API tokens. */
import { bytesToBase64Url, bytesToHex, sha256 } from "./encoding";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A prefixed random id such as `prj_3fK9…` (20 base62 characters, ~119 bits). */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let out = "";
  for (const b of bytes) out += ALPHABET[b % 62];
  return `${prefix}_${out}`;
}

/** A new API token: 32 random bytes, shown to its owner once. */
export function newApiToken(): string {
  return `cdk_${bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** Tokens carry 256 bits of entropy, so an unsalted SHA-256 is a sound one-way lookup key. */
export async function hashApiToken(token: string): Promise<string> {
  return bytesToHex(await sha256(token));
}

/** Compares two strings in time independent of where they differ. */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([sha256(a), sha256(b)]);
  let diff = 0;
  for (let i = 0; i < ha.length; i++) diff |= ha[i]! ^ hb[i]!;
  return diff === 0;
}
