/** Bearer-token authentication: a team token (identifying a team, carrying scopes) or the operator secret. */
import type { MiddlewareHandler } from "hono";
import { hashApiToken, TEAM_TOKEN_PREFIX, timingSafeEqual } from "../crypto/tokens";
import { type Database, primaryDatabase, readsMayLag } from "../db/client";
import { hasScope, type Scope } from "../services/scopes";
import { type CachedToken, type TokenCache, tokenCacheFor } from "../services/token-cache";
import { findActiveToken, touchToken } from "../services/tokens";
import { OPERATOR } from "./actor";
import type { AppBindings } from "./context";
import { AppError } from "../core/errors";

function bearerToken(header: string | undefined): string {
  if (!header) throw new AppError("unauthorized", "Missing Authorization header: send `Authorization: Bearer <token>`");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError("unauthorized", "Authorization header must be `Bearer <token>`");
  return match[1]!;
}

/**
 * The token's active row, read through the request's session where that is safe. A session may read a replica that
 * lags the primary (D1 read replication:
 * https://developers.cloudflare.com/d1/best-practices/read-replication/#replica-lag-and-consistency-model), where a
 * token created moments ago may be missing and one revoked moments ago may still look active. So:
 * - a miss there is read once more from the primary before it becomes a 401: a valid token, the usual case, costs one
 *   read; an unknown, revoked or expired one costs two, the second on the primary;
 * - a token revoked through this isolate within the cache's TTL is read from the primary only (services/token-cache.ts).
 */
async function activeToken(db: Database, cache: TokenCache, token: string, hash: string, now: number) {
  if (!readsMayLag(db)) return findActiveToken(db, token, now);
  const primary = primaryDatabase(db);
  if (cache.revokedHere(hash, now)) return findActiveToken(primary, token, now);
  return (await findActiveToken(db, token, now)) ?? findActiveToken(primary, token, now);
}

/**
 * The token's cached verification, or a D1 read that makes one (services/token-cache.ts: a revoke elsewhere reaches
 * this isolate within TOKEN_CACHE_TTL_MS and a replica's lag; expiry is checked on every hit). An unknown token is not
 * remembered.
 */
async function verifiedToken(db: Database, token: string, now: number): Promise<CachedToken> {
  const cache = tokenCacheFor(db);
  const hash = await hashApiToken(token);
  const hit = cache.get(hash, now);
  if (hit) return hit;
  const mark = cache.mark();
  const row = await activeToken(db, cache, token, hash, now);
  if (!row) throw new AppError("unauthorized", "Invalid or revoked API token");
  const entry: CachedToken = {
    teamId: row.teamId,
    tokenId: row.id,
    scopes: row.scopes,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    cachedAt: now,
  };
  cache.set(hash, entry, mark);
  return entry;
}

/** Requires a valid team token holding `scope` (and each of `more`); sets `c.var.auth` and the request's actor (the token). */
export function requireScope(scope: Scope, ...more: Scope[]): MiddlewareHandler<AppBindings> {
  return teamToken([scope, ...more]);
}

/** Requires a valid team token, whatever its scopes (a token asking about itself); sets `c.var.auth` and the actor. */
export function requireTeamToken(): MiddlewareHandler<AppBindings> {
  return teamToken([]);
}

function teamToken(scopes: Scope[]): MiddlewareHandler<AppBindings> {
  const needs = scopes.length > 0 ? `a team API token with the ${scopes[0]} scope` : "a team API token (any scope)";
  return async function requireScope(c, next) {
    const token = bearerToken(c.req.header("Authorization"));
    const { db, clock, config } = c.var.deps;
    const now = clock.now();
    const found = await verifiedToken(db, token, now).catch(async (error: unknown) => {
      // Only on the way to a 401, so a valid token pays nothing for it: say which kind of token the route needs.
      if (await timingSafeEqual(token, config.ADMIN_TOKEN)) {
        throw new AppError(
          "unauthorized",
          `This is the operator token (ADMIN_TOKEN); this route needs ${needs}. ` +
            "The operator makes one with POST /api/v1/teams (a new team) or POST /api/v1/admin/tokens (an existing team)",
        );
      }
      throw error;
    });
    // Record use at most once a minute: a write on every request would cost more than it tells. The cached value
    // is this isolate's last write, so a hit decides without reading D1.
    if (found.lastUsedAt === null || now - found.lastUsedAt > 60_000) {
      await touchToken(db, found.tokenId, now);
      found.lastUsedAt = now;
    }
    const missing = scopes.find((needed) => !hasScope(found.scopes, needed));
    if (missing !== undefined) {
      throw new AppError("forbidden", `This token lacks the ${missing} scope`);
    }
    c.set("auth", { teamId: found.teamId, tokenId: found.tokenId, scopes: found.scopes });
    c.set("actor", found.tokenId);
    await next();
  };
}

/** Requires the operator secret ADMIN_TOKEN (bootstrap of teams, manual sweeps); the actor is `operator`. */
export function requireAdmin(): MiddlewareHandler<AppBindings> {
  return async function requireAdmin(c, next) {
    const token = bearerToken(c.req.header("Authorization"));
    const { ADMIN_TOKEN } = c.var.deps.config;
    if (!(await timingSafeEqual(token, ADMIN_TOKEN))) {
      if (token.startsWith(TEAM_TOKEN_PREFIX)) {
        throw new AppError("unauthorized", "This route needs the operator token (ADMIN_TOKEN), not a team API token");
      }
      throw new AppError("unauthorized", "Invalid admin token");
    }
    c.set("actor", OPERATOR);
    await next();
  };
}
