/** The per-isolate cache of verified tokens: freshness, expiry, its bound, and a revoke racing a D1 read. */
import { describe, expect, it } from "vitest";
import { TOKEN_CACHE_TTL_MS, TokenCache, type CachedToken } from "../../../src/services/token-cache";

const entry = (cachedAt: number, expiresAt: number | null = null): CachedToken => ({
  teamId: "team_1",
  tokenId: "tok_1",
  scopes: ["projects:read"],
  expiresAt,
  lastUsedAt: null,
  cachedAt,
});

describe("TokenCache", () => {
  it("answers an entry younger than the TTL, and forgets it at the TTL", () => {
    const cache = new TokenCache();
    cache.set("h", entry(1_000), cache.mark());
    expect(cache.get("h", 1_000 + TOKEN_CACHE_TTL_MS - 1)?.tokenId).toBe("tok_1");
    expect(cache.get("h", 1_000 + TOKEN_CACHE_TTL_MS)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("treats a clock stepped back as stale", () => {
    const cache = new TokenCache();
    cache.set("h", entry(5_000), cache.mark());
    expect(cache.get("h", 4_999)).toBeUndefined();
  });

  it("refuses a fresh entry once the token has expired", () => {
    const cache = new TokenCache();
    cache.set("h", entry(1_000, 2_000), cache.mark());
    expect(cache.get("h", 1_999)).toBeDefined();
    expect(cache.get("h", 2_000)).toBeUndefined();
  });

  it("keeps at most `max` entries, the oldest inserted out first", () => {
    const cache = new TokenCache(TOKEN_CACHE_TTL_MS, 3);
    for (const key of ["a", "b", "c", "d"]) cache.set(key, entry(0), cache.mark());
    expect(cache.size).toBe(3);
    expect(cache.get("a", 1)).toBeUndefined();
    expect(cache.get("d", 1)).toBeDefined();
  });

  it("does not cache a read that a revoke (an eviction) overtook", () => {
    const cache = new TokenCache();
    const mark = cache.mark();
    cache.delete("h");
    cache.set("h", entry(0), mark);
    expect(cache.get("h", 1)).toBeUndefined();
  });
});
