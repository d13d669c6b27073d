/** API tokens: random, shown once, stored only as a hash, scoped to one team. */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiTokens } from "../db/schema";
import { newId } from "../core/ids";
import { hashApiToken, newApiToken } from "../crypto/tokens";
import { AppError } from "../core/errors";
import { SCOPES, type Scope } from "./scopes";

export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function view(row: typeof apiTokens.$inferSelect): TokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: iso(row.createdAt)!,
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}

/** Builds (does not run) the insert of a new token, so team creation can batch it; returns the secret once. */
export async function prepareToken(
  db: Database,
  teamId: string,
  input: { name: string; scopes: readonly Scope[]; expiresAt?: number | null },
  now: number,
) {
  const token = newApiToken();
  const row = {
    id: newId("tok"),
    teamId,
    name: input.name,
    tokenHash: await hashApiToken(token),
    prefix: token.slice(0, 10),
    scopes: [...new Set(input.scopes)],
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
  };
  return { token, row, insert: db.insert(apiTokens).values(row) };
}

export async function createToken(
  db: Database,
  teamId: string,
  input: { name: string; scopes: readonly Scope[]; expiresAt?: number | null },
  now: number,
): Promise<{ token: string; info: TokenView }> {
  const prepared = await prepareToken(db, teamId, input, now);
  await prepared.insert;
  return { token: prepared.token, info: view({ ...prepared.row, lastUsedAt: null, revokedAt: null }) };
}

export async function listTokens(db: Database, teamId: string): Promise<TokenView[]> {
  const rows = await db.select().from(apiTokens).where(eq(apiTokens.teamId, teamId)).orderBy(desc(apiTokens.createdAt));
  return rows.map(view);
}

export async function revokeToken(db: Database, teamId: string, tokenId: string, now: number): Promise<TokenView> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.teamId, teamId), isNull(apiTokens.revokedAt)))
    .returning();
  if (row) return view(row);
  const existing = await db.query.apiTokens.findFirst({ where: and(eq(apiTokens.id, tokenId), eq(apiTokens.teamId, teamId)) });
  if (!existing) throw new AppError("not_found", `Token ${tokenId} not found`);
  return view(existing);
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
