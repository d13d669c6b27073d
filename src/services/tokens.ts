/** API tokens: random, shown once, stored only as a hash, scoped to one team; a token grants and revokes only what it holds. */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiTokens, teams } from "../db/schema";
import { newId } from "../core/ids";
import { DAY_MS, isoSeconds } from "../core/time";
import { hashApiToken, newApiToken } from "../crypto/tokens";
import { AppError } from "../core/errors";
import type { CommitChange } from "./change";
import { SCOPES, scopesNotHeld, type Scope } from "./scopes";
import { tokenCacheFor } from "./token-cache";

export type TokenRow = typeof apiTokens.$inferSelect;

/** The token making a change, as authentication found it. */
export interface TokenCaller {
  teamId: string;
  tokenId: string;
}

export interface NewToken {
  name: string;
  scopes: readonly Scope[];
  expiresAt: number | null;
}

/** Builds (does not run) the insert of a new token; returns the secret once. */
export async function prepareToken(db: Database, teamId: string, input: NewToken, now: number) {
  const token = newApiToken();
  const row: TokenRow = {
    id: newId("tok"),
    teamId,
    name: input.name,
    tokenHash: await hashApiToken(token),
    prefix: token.slice(0, 10),
    scopes: [...new Set(input.scopes)],
    createdAt: now,
    expiresAt: input.expiresAt,
    lastUsedAt: null,
    revokedAt: null,
  };
  return { token, row, insert: db.insert(apiTokens).values(row) };
}

/** What the audit row of a token's creation or revocation says: never the secret, nor its hash. */
export function tokenDetail(row: TokenRow): Record<string, unknown> {
  // The expiry as the token itself shows it (ISO 8601 to the millisecond), so the two compare equal.
  return { name: row.name, scopes: row.scopes, expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt).toISOString() };
}

const teamToken = (db: Database, teamId: string, tokenId: string) =>
  db.query.apiTokens.findFirst({ where: and(eq(apiTokens.id, tokenId), eq(apiTokens.teamId, teamId)) });

/** The caller's own row: its scopes and expiry bound what it may grant and revoke. */
async function callerRow(db: Database, caller: TokenCaller, now: number): Promise<TokenRow> {
  const row = await teamToken(db, caller.teamId, caller.tokenId);
  // Revoked or expired since authentication (a concurrent revoke): it acts no more.
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) {
    throw new AppError("unauthorized", "Invalid or revoked API token");
  }
  return row;
}

/** Refuses a grant of scopes the caller does not hold (a `:write` it holds covers the `:read`). */
function checkGrant(caller: TokenRow, scopes: readonly string[]): void {
  const missing = scopesNotHeld(caller.scopes, scopes);
  if (missing.length > 0) {
    const message = `This token cannot grant scopes it does not hold: ${missing.join(", ")}`;
    throw new AppError("forbidden", message, { param: "scopes" });
  }
}

/** Refuses a token that would outlive its creator: an expiring token cannot mint a longer-lived one. */
function checkExpiry(caller: TokenRow, expiresAt: number | null, now: number): void {
  if (caller.expiresAt === null || (expiresAt !== null && expiresAt <= caller.expiresAt)) return;
  const until = isoSeconds(caller.expiresAt);
  const days = Math.floor((caller.expiresAt - now) / DAY_MS);
  const limit =
    days >= 1
      ? `set expiresInDays to ${days} or less`
      : "it expires in less than a day, the shortest lifetime a new token can have, so it can create none";
  const what = expiresAt === null ? "a token without an expiry" : "a token that expires after it does";
  const message = `This token expires at ${until} and cannot create ${what}: ${limit}`;
  throw new AppError("forbidden", message, { param: "expiresInDays" });
}

/**
 * Creates a token with `caller`'s authority: its scopes must be among the caller's, and it must expire no later
 * than the caller does (403 otherwise, nothing stored). The insert and its audit row commit together.
 */
export async function createToken(
  db: Database,
  caller: TokenCaller,
  input: { name: string; scopes: readonly Scope[]; expiresInDays?: number },
  now: number,
  commit: CommitChange,
): Promise<{ token: string; row: TokenRow }> {
  const creator = await callerRow(db, caller, now);
  checkGrant(creator, input.scopes);
  const expiresAt = input.expiresInDays === undefined ? null : now + input.expiresInDays * DAY_MS;
  checkExpiry(creator, expiresAt, now);
  const prepared = { name: input.name, scopes: input.scopes, expiresAt };
  const { token, row, insert } = await prepareToken(db, caller.teamId, prepared, now);
  await commit({ teamId: caller.teamId, statements: [insert], target: row.id, detail: tokenDetail(row) });
  return { token, row };
}

