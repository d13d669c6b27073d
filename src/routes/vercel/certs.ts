/** Vercel `/v8/certs`: upload, get, list and remove team-level certificates. (`POST /v8/certs`, issuance, lives apart.) */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { AppError } from "../../core/errors";
import type { Scope } from "../../services/scopes";
import { deleteOwnedCertificate, getOwnedCertificate } from "../../services/certificates/lookup";
import { teamOwner } from "../../services/certificates/owner";
import { listTeamCertificates } from "../../services/certificates/team-listing";
import { uploadTeamCertificate } from "../../services/certificates/team-upload";
import { emitCertificateEvent } from "../../services/webhooks/emit";
import { bearerSecurity, jsonBody, jsonResponse, newRouter } from "../router";
import { pemField, vercelCertSchema, vercelCertView, vercelErrors } from "./schemas";
import { epochMs } from "./wire-time";
import { requireVercelTeam, teamQuery } from "./team";
import { raises } from "../openapi-errors";
import { ELIDED_KEY_NOTE, EXAMPLE_CA_PEM, EXAMPLE_PRIVATE_KEY, EXAMPLE_SERVER_CERTIFICATE_PEM } from "../openapi-example-material";

const certRoute = <M extends "get" | "put" | "delete">(method: M, path: string, summary: string, scope: Scope) => ({
  method,
  path: `/v8/certs${path}`,
  summary,
  tags: ["Vercel: certs"],
  security: bearerSecurity,
  middleware: [requireScope(scope), requireVercelTeam()],
});

const uploadBody = z.object({
  cert: pemField(65_536).min(1, "must not be empty").describe("The certificate (PEM), optionally followed by its intermediates"),
  key: pemField(16_384).min(1, "must not be empty").describe("The certificate key (PEM: PKCS#8, PKCS#1 or SEC1; not encrypted)"),
  ca: pemField(262_144).optional().default("").describe("The certificate authority: intermediates (and root) that complete the chain (PEM)"),
  skipValidation: z
    .boolean()
    .optional()
    .describe("Skip validation of the certificate (dates, chain, key strength). The PEMs are still parsed and the key must match."),
});

const certIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" } }) });

const timestampMs = z.coerce.number().int("must be an integer (epoch milliseconds)").min(0, "must not be negative");
const listQuery = teamQuery.extend({
  limit: z.coerce.number().int("must be an integer").min(1, "must be at least 1").max(100, "must be at most 100").default(20),
  until: timestampMs.optional().describe("Certificates created before this time (epoch ms): pagination.next of the previous page"),
  since: timestampMs.optional().describe("Certificates created after this time (epoch ms): pagination.prev of the previous page"),
});

const listSchema = z
  .object({
    certs: z.array(vercelCertSchema),
    pagination: z.object({
      count: z.number().int().describe("Certificates in this page"),
      next: z.number().int().nullable().describe("`until` for the next (older) page; null on the last page"),
      prev: z.number().int().nullable().describe("`since` for the previous (newer) page; null on the first page"),
    }),
  })
  .openapi("VercelCertList");

export const vercelCertRoutes = newRouter()
  .openapi(
    createRoute({
      ...certRoute("put", "", "Upload a cert", "certs:write"),
      ...raises("invalid_certificate", "invalid_private_key", "key_mismatch", "limit_reached"),
      request: {
        query: teamQuery,
        body: jsonBody(uploadBody, ELIDED_KEY_NOTE, { cert: EXAMPLE_SERVER_CERTIFICATE_PEM, key: EXAMPLE_PRIVATE_KEY, ca: EXAMPLE_CA_PEM }),
      },
      responses: { 200: jsonResponse(vercelCertSchema, "The stored certificate"), ...vercelErrors },
    }),
    async (c) => {
      const { ENCRYPTION_KEY } = c.var.deps.config;
      const row = await uploadTeamCertificate(c.var.deps.db, ENCRYPTION_KEY, c.var.auth.teamId, c.req.valid("json"), Date.now(), auditedCommit(c), c.var.deps.config);
      await emitCertificateEvent(c.var.deps, "certificate.uploaded", row);
      return c.json(vercelCertView(row), 200);
    },
  )
  .openapi(
    createRoute({
      ...certRoute("get", "", "List the team's certs, newest first", "certs:read"),
      request: { query: listQuery },
      responses: { 200: jsonResponse(listSchema, "A page of certificates"), ...vercelErrors },
    }),
    async (c) => {
      const { limit, until, since } = c.req.valid("query");
      if (until !== undefined && since !== undefined) {
        throw new AppError("validation_failed", "Give `until` or `since`, not both", { param: "since" });
      }
      const page = await listTeamCertificates(c.var.deps.db, teamOwner(c.var.auth.teamId), { limit, until, since });
      const cursor = (instant: number | null) => (instant === null ? null : epochMs(instant));
      return c.json({ certs: page.rows.map(vercelCertView), pagination: { count: page.rows.length, next: cursor(page.next), prev: cursor(page.prev) } }, 200);
    },
  )
  .openapi(
    createRoute({
      ...certRoute("get", "/{id}", "Get cert by id", "certs:read"),
      request: { params: certIdParam, query: teamQuery },
      responses: { 200: jsonResponse(vercelCertSchema, "The certificate"), ...vercelErrors },
    }),
    async (c) => {
      const row = await getOwnedCertificate(c.var.deps.db, teamOwner(c.var.auth.teamId), c.req.valid("param").id);
      return c.json(vercelCertView(row), 200);
    },
  )
  .openapi(
    createRoute({
      ...certRoute("delete", "/{id}", "Remove cert", "certs:write"),
      request: { params: certIdParam, query: teamQuery },
      responses: { 200: jsonResponse(z.object({}), "Removed: an empty object"), ...vercelErrors },
    }),
    async (c) => {
      const removed = await deleteOwnedCertificate(c.var.deps.db, teamOwner(c.var.auth.teamId), c.req.valid("param").id, auditedCommit(c));
      await emitCertificateEvent(c.var.deps, "certificate.deleted", removed);
      return c.json({}, 200);
    },
  );
