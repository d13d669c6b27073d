/** The seed's project certificate endpoints for stored and custom certificates. */
import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../../http/auth";
import { AppError } from "../../core/errors";
import { certificateStatusView, certificateSummary, setAutoRenew } from "../../services/certificates";
import { certificateOfProject, deleteCertificate } from "../../store/certificates";
import { uploadForProject, validateForProject } from "../../services/custom-certificates";
import { getProject } from "../../services/projects";
import { issuanceProgress } from "../../services/acme-certificates";
import { isoSeconds } from "../../core/time";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { projectIdParam } from "./projects";
import { certificateMaterialBody, certificateSchema, messageSchema, statusSchema, validationSchema } from "./certificate-schemas";

const route = <M extends "get" | "post" | "patch" | "delete">(method: M, path: string, summary: string, scope: "projects:read" | "projects:write") => ({
  method,
  path: `/projects/{id}/certificate${path}`,
  summary,
  tags: ["Certificates"],
  security: bearerSecurity,
  middleware: [requireScope(scope)],
});

export const certificateRoutes = newRouter()
  .openapi(
    createRoute({
      ...route("get", "", "Get the project's certificate (null when there is none)", "projects:read"),
      request: { params: projectIdParam },
      responses: { 200: jsonResponse(certificateSchema.nullable(), "The certificate, or null"), ...nativeErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const row = await certificateOfProject(db, project.teamId, project.id);
      return c.json(row ? certificateSummary(row) : null, 200);
    },
  )
  .openapi(
    createRoute({
      ...route("post", "/validate", "Check a certificate and key against the project's domain, storing nothing", "projects:read"),
      request: { params: projectIdParam, body: jsonBody(certificateMaterialBody) },
      responses: {
        200: jsonResponse(validationSchema, "Valid (warnings may be present)"),
        422: jsonResponse(validationSchema, "Well-formed but not acceptable: `valid: false` and why"),
        ...nativeErrors,
      },
    }),
    async (c) => {
      const project = await getProject(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id);
      const { report } = await validateForProject(project, c.req.valid("json"), Date.now());
      const { error, errorCode, ...rest } = report;
      if (report.valid) return c.json(rest, 200);
      return c.json({ ...rest, error: error ?? "Certificate is not valid", code: errorCode ?? "invalid_certificate" }, 422);
    },
  )
  .openapi(
    createRoute({
      ...route("post", "/upload", "Upload a custom certificate (replaces the current one once stored)", "projects:write"),
      request: { params: projectIdParam, body: jsonBody(certificateMaterialBody) },
      responses: {
        200: jsonResponse(
          z.object({ success: z.literal(true), certificate: certificateSchema, warnings: z.array(z.string()) }),
          "Stored",
        ),
        ...nativeErrors,
      },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const { ENCRYPTION_KEY } = c.var.deps.config;
      const { row, warnings } = await uploadForProject(db, ENCRYPTION_KEY, project, c.req.valid("json"), Date.now());
      return c.json({ success: true as const, certificate: certificateSummary(row), warnings }, 200);
    },
  )
  .openapi(
    createRoute({
      ...route("get", "/status", "Certificate status and renewal state", "projects:read"),
      request: { params: projectIdParam },
      responses: { 200: jsonResponse(statusSchema, "The status"), ...nativeErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const row = await certificateOfProject(db, project.teamId, project.id);
      if (row) return c.json(certificateStatusView(row, Date.now()), 200);
      // No certificate yet: an obtain that answered "pending" is still running, or has failed.
      if (!project.domain) throw new AppError("not_found", "Project has no certificate");
      const progress = await issuanceProgress(c.var.deps, { teamId: project.teamId, projectId: project.id, names: [project.domain] });
      const failed = progress.last?.outcome.state === "failed" ? progress.last : null;
      if (!progress.running && !failed) throw new AppError("not_found", "Project has no certificate");
      return c.json(
        {
          status: progress.running ? ("pending" as const) : ("failed" as const),
          domain: project.domain,
          expiresAt: null,
          daysUntilExpiry: null,
          autoRenew: false,
          lastRenewAttempt: failed ? isoSeconds(failed.finishedAt) : null,
          lastRenewError: failed?.outcome.state === "failed" ? failed.outcome.error.message : null,
          nextRenewalAt: null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      ...route("patch", "", "Turn automatic renewal on or off", "projects:write"),
      request: { params: projectIdParam, body: jsonBody(z.object({ autoRenew: z.boolean() }).strict()) },
      responses: { 200: jsonResponse(certificateSchema, "The certificate"), ...nativeErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const row = await certificateOfProject(db, project.teamId, project.id);
      if (!row) throw new AppError("not_found", "Project has no certificate");
      return c.json(certificateSummary(await setAutoRenew(db, row, c.req.valid("json").autoRenew, Date.now())), 200);
    },
  )
  .openapi(
    createRoute({
      ...route("delete", "", "Remove the project's certificate", "projects:write"),
      request: { params: projectIdParam },
      responses: { 200: jsonResponse(messageSchema, "Removed"), ...nativeErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const row = await certificateOfProject(db, project.teamId, project.id);
      if (!row) throw new AppError("not_found", "Project has no certificate");
      await deleteCertificate(db, row.id);
      return c.json({ success: true as const, message: "Certificate removed" }, 200);
    },
  );
