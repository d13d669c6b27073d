/** HTTP-01 (RFC 8555 §8.3): the key authorization goes into KV, where the challenge route reads it. */
import type { ChallengeSolver } from "./solver";

/** Outlives any validation (the CA validates within minutes); cleanUp removes it sooner. */
const TTL_SECONDS = 3600;

export const http01Key = (token: string) => `http-01:${token}`;

export function http01Solver(kv: KVNamespace): ChallengeSolver {
  return {
    type: "http-01",
    async present({ token, keyAuthorization }) {
      // Written before the challenge is answered, so the CA's first request already finds it.
      await kv.put(http01Key(token), keyAuthorization, { expirationTtl: TTL_SECONDS });
    },
    async cleanUp({ token }) {
      await kv.delete(http01Key(token));
    },
  };
}
