/** `/api/v1/projects`: create, list, get, update, delete. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { type ProjectRow, createProject, deleteProject, getProject, listProjects, updateProject } from "../../services/projects";
import { emitCertificateEvent } from "../../services/webhooks/emit";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter } from "../router";
import { recordTime } from "./wire-time";

export const projectSchema = z
  .object({ id: z.string(), name: z.string(), domain: z.string().nullable(), createdAt: z.string(), updatedAt: z.string() })
  .openapi("Project");

function projectView(row: ProjectRow): z.infer<typeof projectSchema> {
  return { id: row.id, name: row.name, domain: row.domain, createdAt: recordTime(row.createdAt), updatedAt: recordTime(row.updatedAt) };
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
      summary: "Create a project",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write")],
      request: { body: jsonBody(createBody) },
      responses: { 200: jsonResponse(projectSchema, "The project"), ...nativeErrors },
    }),
    async (c) => {
      const row = await createProject(c.var.deps.db, c.var.auth.teamId, c.req.valid("json"), Date.now(), auditedCommit(c));
      return c.json(projectView(row), 200);
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
      return c.json(projectView(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/projects/{id}",
      summary: "Rename a project or change its domain",
      tags: ["Projects"],
      security: bearerSecurity,
      middleware: [requireScope("projects:write")],
      request: { params: projectIdParam, body: jsonBody(updateBody) },
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
      );
      return c.json(projectView(row), 200);
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
  );
