/**
 * The strongly consistent copy of HTTP-01 key authorizations (RFC 8555 §8.3): the challenge route's fallback when
 * KV, which is eventually consistent, has not yet reached the location a CA's request lands on. D1 without the
 * Sessions API runs every query on the primary (https://developers.cloudflare.com/d1/best-practices/read-replication/),
 * so a row written before the challenge is answered is visible to every location from then on.
 */
import { and, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { acmeChallenges } from "../db/schema";

/** Rows one purge deletes at most: one indexed DELETE, however many rows have piled up. */
export const PURGE_BATCH = 100;

/** Writes (or rewrites: a retried job may present the same pending authorization again) one key authorization. */
export async function putAcmeChallenge(db: Database, token: string, keyAuthorization: string, expiresAt: number): Promise<void> {
  await db
    .insert(acmeChallenges)
    .values({ token, keyAuthorization, expiresAt })
    .onConflictDoUpdate({ target: acmeChallenges.token, set: { keyAuthorization, expiresAt } });
}

/** The key authorization for `token`, or null when there is none or it expired (an expired row is never served). */
export async function unexpiredAcmeChallenge(db: Database, token: string, now: number): Promise<string | null> {
  const row = await db
    .select({ keyAuthorization: acmeChallenges.keyAuthorization })
    .from(acmeChallenges)
    .where(and(eq(acmeChallenges.token, token), gt(acmeChallenges.expiresAt, now)))
    .get();
  return row?.keyAuthorization ?? null;
}

/** Removes `token`'s row; nothing happens when it is already gone. */
export async function deleteAcmeChallenge(db: Database, token: string): Promise<void> {
  await db.delete(acmeChallenges).where(eq(acmeChallenges.token, token));
}

/**
 * Deletes at most `limit` expired rows (the oldest first, through acme_challenges_expiry_idx) and returns how many.
 * Rows outlive their job only when a cleanUp failed or never ran; each present purges a batch, so they cannot pile up.
 */
export async function purgeExpiredAcmeChallenges(db: Database, now: number, limit = PURGE_BATCH): Promise<number> {
  const result = await db.run(sql`DELETE FROM acme_challenges WHERE token IN (
    SELECT token FROM acme_challenges WHERE expires_at <= ${now} ORDER BY expires_at LIMIT ${limit}
  )`);
  return result.meta.changes ?? 0;
}
