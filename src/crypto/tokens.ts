/** API tokens: generation, the hash they are stored under, and constant-time comparison. */
import { bytesToBase64Url, bytesToHex, sha256 } from "./encoding";

/** What every team API token starts with, so a token pasted into the wrong place can be recognised (never the operator's). */
export const TEAM_TOKEN_PREFIX = "cdk_";

/** A new API token: 32 random bytes, shown to its owner once. */
export function newApiToken(): string {
  return `${TEAM_TOKEN_PREFIX}${bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
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
