/** `/api/v1/tokens`: a team's API tokens (the secret is shown once, at creation). */
import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../../http/auth";
import { SCOPES } from "../../services/scopes";
import { type TokenRow, createToken, listTokens, revokeToken } from "../../services/tokens";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { recordTime } from "./wire-time";

const tokenSchema = z
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
function tokenView(row: TokenRow): z.infer<typeof tokenSchema> {
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

const createTokenBody = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
    scopes: z.array(z.enum(SCOPES)).min(1, "must name at least one scope").max(SCOPES.length),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

const tokenIdParam = z.object({ tokenId: z.string().min(1).max(64) });

export const tokenRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/tokens",
      summary: "Create an API token with chosen scopes",
      tags: ["Tokens"],
      security: bearerSecurity,
      middleware: [requireScope("tokens:write")],
      request: { body: jsonBody(createTokenBody) },
      responses: {
        200: jsonResponse(tokenSchema.extend({ token: z.string().describe("Shown once.") }), "The new token"),
        ...nativeErrors,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const now = Date.now();
      const expiresAt = body.expiresInDays ? now + body.expiresInDays * 86_400_000 : null;
      const { token, row } = await createToken(c.var.deps.db, c.var.auth.teamId, { ...body, expiresAt }, now);
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
      method: "delete",
      path: "/tokens/{tokenId}",
      summary: "Revoke a token",
      tags: ["Tokens"],
      security: bearerSecurity,
      middleware: [requireScope("tokens:write")],
      request: { params: tokenIdParam },
      responses: { 200: jsonResponse(tokenSchema, "The revoked token"), ...nativeErrors },
    }),
    async (c) => c.json(tokenView(await revokeToken(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").tokenId, Date.now())), 200),
  );
