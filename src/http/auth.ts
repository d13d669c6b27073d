/** Bearer-token authentication: a team token (identifying a team, carrying scopes) or the operator secret. */
import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "../crypto/tokens";
import { hasScope, type Scope } from "../services/scopes";
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

/** Requires a valid team token holding `scope` (and each of `more`); sets `c.var.auth` and the request's actor (the token). */
export function requireScope(scope: Scope, ...more: Scope[]): MiddlewareHandler<AppBindings> {
  return async function requireScope(c, next) {
    const token = bearerToken(c.req.header("Authorization"));
    const db = c.var.deps.db;
    const now = Date.now();
    const found = await findActiveToken(db, token, now);
    if (!found) throw new AppError("unauthorized", "Invalid or revoked API token");
    // Record use at most once a minute: a write on every request would cost more than it tells.
    if (found.lastUsedAt === null || now - found.lastUsedAt > 60_000) await touchToken(db, found.id, now);
    const missing = [scope, ...more].find((needed) => !hasScope(found.scopes, needed));
    if (missing !== undefined) {
      throw new AppError("forbidden", `This token lacks the ${missing} scope`);
    }
    c.set("auth", { teamId: found.teamId, tokenId: found.id, scopes: found.scopes });
    c.set("actor", found.id);
    await next();
  };
}

/** Requires the operator secret ADMIN_TOKEN (bootstrap of teams, manual sweeps); the actor is `operator`. */
export function requireAdmin(): MiddlewareHandler<AppBindings> {
  return async function requireAdmin(c, next) {
    const token = bearerToken(c.req.header("Authorization"));
    const { ADMIN_TOKEN } = c.var.deps.config;
    if (!(await timingSafeEqual(token, ADMIN_TOKEN))) {
      throw new AppError("unauthorized", "Invalid admin token");
    }
    c.set("actor", OPERATOR);
    await next();
  };
}
