/** The project certificate endpoints for stored and custom certificates (read, validate, upload, status, auto-renew, remove). */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { AppError } from "../../core/errors";
import { issuanceProgress } from "../../services/certificates/acme";
import { setAutoRenew } from "../../services/certificates/auto-renew";
import { certificateOf, deleteOwnedCertificate, requireCertificateOf } from "../../services/certificates/lookup";
import { projectOwner } from "../../services/certificates/owner";
import { uploadForProject, validateForProject } from "../../services/certificates/project-upload";
import { deliverAfterChange } from "../../services/deploy-targets/announce";
import { getProject } from "../../services/projects";
import { emitCertificateEvent } from "../../services/webhooks/emit";
import { deployTargetsOf } from "../../store/deploy-targets";
import { deploymentsView } from "./deploy-target-views";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { projectIdParam } from "./projects";
import { certificateMaterialBody, certificateMaterialExample, certificateSchema, messageSchema, statusSchema, validationSchema } from "./certificate-schemas";
import { certificateStatusView, certificateSummary, issuanceStatusView, validationView } from "./certificate-views";
import { raises } from "../openapi-errors";
import { ELIDED_KEY_NOTE } from "../openapi-example-material";

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
      const row = await certificateOf(db, projectOwner(project));
      return c.json(row ? certificateSummary(row) : null, 200);
    },
  )
  .openapi(
    createRoute({
      ...route("post", "/validate", "Check a certificate and key against the project's domain, storing nothing", "projects:read"),
      ...raises("invalid_certificate", "invalid_private_key", "key_mismatch", "domain_mismatch", "domain_not_configured"),
      request: { params: projectIdParam, body: jsonBody(certificateMaterialBody, ELIDED_KEY_NOTE, certificateMaterialExample) },
      responses: {
        200: jsonResponse(validationSchema, "Valid (warnings may be present)"),
        422: jsonResponse(validationSchema, "Well-formed but not acceptable: `valid: false` and why"),
        ...nativeErrors,
      },
    }),
    async (c) => {
      const { report } = await validateForProject(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id, c.req.valid("json"), Date.now());
      const view = validationView(report);
      if (view.valid) return c.json(view.body, 200);
      return c.json(view.body, 422);
    },
  )
  .openapi(
    createRoute({
      ...route("post", "/upload", "Upload a custom certificate (replaces the current one once stored)", "projects:write"),
      ...raises("invalid_certificate", "invalid_private_key", "key_mismatch", "limit_reached", "domain_mismatch", "domain_not_configured", "domain_taken"),
      request: { params: projectIdParam, body: jsonBody(certificateMaterialBody, ELIDED_KEY_NOTE, certificateMaterialExample) },
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
      const { row, warnings } = await uploadForProject(db, ENCRYPTION_KEY, project, c.req.valid("json"), Date.now(), auditedCommit(c), c.var.deps.config);
      await deliverAfterChange(c.var.deps, project, "uploaded");
      await emitCertificateEvent(c.var.deps, "certificate.uploaded", row);
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
      const row = await certificateOf(db, projectOwner(project));
      const deployments = deploymentsView(await deployTargetsOf(db, project.id), row, Date.now());
      if (row) return c.json({ ...certificateStatusView(row, Date.now()), deployments }, 200);
      // No certificate yet: an obtain that answered "pending" is still running, or has failed.
      if (!project.domain) throw new AppError("not_found", "Project has no certificate");
      const progress = await issuanceProgress(c.var.deps, projectOwner(project), [project.domain]);
      const view = issuanceStatusView(project.domain, progress);
      if (!view) throw new AppError("not_found", "Project has no certificate");
      return c.json({ ...view, deployments }, 200);
    },
  )
  .openapi(
    createRoute({
      ...route("patch", "", "Turn automatic renewal on or off", "projects:write"),
      ...raises("not_renewable"),
      request: { params: projectIdParam, body: jsonBody(z.object({ autoRenew: z.boolean() }).strict(), undefined, { autoRenew: false }) },
      responses: { 200: jsonResponse(certificateSchema, "The certificate"), ...nativeErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const row = await requireCertificateOf(db, projectOwner(project));
      return c.json(certificateSummary(await setAutoRenew(db, row, c.req.valid("json").autoRenew, Date.now(), auditedCommit(c))), 200);
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
      const owner = projectOwner(project);
      const row = await deleteOwnedCertificate(db, owner, (await requireCertificateOf(db, owner)).id, auditedCommit(c));
      await emitCertificateEvent(c.var.deps, "certificate.deleted", row);
      return c.json({ success: true as const, message: "Certificate removed" }, 200);
    },
  );
