/** API tokens: random, shown once, stored only as a hash, scoped to one team. */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiTokens, teams } from "../db/schema";
import { newId } from "../core/ids";
import { hashApiToken, newApiToken } from "../crypto/tokens";
import { AppError } from "../core/errors";
import { SCOPES, type Scope } from "./scopes";

export type TokenRow = typeof apiTokens.$inferSelect;

/**
 * Builds (does not run) the insert of a new token, so team creation can batch it; returns the secret once.
 * The insert stores the token only while its team exists, so that a team insert that did nothing
 * (a taken slug) leaves nothing behind in the same batch instead of failing its foreign key.
 */
export async function prepareToken(
  db: Database,
  teamId: string,
  input: { name: string; scopes: readonly Scope[]; expiresAt?: number | null },
  now: number,
) {
  const token = newApiToken();
  const row: TokenRow = {
    id: newId("tok"),
    teamId,
    name: input.name,
    tokenHash: await hashApiToken(token),
    prefix: token.slice(0, 10),
    scopes: [...new Set(input.scopes)],
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
    lastUsedAt: null,
    revokedAt: null,
  };
  // INSERT … SELECT from the team's own row: one row while the team exists, none otherwise.
  const insert = db.insert(apiTokens).select(
    db
      .select({
        id: sql<string>`${row.id}`.as("id"),
        teamId: teams.id,
        name: sql<string>`${row.name}`.as("name"),
        tokenHash: sql<string>`${row.tokenHash}`.as("token_hash"),
        prefix: sql<string>`${row.prefix}`.as("prefix"),
        scopes: sql<string[]>`${JSON.stringify(row.scopes)}`.as("scopes"),
        createdAt: sql<number>`${row.createdAt}`.as("created_at"),
        expiresAt: sql<number | null>`${row.expiresAt}`.as("expires_at"),
        lastUsedAt: sql<number | null>`NULL`.as("last_used_at"),
        revokedAt: sql<number | null>`NULL`.as("revoked_at"),
      })
      .from(teams)
      .where(eq(teams.id, teamId)),
  );
  return { token, row, insert };
}

export async function createToken(
  db: Database,
  teamId: string,
  input: { name: string; scopes: readonly Scope[]; expiresAt?: number | null },
  now: number,
): Promise<{ token: string; row: TokenRow }> {
  const prepared = await prepareToken(db, teamId, input, now);
  await prepared.insert;
  return { token: prepared.token, row: prepared.row };
}

export async function listTokens(db: Database, teamId: string): Promise<TokenRow[]> {
  return db.select().from(apiTokens).where(eq(apiTokens.teamId, teamId)).orderBy(desc(apiTokens.createdAt));
}

export async function revokeToken(db: Database, teamId: string, tokenId: string, now: number): Promise<TokenRow> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.teamId, teamId), isNull(apiTokens.revokedAt)))
    .returning();
  if (row) return row;
  const existing = await db.query.apiTokens.findFirst({ where: and(eq(apiTokens.id, tokenId), eq(apiTokens.teamId, teamId)) });
  if (!existing) throw new AppError("not_found", `Token ${tokenId} not found`);
  return existing;
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
