/** Vercel `POST /v8/certs`: issue a certificate for `cns` through the same ACME machinery as the native API. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { issueTeamCertificate } from "../../services/certificates/team-issuance";
import { bearerSecurity, jsonBody, jsonResponse, newRouter } from "../router";
import { vercelCertSchema, vercelCertView, vercelErrors, vercelErrorSchema } from "./schemas";
import { requireVercelTeam, teamQuery } from "./team";
import { CA_CALL, raises } from "../openapi-errors";

const issueBody = z.object({
  cns: z.array(z.string().max(300, "must be at most 300 characters")).max(100, "at most 100 names").optional().describe("The common names the cert should be issued for"),
});

export const vercelIssueCertRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/v8/certs",
    summary: "Issue a new cert",
    tags: ["Vercel: certs"],
    ...raises(...CA_CALL, "domain_taken", "challenge_failed", "configuration_error"),
    security: bearerSecurity,
    middleware: [requireScope("certs:write"), requireVercelTeam()],
    request: { query: teamQuery, body: jsonBody(issueBody, undefined, { cns: ["shop.example.com"] }) },
    responses: {
      200: jsonResponse(vercelCertSchema, "The issued certificate"),
      449: jsonResponse(vercelErrorSchema, "The domain is not yet set up for the HTTP-01 challenge (code configuration_error): retry"),
      ...vercelErrors,
    },
  }),
  async (c) => {
    const row = await issueTeamCertificate(c.var.deps, c.var.auth.teamId, c.req.valid("json").cns ?? [], auditedCommit(c));
    return c.json(vercelCertView(row), 200);
  },
);
