/** `/api/v1/tokens`: a team's API tokens (secret shown once); a token grants and revokes only what it holds. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope, requireTeamToken } from "../../http/auth";
import { SCOPES } from "../../services/scopes";
import { type TokenRow, createToken, currentToken, listTokens, revokeToken } from "../../services/tokens";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import { recordTime } from "./wire-time";

export const tokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("Token");

const optionalTime = (instant: number | null) => (instant === null ? null : recordTime(instant));

/** A token as listed: never its secret, which exists only in the creation answer. */
export function tokenView(row: TokenRow): z.infer<typeof tokenSchema> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: recordTime(row.createdAt),
    expiresAt: optionalTime(row.expiresAt),
    lastUsedAt: optionalTime(row.lastUsedAt),
    revokedAt: optionalTime(row.revokedAt),
  };
}

export const createTokenBody = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
    scopes: z.array(z.enum(SCOPES)).min(1, "must name at least one scope").max(SCOPES.length),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

/** The 403s of these routes say more than "lacks the scope". */
const grantErrors = {
  ...nativeErrors,
  403: jsonResponse(nativeErrorSchema, "The token lacks the scope, or would grant or revoke scopes (or a life) it does not hold"),
} as const;

export const currentTokenSchema = tokenSchema
  .extend({
    team: z.object({ id: z.string(), slug: z.string(), name: z.string() }).describe("The team the token acts for"),
  })
  .openapi("CurrentToken");

const tokenIdParam = z.object({ tokenId: z.string().min(1).max(64) });

export const tokenRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/tokens",
      summary: "Create an API token with chosen scopes",
      description:
        "The new token's scopes must be among the caller's (a `:write` scope covers its `:read`), and it must expire " +
        "no later than the caller: a token with an expiry cannot create one without. Otherwise 403, and nothing is created.",
      tags: ["Tokens"],
      security: bearerSecurity,
      middleware: [requireScope("tokens:write")],
      request: { body: jsonBody(createTokenBody, undefined, { name: "ci-deploy", scopes: ["projects:read", "certs:read"], expiresInDays: 90 }) },
      responses: {
        200: jsonResponse(tokenSchema.extend({ token: z.string().describe("Shown once.") }), "The new token"),
        ...grantErrors,
      },
    }),
    async (c) => {
      const { db, clock } = c.var.deps;
      const { token, row } = await createToken(db, c.var.auth, c.req.valid("json"), clock.now(), auditedCommit(c));
      return c.json({ ...tokenView(row), token }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/tokens",
      summary: "List the team's tokens (never their secrets)",
      tags: ["Tokens"],
      security: bearerSecurity,
      middleware: [requireScope("tokens:read")],
      responses: { 200: jsonResponse(z.object({ tokens: z.array(tokenSchema) }), "The tokens"), ...nativeErrors },
    }),
    async (c) => c.json({ tokens: (await listTokens(c.var.deps.db, c.var.auth.teamId)).map(tokenView) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/tokens/current",
      summary: "The calling token: its scopes, expiry and team",
      description:
        "Any valid team token may ask about itself, whatever its scopes: a client shows only what those scopes allow. " +
        "Never the secret or its hash.",
      tags: ["Tokens"],
      security: bearerSecurity,
      middleware: [requireTeamToken()],
      responses: { 200: jsonResponse(currentTokenSchema, "The calling token and its team"), ...nativeErrors },
    }),
    async (c) => {
      const { token, team } = await currentToken(c.var.deps.db, c.var.auth, c.var.deps.clock.now());
      return c.json({ ...tokenView(token), team: { id: team.id, slug: team.slug, name: team.name } }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/tokens/{tokenId}",
      summary: "Revoke a token",
      description:
        "Only a token holding every scope of the one revoked may revoke it (403 otherwise). " +
        "Revoking a revoked token changes nothing.",
      tags: ["Tokens"],
      security: bearerSecurity,
      middleware: [requireScope("tokens:write")],
      request: { params: tokenIdParam },
      responses: { 200: jsonResponse(tokenSchema, "The revoked token"), ...grantErrors },
    }),
    async (c) => {
      const { db, clock } = c.var.deps;
      const row = await revokeToken(db, c.var.auth, c.req.valid("param").tokenId, clock.now(), auditedCommit(c));
      return c.json(tokenView(row), 200);
    },
  );
