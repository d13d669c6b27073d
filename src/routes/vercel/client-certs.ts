/** Vercel `/v1/projects/{idOrName}/client-cert`: client certificates for egress mTLS, one per project and origin. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { deleteClientCertificate, listClientCertificates, uploadClientCertificate } from "../../services/client-certificates";
import { getProjectByIdOrName } from "../../services/projects";
import type { Scope } from "../../services/scopes";
import { bearerSecurity, jsonBody, jsonResponse, newRouter } from "../router";
import { pemField, vercelErrors } from "./schemas";
import { requireVercelTeam, teamQuery } from "./team";
import { raises } from "../openapi-errors";
import { ELIDED_KEY_NOTE, EXAMPLE_CA_PEM, EXAMPLE_CLIENT_CERTIFICATE_PEM, EXAMPLE_PRIVATE_KEY } from "../openapi-example-material";

const clientCertRoute = <M extends "get" | "post" | "delete">(method: M, path: string, summary: string, scope: Scope) => ({
  method,
  path: `/v1/projects/{idOrName}/client-cert${path}`,
  summary,
  tags: ["Vercel: client certificates"],
  security: bearerSecurity,
  middleware: [requireScope(scope), requireVercelTeam()],
});

const idOrName = z
  .string()
  .min(1)
  .max(100)
  .openapi({ param: { name: "idOrName", in: "path" }, description: "The project id or name", example: "prj_XLKmu1DyR1eY7zq8UgeRKbA7yVLA" });

const uploadBody = z.object({
  cert: pemField(65_536).min(1, "must not be empty").describe("The client certificate in PEM format (intermediates may follow)"),
  key: pemField(16_384).min(1, "must not be empty").describe("The private key in PEM format"),
  ca: pemField(262_144).describe("The certificate authority in PEM format: the client certificate must chain to it"),
  origin: z
    .string()
    .max(2048, "must be at most 2048 characters")
    .optional()
    .describe("The origin this certificate is used for (https://host[:port]). If not specified, the certificate is project-wide."),
  skipValidation: z
    .boolean()
    .optional()
    .describe("Skip validation (EKU, chain to ca, dates). The PEMs are still parsed and the key must match."),
});

const uploadedSchema = z
  .object({
    updated: z.boolean().describe("True when a certificate for this origin was replaced"),
    origin: z.string().describe('The normalized origin; "" for project-wide'),
    certId: z.string(),
  })
  .openapi("VercelClientCertUploaded");

const listSchema = z
  .object({ clientCerts: z.array(z.object({ origin: z.string(), id: z.string() })) })
  .openapi("VercelClientCerts");

const deletedSchema = z.object({ origin: z.string(), certId: z.string() }).openapi("VercelClientCertDeleted");

export const vercelClientCertRoutes = newRouter()
  .openapi(
    createRoute({
      ...clientCertRoute("post", "", "Upload client certificate for egress mTLS", "projects:write"),
      ...raises("invalid_certificate", "invalid_private_key", "key_mismatch", "limit_reached"),
      request: {
        params: z.object({ idOrName }),
        query: teamQuery,
        body: jsonBody(uploadBody, ELIDED_KEY_NOTE, {
          cert: EXAMPLE_CLIENT_CERTIFICATE_PEM,
          key: EXAMPLE_PRIVATE_KEY,
          ca: EXAMPLE_CA_PEM,
          origin: "https://api.partner.example",
        }),
      },
      responses: { 200: jsonResponse(uploadedSchema, "Client certificate uploaded"), ...vercelErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProjectByIdOrName(db, c.var.auth.teamId, c.req.valid("param").idOrName);
      const { config } = c.var.deps;
      const { row, updated } = await uploadClientCertificate(db, config.ENCRYPTION_KEY, project, c.req.valid("json"), Date.now(), auditedCommit(c), config);
      return c.json({ updated, origin: row.origin, certId: row.id }, 200);
    },
  )
  .openapi(
    createRoute({
      ...clientCertRoute("get", "", "Get client certificates for egress mTLS", "projects:read"),
      request: { params: z.object({ idOrName }), query: teamQuery },
      responses: { 200: jsonResponse(listSchema, "The project's client certificates"), ...vercelErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProjectByIdOrName(db, c.var.auth.teamId, c.req.valid("param").idOrName);
      const rows = await listClientCertificates(db, project);
      return c.json({ clientCerts: rows.map((row) => ({ origin: row.origin, id: row.id })) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...clientCertRoute("delete", "/{certId}", "Delete client certificate for egress mTLS", "projects:write"),
      request: {
        params: z.object({ idOrName, certId: z.string().min(1).max(64).openapi({ param: { name: "certId", in: "path" } }) }),
        query: teamQuery,
      },
      responses: { 200: jsonResponse(deletedSchema, "Deleted"), ...vercelErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const { idOrName: project, certId } = c.req.valid("param");
      const deleted = await deleteClientCertificate(db, await getProjectByIdOrName(db, c.var.auth.teamId, project), certId, auditedCommit(c));
      return c.json({ origin: deleted.origin, certId: deleted.id }, 200);
    },
  );
