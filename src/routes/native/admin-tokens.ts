/**
 * `POST /api/v1/admin/tokens`: the operator gives a team a token with the scopes it needs. A token can grant only the
 * scopes it holds, so a team made before a scope existed (`certificates:export`, `cas:*`) gets it only this way: its
 * existing tokens are never widened.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireAdmin } from "../../http/auth";
import { createTokenAsOperator } from "../../services/tokens";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { createTokenBody, tokenSchema, tokenView } from "./tokens";

const operatorTokenBody = createTokenBody
  .extend({
    teamId: z.string().min(1).max(64).optional().describe("The team the token is for (this or teamSlug)"),
    teamSlug: z.string().min(1).max(64).optional().describe("The team's slug, as given when it was created (this or teamId)"),
  })
  .strict()
  .refine((body) => (body.teamId === undefined) !== (body.teamSlug === undefined), { message: "give exactly one of teamId and teamSlug", path: ["teamId"] });

export const adminTokenRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/admin/tokens",
    summary: "Create a token for a team, with any scopes (operator only: Bearer ADMIN_TOKEN)",
    description:
      "For a team that needs a scope none of its tokens holds, e.g. one created before `certificates:export` or `cas:*` existed " +
      "(a token grants only what it holds, and existing tokens are never widened). Recorded in the team's audit log with the " +
      "operator as actor (name, scopes, expiry; never the secret). Unknown team: 404. The way back into a team whose first " +
      "token was lost: name it by `teamSlug`, as `POST /api/v1/teams` answered 409 for it.",
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    request: { body: jsonBody(operatorTokenBody, undefined, { teamSlug: "acme-platform", name: "recovered", scopes: ["projects:read", "projects:write", "tokens:write"] }) },
    responses: { 200: jsonResponse(tokenSchema.extend({ token: z.string().describe("Shown once.") }), "The new token"), ...nativeErrors },
  }),
  async (c) => {
    const { db, clock } = c.var.deps;
    const { teamId, teamSlug, ...input } = c.req.valid("json");
    const team = teamId !== undefined ? { id: teamId } : { slug: teamSlug! };
    const { token, row } = await createTokenAsOperator(db, team, input, clock.now(), auditedCommit(c));
    return c.json({ ...tokenView(row), token }, 200);
  },
);
