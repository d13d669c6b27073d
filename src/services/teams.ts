/** Teams: the tenant. A team (= Vercel team = OpenAI organization) owns projects, tokens and certificates. */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { teams } from "../db/schema";
import { newId } from "../core/ids";
import { AppError } from "../core/errors";
import { ALL_SCOPES, prepareToken } from "./tokens";

export interface TeamView {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

function view(row: typeof teams.$inferSelect): TeamView {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: new Date(row.createdAt).toISOString() };
}

/** Creates a team and its first token (every scope) in one atomic batch. */
export async function createTeam(db: Database, input: { slug: string; name: string }, now: number) {
  const existing = await db.query.teams.findFirst({ where: eq(teams.slug, input.slug) });
  if (existing) throw new AppError("conflict", `A team with slug "${input.slug}" already exists`, { param: "slug" });
  const row = { id: newId("team"), slug: input.slug, name: input.name, createdAt: now };
  const first = await prepareToken(db, row.id, { name: "bootstrap", scopes: ALL_SCOPES }, now);
  try {
    await db.batch([db.insert(teams).values(row), first.insert]);
  } catch (error) {
    if (String(error).includes("UNIQUE")) {
      throw new AppError("conflict", `A team with slug "${input.slug}" already exists`, { param: "slug" });
    }
    throw error;
  }
  return { team: view(row), token: first.token, tokenId: first.row.id };
}

export async function getTeam(db: Database, teamId: string): Promise<TeamView> {
  const row = await db.query.teams.findFirst({ where: eq(teams.id, teamId) });
  if (!row) throw new AppError("not_found", "Team not found");
  return view(row);
}