/**
 * The operator's grant: a token for `teamId` with any scopes, `certificates:export` and `cas:*` included. This is how a
 * team created before a scope existed gets it: its existing tokens are never widened, and a token can grant only what
 * it holds. Recorded in the team's own log with the operator as actor, in the insert's batch; an unknown team is a 404.
 */
export async function createTokenAsOperator(
  db: Database,
  which: { id: string } | { slug: string },
  input: { name: string; scopes: readonly Scope[]; expiresInDays?: number },
  now: number,
  commit: CommitChange,
): Promise<{ token: string; row: TokenRow }> {
  const team = await db.query.teams.findFirst({ where: "id" in which ? eq(teams.id, which.id) : eq(teams.slug, which.slug) });
  if (!team) throw "id" in which ? new AppError("not_found", "Team not found", { param: "teamId" }) : new AppError("not_found", `No team has the slug "${which.slug}"`, { param: "teamSlug" });
  const teamId = team.id;
  const expiresAt = input.expiresInDays === undefined ? null : now + input.expiresInDays * DAY_MS;
  const { token, row, insert } = await prepareToken(db, teamId, { name: input.name, scopes: input.scopes, expiresAt }, now);
  await commit({ teamId, statements: [insert], target: row.id, detail: tokenDetail(row) });
  return { token, row };
}

/** The calling token's own row and its team: what it is and may do, for a client deciding what to offer. */
export async function currentToken(db: Database, caller: TokenCaller, now: number): Promise<{ token: TokenRow; team: typeof teams.$inferSelect }> {
  const [token, team] = await Promise.all([callerRow(db, caller, now), db.query.teams.findFirst({ where: eq(teams.id, caller.teamId) })]);
  // A token's team is deleted with its tokens (ON DELETE CASCADE): a token without one is no longer valid.
  if (!team) throw new AppError("unauthorized", "Invalid or revoked API token");
  return { token, team };
}

export async function listTokens(db: Database, teamId: string): Promise<TokenRow[]> {
  return db.select().from(apiTokens).where(eq(apiTokens.teamId, teamId)).orderBy(desc(apiTokens.createdAt));
}

/**
 * Revokes a token of the caller's team (another team's is a 404). A token cannot revoke one holding a scope it does
 * not hold itself (403), so a narrow token cannot take down a broader one. Revoking a revoked token changes nothing.
 */
export async function revokeToken(
  db: Database,
  caller: TokenCaller,
  tokenId: string,
  now: number,
  commit: CommitChange,
): Promise<TokenRow> {
  const target = await teamToken(db, caller.teamId, tokenId);
  if (!target) throw new AppError("not_found", `Token ${tokenId} not found`);
  const revoker = await callerRow(db, caller, now);
  const missing = scopesNotHeld(revoker.scopes, target.scopes);
  if (missing.length > 0) {
    throw new AppError("forbidden", `This token cannot revoke a token holding scopes it does not hold: ${missing.join(", ")}`);
  }
  if (target.revokedAt !== null) {
    // Revoked already (perhaps through another isolate): forget it here too, rather than wait out the cache's TTL.
    tokenCacheFor(db).revoke(target.tokenHash, now);
    return target;
  }
  const revoke = db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.teamId, caller.teamId), isNull(apiTokens.revokedAt)));
  await commit({ teamId: caller.teamId, statements: [revoke], target: tokenId, detail: tokenDetail(target) });
  // This isolate stops accepting it at once; other isolates within TOKEN_CACHE_TTL_MS (services/token-cache.ts).
  tokenCacheFor(db).revoke(target.tokenHash, now);
  return { ...target, revokedAt: now };
}

/** The token's row when it exists, is not revoked and has not expired. */
export async function findActiveToken(db: Database, token: string, now: number) {
  // A well-formed token is `cdk_` + 43 base64url characters; anything else cannot match.
  if (!/^cdk_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await db.query.apiTokens.findFirst({ where: eq(apiTokens.tokenHash, await hashApiToken(token)) });
  if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
  return row;
}

export async function touchToken(db: Database, tokenId: string, now: number): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, tokenId));
}

export const ALL_SCOPES: readonly Scope[] = SCOPES;
