/** `/api/v1/teams` (operator bootstrap) and `/api/v1/team` (the caller's own team). */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireAdmin, requireScope } from "../../http/auth";
import { type TeamRow, createTeam, getTeam } from "../../services/teams";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { recordTime } from "./wire-time";
import { raises } from "../openapi-errors";

const teamSchema = z
  .object({ id: z.string(), slug: z.string(), name: z.string(), createdAt: z.string() })
  .openapi("Team");

function teamView(row: TeamRow): z.infer<typeof teamSchema> {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: recordTime(row.createdAt) };
}

const createTeamBody = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "must be 1-48 lower-case letters, digits or hyphens"),
    name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  })
  .strict();

const createTeamRoute = createRoute({
  method: "post",
  path: "/teams",
  ...raises("conflict"),
  summary: "Create a team and its first token (operator only: Bearer ADMIN_TOKEN)",
  tags: ["Teams"],
  security: bearerSecurity,
  middleware: [requireAdmin()],
  request: { body: jsonBody(createTeamBody, undefined, { slug: "acme-platform", name: "Acme platform team" }) },
  responses: {
    200: jsonResponse(
      teamSchema.extend({ token: z.string().describe("An API token with every scope. Shown once.") }),
      "The team, with its first token",
    ),
    ...nativeErrors,
  },
});

const currentTeamRoute = createRoute({
  method: "get",
  path: "/team",
  summary: "The team the token belongs to",
  tags: ["Teams"],
  security: bearerSecurity,
  middleware: [requireScope("projects:read")],
  responses: { 200: jsonResponse(teamSchema, "The team"), ...nativeErrors },
});

export const teamRoutes = newRouter()
  .openapi(createTeamRoute, async (c) => {
    const { db, clock } = c.var.deps;
    // Recorded in the new team's own log, with `operator` as the actor.
    const { team, token } = await createTeam(db, c.req.valid("json"), clock.now(), auditedCommit(c));
    return c.json({ ...teamView(team), token }, 200);
  })
  .openapi(currentTeamRoute, async (c) => c.json(teamView(await getTeam(c.var.deps.db, c.var.auth.teamId)), 200));
