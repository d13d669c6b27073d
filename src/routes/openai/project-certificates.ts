/** OpenAI `/v1/organization/projects/{project_id}/certificates`: the organization's certificates, activated per project. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { listOrganizationCertificates, setProjectActivation } from "../../services/organization-certificates";
import { getProject } from "../../services/projects";
import type { Scope } from "../../services/scopes";
import { bearerSecurity, jsonBody, jsonResponse, newRouter } from "../router";
import { activationOf, certificateIdsBody, listOf, listQuery, listView, listedView, openaiErrors, projectCertificateSchema } from "./schemas";

const projectRoute = <M extends "get" | "post">(method: M, path: string, summary: string, scope: Scope) => ({
  method,
  path: `/v1/organization/projects/{project_id}/certificates${path}`,
  summary,
  tags: ["OpenAI: project certificates"],
  security: bearerSecurity,
  middleware: [requireScope(scope)],
});

const projectIdParam = z.object({ project_id: z.string().min(1).max(64).openapi({ param: { name: "project_id", in: "path" } }) });

const activationRoute = (which: "activate" | "deactivate") => {
  const object = `organization.project.certificate.${which === "activate" ? "activation" : "deactivation"}` as const;
  return createRoute({
    ...projectRoute("post", `/${which}`, `${which === "activate" ? "Activate" : "Deactivate"} certificates for the project (1-10, atomic, idempotent)`, "organization:write"),
    request: { params: projectIdParam, body: jsonBody(certificateIdsBody, undefined, { certificate_ids: ["cert_abc123"] }) },
    responses: {
      200: jsonResponse(
        activationOf(projectCertificateSchema, [object], which === "activate" ? "OpenAIProjectCertificateActivation" : "OpenAIProjectCertificateDeactivation"),
        "The certificates",
      ),
      ...openaiErrors,
    },
  });
};

export const openaiProjectCertificateRoutes = newRouter()
  .openapi(
    createRoute({
      ...projectRoute("get", "", "List the organization's certificates with their activation for the project", "organization:read"),
      request: { params: projectIdParam, query: listQuery },
      responses: { 200: jsonResponse(listOf(projectCertificateSchema, "OpenAIProjectCertificateList"), "A page of certificates"), ...openaiErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").project_id);
      const page = await listOrganizationCertificates(db, project.teamId, c.req.valid("query"), project);
      return c.json(listView(page.items.map((item) => listedView("organization.project.certificate", item)), page.hasMore), 200);
    },
  )
  .openapi(activationRoute("activate"), async (c) => {
    const db = c.var.deps.db;
    const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").project_id);
    const items = await setProjectActivation(db, project, c.req.valid("json").certificate_ids, true, Date.now(), auditedCommit(c));
    return c.json(
      { object: "organization.project.certificate.activation" as const, data: items.map((i) => listedView("organization.project.certificate", i)) },
      200,
    );
  })
  .openapi(activationRoute("deactivate"), async (c) => {
    const db = c.var.deps.db;
    const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").project_id);
    const items = await setProjectActivation(db, project, c.req.valid("json").certificate_ids, false, Date.now(), auditedCommit(c));
    return c.json(
      { object: "organization.project.certificate.deactivation" as const, data: items.map((i) => listedView("organization.project.certificate", i)) },
      200,
    );
  });
