/**
 * `POST /api/v1/admin/domains/{domain}/revoke-verification`: the operator takes a verified name back from the team
 * that holds it (a verified name stays verified when its record disappears, until an operator revokes it).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireAdmin } from "../../http/auth";
import { normalizeDomain } from "../../services/domain-name";
import { revokeVerification } from "../../services/domain-verification";
import { bearerSecurity, jsonResponse, nativeErrors, newRouter } from "../router";

const domainParam = z.object({
  domain: z
    .string()
    .min(1)
    .max(260)
    .openapi({ param: { name: "domain", in: "path" }, example: "shop.example.com", description: "The held name exactly as claimed (`*.example.com` for a wildcard)" }),
});

const revocationSchema = z
  .object({
    domain: z.string(),
    teamId: z.string().describe("The team that held the name"),
    pendingProjects: z.array(z.string()).describe("That team's projects using the name: now `pending`, with a fresh TXT token to publish"),
  })
  .openapi("DomainRevocation", { example: { domain: "shop.example.com", teamId: "team_5k2x9q", pendingProjects: ["prj_8d3m1c"] } });

export const adminDomainRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/admin/domains/{domain}/revoke-verification",
    summary: "Revoke a team's verified claim on a domain (operator only: Bearer ADMIN_TOKEN)",
    description:
      "A verified name stays verified when its TXT record disappears; this takes it back (a customer's dispute, a domain that " +
      "changed hands). The name then belongs to no team: the holder's projects using it become `pending` with a fresh token (the old " +
      "record proves nothing), its certificates carrying the name stop renewing with the reason, and other teams waiting on the name " +
      "are `pending` again instead of `conflict`: the first to verify holds it. Recorded in the holder's audit log. 404 when no team " +
      "holds the name; 400 when DOMAIN_VERIFICATION is off (nothing could verify it again).",
    tags: ["Operator"],
    security: bearerSecurity,
    middleware: [requireAdmin()],
    request: { params: domainParam },
    responses: { 200: jsonResponse(revocationSchema, "Whose claim was revoked, and its projects now pending"), ...nativeErrors },
  }),
  async (c) => {
    const domain = normalizeDomain(c.req.valid("param").domain);
    return c.json(await revokeVerification(c.var.deps, domain, auditedCommit(c)), 200);
  },
);
