/** The seed's ACME endpoints: obtain (HTTP-01 / DNS-01), renew, revoke. */
import { createRoute, z } from "@hono/zod-openapi";
import { parseDnsCredentials } from "../../dns";
import { requireScope } from "../../http/auth";
import { AppError } from "../../core/errors";
import { obtainCertificate, renewCertificate, REVOCATION_REASON_CODES, revokeCertificate, throwIfFailed } from "../../services/acme-certificates";
import type { Database } from "../../db/client";
import { certificateOfProject } from "../../store/certificates";
import { getProject } from "../../services/projects";
import { isoSeconds } from "../../core/time";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { messageSchema } from "./certificate-schemas";
import { obtainBody } from "./obtain-schema";
import { projectIdParam } from "./projects";

const issuedSchema = z.object({
  success: z.literal(true),
  certificate: z.object({
    domain: z.string(),
    issuedAt: z.string(),
    expiresAt: z.string(),
    issuer: z.string(),
    autoRenew: z.boolean(),
    renewedFrom: z.string().optional(),
  }),
});
const pendingSchema = z.object({ success: z.literal(true), pending: z.literal(true), message: z.string() });
const dryRunSchema = z.object({ success: z.literal(true), dryRun: z.literal(true), validated: z.array(z.string()), message: z.string() });

const PENDING_MESSAGE = "Issuance is in progress; GET /api/v1/projects/:id/certificate/status tells when it is done";

const acmeRoute = <M extends "post">(method: M, path: string, summary: string) => ({
  method,
  path: `/projects/{id}/certificate${path}`,
  summary,
  tags: ["Certificates"],
  security: bearerSecurity,
  middleware: [requireScope("projects:write")],
});

async function issuedBody(db: Database, teamId: string, projectId: string) {
  const row = await certificateOfProject(db, teamId, projectId);
  if (!row) throw new AppError("internal", "Issued certificate was not stored");
  return {
    success: true as const,
    certificate: {
      domain: row.domain,
      issuedAt: isoSeconds(row.issuedAt),
      expiresAt: isoSeconds(row.expiresAt),
      issuer: row.issuer,
      autoRenew: row.autoRenew,
      ...(row.renewedFrom !== null ? { renewedFrom: isoSeconds(row.renewedFrom) } : {}),
    },
  };
}

export const certificateAcmeRoutes = newRouter()
  .openapi(
    createRoute({
      ...acmeRoute("post", "/obtain", "Obtain a certificate from Let's Encrypt (or the configured ACME CA)"),
      request: { params: projectIdParam, body: jsonBody(obtainBody) },
      responses: {
        200: jsonResponse(z.union([issuedSchema, dryRunSchema]), "Issued and stored (or, with dryRun, validated only)"),
        202: jsonResponse(pendingSchema, "Still in progress; poll the status endpoint"),
        429: jsonResponse(z.object({ success: z.literal(false), error: z.string() }), "The CA's rate limit; see Retry-After"),
        ...nativeErrors,
      },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const body = c.req.valid("json");
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      if (!project.domain) throw new AppError("domain_not_configured", "Project has no domain configured");
      const dnsCredentials = body.dnsProvider ? (parseDnsCredentials(body.dnsProvider, body.dnsCredentials) as Record<string, unknown>) : undefined;
      const outcome = throwIfFailed(
        await obtainCertificate(c.var.deps, { teamId: project.teamId, projectId: project.id, names: [project.domain] }, { ...body, ...(dnsCredentials ? { dnsCredentials } : {}) }),
      );
      if (outcome.state === "pending") return c.json({ success: true as const, pending: true as const, message: PENDING_MESSAGE }, 202);
      if (outcome.state === "validated") {
        return c.json(
          { success: true as const, dryRun: true as const, validated: outcome.names, message: "Dry run: the CA validated every name; nothing was issued or stored" },
          200,
        );
      }
      return c.json(await issuedBody(db, project.teamId, project.id), 200);
    },
  )
  .openapi(
    createRoute({
      ...acmeRoute("post", "/renew", "Renew the project's ACME certificate now"),
      request: { params: projectIdParam },
      responses: {
        200: jsonResponse(issuedSchema, "Renewed; `renewedFrom` is the previous certificate's issue time"),
        202: jsonResponse(pendingSchema, "Still in progress"),
        ...nativeErrors,
      },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const row = await certificateOfProject(db, project.teamId, project.id);
      if (!row) throw new AppError("not_found", "Project has no certificate");
      const outcome = throwIfFailed(await renewCertificate(c.var.deps, row, { trigger: "manual" }));
      if (outcome.state === "pending") return c.json({ success: true as const, pending: true as const, message: PENDING_MESSAGE }, 202);
      if (outcome.state === "skipped") throw new AppError("not_renewable", outcome.reason);
      return c.json(await issuedBody(db, project.teamId, project.id), 200);
    },
  )
  .openapi(
    createRoute({
      ...acmeRoute("post", "/revoke", "Revoke the project's ACME certificate at the CA (cannot be undone)"),
      request: {
        params: projectIdParam,
        body: {
          required: false,
          content: {
            "application/json": {
              schema: z.object({ reason: z.enum(Object.keys(REVOCATION_REASON_CODES) as [keyof typeof REVOCATION_REASON_CODES]).optional() }).strict(),
            },
          },
        },
      },
      responses: { 200: jsonResponse(messageSchema, "Revoked"), ...nativeErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const row = await certificateOfProject(db, project.teamId, project.id);
      if (!row) throw new AppError("not_found", "Project has no certificate");
      await revokeCertificate(c.var.deps, row, c.req.valid("json").reason ?? "unspecified");
      return c.json({ success: true as const, message: "Certificate revoked" }, 200);
    },
  );
