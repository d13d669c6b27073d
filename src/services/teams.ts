/** Teams: the tenant. A team (= Vercel team = OpenAI organization) owns projects, tokens and certificates. */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { teams } from "../db/schema";
import { newId } from "../core/ids";
import { AppError } from "../core/errors";
import type { CommitChange } from "./change";
import { ALL_SCOPES, prepareToken, tokenDetail } from "./tokens";

export type TeamRow = typeof teams.$inferSelect;

const slugTaken = (slug: string) =>
  new AppError("conflict", `A team with slug "${slug}" already exists; to get back in, the operator makes it a token with POST /api/v1/admin/tokens and {"teamSlug": "${slug}", "name": "…", "scopes": [...]}`, { param: "slug" });

const slugExists = async (db: Database, slug: string) =>
  (await db.query.teams.findFirst({ where: eq(teams.slug, slug) })) !== undefined;

/**
 * Creates a team and its first token (every scope), with the audit row that records both, in one batch: a D1 batch
 * is one transaction, so a taken slug (the unique index) or a failed audit write leaves nothing behind.
 */
export async function createTeam(db: Database, input: { slug: string; name: string }, now: number, commit: CommitChange) {
  if (await slugExists(db, input.slug)) throw slugTaken(input.slug);
  const row: TeamRow = { id: newId("team"), slug: input.slug, name: input.name, createdAt: now };
  const first = await prepareToken(db, row.id, { name: "bootstrap", scopes: ALL_SCOPES, expiresAt: null }, now);
  try {
    await commit({
      teamId: row.id,
      statements: [db.insert(teams).values(row), first.insert],
      target: row.id,
      detail: { slug: row.slug, token: { id: first.row.id, ...tokenDetail(first.row) } },
    });
  } catch (error) {
    // A concurrent create of the same slug committed first: this batch failed on the unique index and rolled back.
    if (await slugExists(db, input.slug)) throw slugTaken(input.slug);
    throw error;
  }
  return { team: row, token: first.token, tokenId: first.row.id };
}

export async function getTeam(db: Database, teamId: string): Promise<TeamRow> {
  const row = await db.query.teams.findFirst({ where: eq(teams.id, teamId) });
  if (!row) throw new AppError("not_found", "Team not found");
  return row;
}
