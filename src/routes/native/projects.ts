/** `/api/v1/projects`: create, list, get, update, delete, and the proof of control of a project's domain. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { type ProjectRow, createProject, deleteProject, getProject, listProjects, updateProject } from "../../services/projects";
import { domainVerification, verifyDomain } from "../../services/domain-verification";
import type { Deps } from "../../services/deps";
import { emitCertificateEvent } from "../../services/webhooks/emit";
import { projectHasNoDomain } from "../../core/errors";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { recordTime } from "./wire-time";
import { raises } from "../openapi-errors";

const TOKEN_EXAMPLE = "9f2c4e8a1b7d3f6e0a5c9b2d4f8e1a3c7b6d0e2f";

export const verificationSchema = z
  .object({
    status: z.enum(["pending", "verified", "conflict"]).describe("verified: the team holds the name; conflict: another team verified it first; pending: waiting for the TXT record"),
    method: z.literal("txt"),
    recordName: z.string().describe("Where the TXT record goes: `_certdesk.<domain>` (for `*.x`, `_certdesk.x`)"),
    recordValue: z.string().optional().describe("The TXT record's value: `certdesk-verification=<token>` (absent when verification is off)"),
    checkedAt: z.string().optional().describe("When the record was last looked up"),
    message: z.string().optional(),
  })
  .openapi("DomainVerification", {
    example: { status: "pending", method: "txt", recordName: "_certdesk.shop.example.com", recordValue: `certdesk-verification=${TOKEN_EXAMPLE}` },
  });

export const projectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    domain: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    verification: verificationSchema.optional().describe("The proof of control of `domain` (single-project answers, when the project has a domain)"),
  })
  .openapi("Project");

export const projectDomainSchema = z
  .object({ domain: z.string(), verification: verificationSchema })
  .openapi("ProjectDomain", {
    example: {
      domain: "shop.example.com",
      verification: { status: "verified", method: "txt", recordName: "_certdesk.shop.example.com", recordValue: `certdesk-verification=${TOKEN_EXAMPLE}`, checkedAt: "2026-12-06T04:00:00.000Z" },
    },
  });

function projectView(row: ProjectRow): z.infer<typeof projectSchema> {
  return { id: row.id, name: row.name, domain: row.domain, createdAt: recordTime(row.createdAt), updatedAt: recordTime(row.updatedAt) };
}

/** A single project's answer: with its domain's verification. */
async function projectWithVerification(deps: Pick<Deps, "db" | "config">, row: ProjectRow): Promise<z.infer<typeof projectSchema>> {
  if (row.domain === null) return projectView(row);
  return { ...projectView(row), verification: await domainVerification(deps, row.teamId, row.domain) };
}


const projectName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$/, "must be 1-100 lower-case letters, digits, '.', '_' or '-'");
const domain = z.string().max(300, "must be at most 300 characters");

const createBody = z.object({ name: projectName, domain: domain.nullable().optional() }).strict();
const updateBody = z
  .object({ name: projectName.optional(), domain: domain.nullable().optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.domain !== undefined, "give name and/or domain to change");

export const projectIdParam = z.object({ id: z.string().min(1).max(64) });

export const projectRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/projects",
      ...raises("conflict", "domain_taken"),
      summary: "Create a project",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write")],
      request: { body: jsonBody(createBody, undefined, { name: "shop", domain: "shop.example.com" }) },
      responses: { 200: jsonResponse(projectSchema, "The project"), ...nativeErrors },
    }),
    async (c) => {
      const { deps } = c.var;
      const row = await createProject(deps.db, c.var.auth.teamId, c.req.valid("json"), Date.now(), auditedCommit(c), deps.config.DOMAIN_VERIFICATION);
      return c.json(await projectWithVerification(deps, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects",
      summary: "List projects",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:read")],
      responses: { 200: jsonResponse(z.object({ projects: z.array(projectSchema) }), "The projects"), ...nativeErrors },
    }),
    async (c) => {
      const rows = await listProjects(c.var.deps.db, c.var.auth.teamId);
      return c.json({ projects: rows.map(projectView) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}",
      summary: "Get a project",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:read")],
      request: { params: projectIdParam },
      responses: { 200: jsonResponse(projectSchema, "The project"), ...nativeErrors },
    }),
    async (c) => {
      const row = await getProject(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id);
      return c.json(await projectWithVerification(c.var.deps, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/projects/{id}",
      ...raises("conflict", "domain_taken"),
      summary: "Rename a project or change its domain",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write")],
      request: { params: projectIdParam, body: jsonBody(updateBody, undefined, { name: "shop-eu" }) },
      responses: { 200: jsonResponse(projectSchema, "The project"), ...nativeErrors },
    }),
    async (c) => {
      const row = await updateProject(
        c.var.deps.db,
        c.var.auth.teamId,
        c.req.valid("param").id,
        c.req.valid("json"),
        Date.now(),
        auditedCommit(c),
        c.var.deps.config.DOMAIN_VERIFICATION,
      );
      return c.json(await projectWithVerification(c.var.deps, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/projects/{id}",
      summary: "Delete a project and its certificates",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write")],
      request: { params: projectIdParam },
      responses: {
        200: jsonResponse(z.object({ success: z.literal(true), message: z.string() }), "Deleted"),
        ...nativeErrors,
      },
    }),
    async (c) => {
      const removed = await deleteProject(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id, Date.now(), auditedCommit(c));
      for (const row of removed) await emitCertificateEvent(c.var.deps, "certificate.deleted", row);
      return c.json({ success: true as const, message: "Project deleted" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/projects/{id}/domain",
      ...raises("domain_not_configured"),
      summary: "The project's domain and its verification",
      description:
        "With DOMAIN_VERIFICATION=required a team holds a domain only once a TXT record at `recordName` carries `recordValue`: " +
        "until then no certificate is obtained or uploaded for it. `conflict`: another team verified the name first.",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:read")],
      request: { params: projectIdParam },
      responses: { 200: jsonResponse(projectDomainSchema, "The domain and its verification"), ...nativeErrors },
    }),
    async (c) => {
      const row = await getProject(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id);
      if (row.domain === null) throw projectHasNoDomain(row.id);
      return c.json({ domain: row.domain, verification: await domainVerification(c.var.deps, row.teamId, row.domain) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/projects/{id}/domain/verify",
      ...raises("domain_not_configured", "bad_request", "dns_provider_error"),
      summary: "Look up the domain's TXT record now and claim the domain when it carries the token",
      description:
        "Looks up `recordName` over DNS-over-HTTPS (DOH_RESOLVER_URL; a 400 when it is `none`). When one TXT value equals `recordValue` the " +
        "team holds the domain (`verified`), unless another team verified it first (`conflict`); otherwise `pending`, with what was found. " +
        "The cron checks pending domains too.",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write")],
      request: { params: projectIdParam },
      responses: { 200: jsonResponse(projectDomainSchema, "The domain and its verification after the lookup"), ...nativeErrors },
    }),
    async (c) => {
      const row = await getProject(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id);
      if (row.domain === null) throw projectHasNoDomain(row.id);
      const verification = await verifyDomain(c.var.deps, row.teamId, row.id, row.domain, auditedCommit(c));
      return c.json({ domain: row.domain, verification }, 200);
    },
  );
