/**
 * HTTP-01 (RFC 8555 §8.3): the key authorization goes into D1 and KV, where the challenge route reads it. KV is the
 * fast path, but eventually consistent: a write can take 60 s or more to reach other locations
 * (https://developers.cloudflare.com/kv/concepts/how-kv-works/), and a CA validates from several places at once.
 * D1 is the strongly consistent copy the route falls back to, so the answer is right everywhere from the moment
 * the challenge is answered.
 */
import type { Database } from "../db/client";
import { deleteAcmeChallenge, purgeExpiredAcmeChallenges, putAcmeChallenge } from "../store/acme-challenges";
import type { ChallengeSolver } from "./solver";

/** Outlives any validation (the CA validates within minutes); cleanUp removes it sooner. */
const TTL_SECONDS = 3600;

export const http01Key = (token: string) => `http-01:${token}`;

/** Stored with the KV entry: when it was written (ms), so a test-only switch can simulate KV lag across isolates. */
export interface Http01Metadata {
  writtenAt: number;
}

export function http01Solver(kv: KVNamespace, db: Database, now: () => number = Date.now): ChallengeSolver {
  let purged = false;
  return {
    type: "http-01",
    async present({ token, keyAuthorization }) {
      const writtenAt = now();
      // D1 first: once present returns the challenge is answered, and any location KV has not reached reads D1.
      await putAcmeChallenge(db, token, keyAuthorization, writtenAt + TTL_SECONDS * 1000);
      const metadata: Http01Metadata = { writtenAt };
      await kv.put(http01Key(token), keyAuthorization, { expirationTtl: TTL_SECONDS, metadata });
      if (!purged) {
        purged = true;
        // Housekeeping, one bounded statement per order: rows whose cleanUp never ran. Never fails the issuance.
        await purgeExpiredAcmeChallenges(db, writtenAt).catch((error: unknown) => {
          console.warn(`http-01: purging expired challenges failed: ${error instanceof Error ? error.name : typeof error}`);
        });
      }
    },
    async cleanUp({ token }) {
      // Both are tried even if one fails; deleting what is already gone is not an error.
      const results = await Promise.allSettled([kv.delete(http01Key(token)), deleteAcmeChallenge(db, token)]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
