/** `POST /api/v1/cas/:id/publish-to-organization`: the CA's certificate into the OpenAI-style organization store, active. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { publishCaToOrganization } from "../../services/ca-publish";
import { listedView, organizationCertificateSchema } from "../openai/schemas";
import { bearerSecurity, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import { raises } from "../openapi-errors";

const caIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "ca_8f3k2m" }) });

export const caPublishRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/cas/{id}/publish-to-organization",
    ...raises("conflict", "limit_reached"),
    summary: "Add the CA's own certificate (not its chain) to the organization's certificate store (/v1/organization/certificates), active",
    tags: ["Private CA"],
    security: bearerSecurity,
    // The CA's owner scope, and the store's.
    middleware: [requireScope("cas:write", "organization:write")],
    request: { params: caIdParam },
    responses: {
      201: jsonResponse(organizationCertificateSchema, "The organization certificate, as OpenAI's API shows it"),
      409: jsonResponse(nativeErrorSchema, "Already in the store, or the store is full (50 certificates, or its byte quota)"),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const { db, config, clock } = c.var.deps;
    const row = await publishCaToOrganization(db, c.var.auth.teamId, c.req.valid("param").id, clock.now(), auditedCommit(c), config);
    return c.json(listedView("organization.certificate", { row, active: row.activeInOrganization }), 201);
  },
);
