/** Teams: the tenant. A team (= Vercel team = OpenAI organization) owns projects, tokens and certificates. */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { teams } from "../db/schema";
import { newId } from "../core/ids";
import { AppError } from "../core/errors";
import { ALL_SCOPES, prepareToken } from "./tokens";

export type TeamRow = typeof teams.$inferSelect;

const slugTaken = (slug: string) => new AppError("conflict", `A team with slug "${slug}" already exists`, { param: "slug" });

/** Creates a team and its first token (every scope) in one atomic batch. */
export async function createTeam(db: Database, input: { slug: string; name: string }, now: number) {
  const existing = await db.query.teams.findFirst({ where: eq(teams.slug, input.slug) });
  if (existing) throw slugTaken(input.slug);
  const row: TeamRow = { id: newId("team"), slug: input.slug, name: input.name, createdAt: now };
  const first = await prepareToken(db, row.id, { name: "bootstrap", scopes: ALL_SCOPES }, now);
  // A concurrent create of the same slug loses on its unique index: no team row comes back, and so no token is stored.
  const [created] = await db.batch([db.insert(teams).values(row).onConflictDoNothing().returning({ id: teams.id }), first.insert]);
  if (created.length === 0) throw slugTaken(input.slug);
  return { team: row, token: first.token, tokenId: first.row.id };
}

export async function getTeam(db: Database, teamId: string): Promise<TeamRow> {
  const row = await db.query.teams.findFirst({ where: eq(teams.id, teamId) });
  if (!row) throw new AppError("not_found", "Team not found");
  return row;
}
