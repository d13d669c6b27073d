/**
 * A bounded per-isolate cache of verified API tokens, so that an authenticated read costs the route's own D1 query
 * and not a token lookup as well.
 *
 * Why it is safe enough, and what it costs:
 * - Keyed by the token's SHA-256 (the hash stored in D1), never the secret, so the cache holds nothing the database
 *   does not already hold.
 * - An entry lives TOKEN_CACHE_TTL_MS (30 s) from the D1 read that made it. A revoke through this isolate evicts the
 *   entry at once (revokeToken); a revoke seen by another isolate (each Worker isolate has its own memory, see
 *   https://developers.cloudflare.com/workers/reference/how-workers-works/#isolates) reaches this one within the TTL,
 *   plus the lag of the replica the read came from (a request's reads may be a replica's, http/d1-session.ts; a
 *   replica may lag the primary: https://developers.cloudflare.com/d1/best-practices/read-replication/#replica-lag-and-consistency-model).
 * - A revoke through this isolate also sends the token's lookups to the primary for a TTL (`revoke`, `revokedHere`):
 *   a lagging replica could otherwise still find it active and put it back for a whole TTL.
 * - The token's expiry is checked on every hit against the caller's clock, so a cached token never outlives it.
 * - Only valid tokens are cached: an unknown token costs one D1 read each time, as without the cache (two on a request
 *   whose reads may be a replica's: http/auth.ts asks the primary again before refusing). A negative cache
 *   would let an attacker fill the bounded map with random tokens and push valid entries out, so there is none.
 * - At most TOKEN_CACHE_MAX entries, oldest inserted out first (a Map iterates in insertion order:
 *   https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Map), so memory stays bounded
 *   (the isolate's limit is 128 MB: https://developers.cloudflare.com/workers/platform/limits/#memory).
 *
 * One cache per D1 binding, kept with the binding's own client (db/client.ts `primaryDatabase`): in production that is
 * one per isolate (deps.ts builds the client once per environment). Each request's session client shares it, so a
 * session per request does not empty it, and a revoke through any request evicts from the cache every request reads.
 * A test that builds its own environment object gets a cache of its own, as another isolate would.
 */
import { type Database, primaryDatabase } from "../db/client";

/**
 * How long a verified token is trusted without asking D1 again: the most a revoke elsewhere takes to reach here (plus
 * a replica's lag, see above).
 */
export const TOKEN_CACHE_TTL_MS = 30_000;
/** Entries kept per isolate; about 200 bytes each, so a full cache is a few MB. */
export const TOKEN_CACHE_MAX = 10_000;

export interface CachedToken {
  teamId: string;
  tokenId: string;
  scopes: readonly string[];
  expiresAt: number | null;
  /** The last use this isolate wrote to D1 (or read from it): a hit writes again only when it is a minute old. */
  lastUsedAt: number | null;
  /** When the D1 read that vouched for the token happened. */
  cachedAt: number;
}

export class TokenCache {
  readonly #entries = new Map<string, CachedToken>();
  /** Counts evictions, so a D1 read that a revoke overtook does not put the revoked token back (see `set`). */
  #evictions = 0;
  /** Tokens revoked through this isolate, by hash, and when (see `revokedHere`); as bounded as the entries. */
  readonly #revoked = new Map<string, number>();

  constructor(
    readonly ttlMs = TOKEN_CACHE_TTL_MS,
    readonly max = TOKEN_CACHE_MAX,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for `tokenHash` when it is fresh (younger than the TTL) and the token has not expired; else none. */
  get(tokenHash: string, now: number): CachedToken | undefined {
    const entry = this.#entries.get(tokenHash);
    if (!entry) return undefined;
    // `now < cachedAt` (a clock stepped back) counts as stale too, so an entry cannot be kept alive by clock skew.
    const fresh = now >= entry.cachedAt && now - entry.cachedAt < this.ttlMs;
    const expired = entry.expiresAt !== null && entry.expiresAt <= now;
    if (!fresh || expired) {
      this.#entries.delete(tokenHash);
      return undefined;
    }
    return entry;
  }

  /** Marks the start of a D1 read whose result may be cached: pass it to `set`. */
  mark(): number {
    return this.#evictions;
  }

  /**
   * Caches `entry`, unless an eviction happened since `mark` (taken before the D1 read): a revoke that committed
   * while the read was in flight would otherwise be undone here for a whole TTL. Skipping costs one more D1 read.
   */
  set(tokenHash: string, entry: CachedToken, mark: number): void {
    if (mark !== this.#evictions) return;
    this.#entries.delete(tokenHash);
    while (this.#entries.size >= this.max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(tokenHash, entry);
  }

  /** Forgets `tokenHash` at once. */
  delete(tokenHash: string): void {
    this.#evictions++;
    this.#entries.delete(tokenHash);
  }

  /** A revoke through this isolate at `now`: forgets `tokenHash`, and remembers it for `revokedHere`. */
  revoke(tokenHash: string, now: number): void {
    this.delete(tokenHash);
    this.#revoked.delete(tokenHash);
    while (this.#revoked.size >= this.max) {
      const oldest = this.#revoked.keys().next();
      if (oldest.done) break;
      this.#revoked.delete(oldest.value);
    }
    this.#revoked.set(tokenHash, now);
  }

  /**
   * Whether `tokenHash` was revoked through this isolate less than a TTL before `now`: its lookups then go to the
   * primary, which has the revoke, and not to a replica that may not have it yet.
   */
  revokedHere(tokenHash: string, now: number): boolean {
    const at = this.#revoked.get(tokenHash);
    if (at === undefined) return false;
    // A clock stepped back (`now < at`) keeps it: the primary is the safe side to err on.
    if (now - at < this.ttlMs) return true;
    this.#revoked.delete(tokenHash);
    return false;
  }
}

const caches = new WeakMap<Database, TokenCache>();

/**
 * The cache of verified tokens read through `db`, or through any session of the same binding: one per isolate in
 * production (see above).
 */
export function tokenCacheFor(db: Database): TokenCache {
  const key = primaryDatabase(db);
  let cache = caches.get(key);
  if (!cache) {
    cache = new TokenCache();
    caches.set(key, cache);
  }
  return cache;
}
