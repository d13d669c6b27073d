/** Vercel's `teamId` / `slug` query parameters: they name the team a request acts for, which must be the token's. */
import { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { teams } from "../../db/schema";
import type { AppBindings } from "../../http/context";
import { AppError } from "../../core/errors";

/** The query parameters every Vercel endpoint accepts. */
export const teamQuery = z.object({
  teamId: z
    .string()
    .optional()
    .openapi({ description: "The Team identifier to perform the request on behalf of.", example: "team_1a2b3c4d5e6f7g8h9i0j1k2l" }),
  slug: z.string().optional().openapi({ description: "The Team slug to perform the request on behalf of.", example: "my-team-url-slug" }),
});

/**
 * Runs after requireScope: a `teamId` or `slug` other than the token's team is a 404 "Team not
 * found", the same answer as for a team that does not exist, so nothing about other teams leaks.
 */
export function requireVercelTeam(): MiddlewareHandler<AppBindings> {
  return async function requireVercelTeam(c, next) {
    const teamId = c.req.query("teamId") || undefined;
    const slug = c.req.query("slug") || undefined;
    const own = c.var.auth.teamId;
    if (teamId !== undefined && teamId !== own) throw new AppError("not_found", "Team not found", { param: "teamId" });
    if (slug !== undefined) {
      const team = await c.var.deps.db.query.teams.findFirst({ where: eq(teams.id, own), columns: { slug: true } });
      if (team?.slug !== slug) throw new AppError("not_found", "Team not found", { param: "slug" });
    }
    await next();
  };
}
