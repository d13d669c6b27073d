/** `/api/v1/projects/:id/deploy-targets`: where the project's certificate is delivered after every issuance, renewal and upload. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { deployTargetEntries, deployTargetKinds } from "../../deploy/registry";
import { certificateOf } from "../../services/certificates/lookup";
import { projectOwner } from "../../services/certificates/owner";
import { createDeployTarget, deleteDeployTarget, getDeployTarget, listDeployTargets } from "../../services/deploy-targets/configure";
import { deliverToTarget } from "../../services/deploy-targets/deliver";
import { getProject } from "../../services/projects";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import { deployTargetSchema, deployTargetView } from "./deploy-target-views";
import { projectIdParam } from "./projects";
import { raises } from "../openapi-errors";
import { EXAMPLE_RECIPIENT_JWK } from "../openapi-example-material";

/** Each kind's fields, for the OpenAPI description (the schemas themselves live with each target). */
const kindsHelp = deployTargetEntries
  .map((entry) => `\`${entry.kind}\` (${entry.label}): settings {${Object.keys(entry.settings.shape).join(", ")}}, credentials {${Object.keys(entry.credentials.shape).join(", ")}}`)
  .join("; ");

const createBody = z
  .object({
    kind: z.enum(deployTargetKinds, { error: `must be one of ${deployTargetKinds.join(", ")}` }),
    settings: z.record(z.string(), z.unknown()).describe("Where the certificate goes; the fields depend on `kind`"),
    credentials: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("What authenticates the delivery, sealed at rest and never shown again; for `https_push`, omit it to have a signing secret made"),
  })
  .strict()
  .openapi("NewDeployTarget", { description: kindsHelp });

const targetParams = projectIdParam.extend({ targetId: z.string().min(1).max(64) });

const createdSchema = deployTargetSchema
  .extend({
    credentials: z
      .record(z.string(), z.string())
      .optional()
      .describe("Only when this service made them (an HTTPS push's `signingSecret`): shown this once, keep it to verify pushes"),
  })
  .openapi("CreatedDeployTarget");

const deliverySchema = z
  .object({
    outcome: z.enum(["delivered", "up_to_date", "no_certificate", "busy", "failed", "gone"]),
    error: z.string().optional(),
    target: deployTargetSchema,
  })
  .openapi("DeliveryResult");

export const deployTargetRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/projects/{id}/deploy-targets",
      ...raises("limit_reached"),
      summary: "Add a deploy target (scopes projects:write and certificates:export)",
      description:
        "Every issuance, renewal and upload of the project's certificate is delivered here, retried with backoff while the target fails. " +
        "A target receives the private key, so adding one takes `certificates:export` as well as `projects:write`. " +
        "When the project already has a certificate it is delivered at once and the answer shows how that went. " +
        kindsHelp,
      tags: ["Deploy targets"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write", "certificates:export")],
      request: {
        params: projectIdParam,
        // An HTTPS push sealed to the receiver's P-256 key; no credentials: a signing secret is made and shown once.
        body: jsonBody(createBody, undefined, { kind: "https_push", settings: { url: "https://deploy.example.com/certdesk", recipient: EXAMPLE_RECIPIENT_JWK } }),
      },
      responses: {
        201: jsonResponse(createdSchema, "The target, after its first delivery when there was a certificate"),
        ...nativeErrors,
        403: jsonResponse(nativeErrorSchema, "The token lacks projects:write or certificates:export"),
        409: jsonResponse(nativeErrorSchema, "The project has as many targets as it may"),
      },
    }),
    async (c) => {
      const deps = c.var.deps;
      const project = await getProject(deps.db, c.var.auth.teamId, c.req.valid("param").id);
      const created = await createDeployTarget(deps, project, c.req.valid("json"), auditedCommit(c));
      await deliverToTarget(deps, created.row.id, { trigger: "created" });
      const row = await getDeployTarget(deps.db, project, created.row.id);
      const certificate = await certificateOf(deps.db, projectOwner(project));
      const view = deployTargetView(row, certificate, deps.clock.now());
      const credentials = created.generatedCredentials as Record<string, string> | null;
      return c.json({ ...view, ...(credentials ? { credentials } : {}) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/deploy-targets",
      summary: "List the project's deploy targets and where each delivery stands",
      tags: ["Deploy targets"],
      security: bearerSecurity,
      middleware: [requireScope("projects:read")],
      request: { params: projectIdParam },
      responses: { 200: jsonResponse(z.object({ targets: z.array(deployTargetSchema) }), "The targets"), ...nativeErrors },
    }),
    async (c) => {
      const { db, clock } = c.var.deps;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const [rows, certificate] = await Promise.all([listDeployTargets(db, project), certificateOf(db, projectOwner(project))]);
      return c.json({ targets: rows.map((row) => deployTargetView(row, certificate, clock.now())) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/deploy-targets/{targetId}",
      summary: "Get one deploy target",
      tags: ["Deploy targets"],
      security: bearerSecurity,
      middleware: [requireScope("projects:read")],
      request: { params: targetParams },
      responses: { 200: jsonResponse(deployTargetSchema, "The target"), ...nativeErrors },
    }),
    async (c) => {
      const { db, clock } = c.var.deps;
      const params = c.req.valid("param");
      const project = await getProject(db, c.var.auth.teamId, params.id);
      const row = await getDeployTarget(db, project, params.targetId);
      return c.json(deployTargetView(row, await certificateOf(db, projectOwner(project)), clock.now()), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/projects/{id}/deploy-targets/{targetId}/deploy",
      ...raises("deploy_target_error"),
      summary: "Deliver the current certificate to this target now",
      description:
        "Runs one delivery at once, even when the target already holds this certificate (to put back what someone removed there), and answers how it went. " +
        "A failure is recorded and retried on the usual backoff.",
      tags: ["Deploy targets"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write")],
      request: { params: targetParams },
      responses: { 200: jsonResponse(deliverySchema, "What the delivery did"), ...nativeErrors },
    }),
    async (c) => {
      const deps = c.var.deps;
      const params = c.req.valid("param");
      const project = await getProject(deps.db, c.var.auth.teamId, params.id);
      const target = await getDeployTarget(deps.db, project, params.targetId);
      // Recorded alone, before the delivery runs (which records its own row before the key leaves): a run that cannot
      // be recorded does not start.
      await auditedCommit(c)({ teamId: project.teamId, statements: [], target: target.id, detail: { projectId: project.id, kind: target.kind } });
      const outcome = await deliverToTarget(deps, params.targetId, { trigger: "manual", force: true });
      const row = await getDeployTarget(deps.db, project, params.targetId);
      const view = deployTargetView(row, await certificateOf(deps.db, projectOwner(project)), deps.clock.now());
      return c.json({ outcome: outcome.state, ...(outcome.state === "failed" ? { error: outcome.error } : {}), target: view }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}/deploy-targets/{targetId}",
      summary: "Remove a deploy target (what it holds stays there)",
      tags: ["Deploy targets"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write")],
      request: { params: targetParams },
      responses: { 200: jsonResponse(z.object({ success: z.literal(true), message: z.string() }), "Removed"), ...nativeErrors },
    }),
    async (c) => {
      const deps = c.var.deps;
      const params = c.req.valid("param");
      const project = await getProject(deps.db, c.var.auth.teamId, params.id);
      await deleteDeployTarget(deps, project, params.targetId, auditedCommit(c));
      return c.json({ success: true as const, message: `Deploy target ${params.targetId} removed; what it holds was left in place` }, 200);
    },
  );
