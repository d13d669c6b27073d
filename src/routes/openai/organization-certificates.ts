/** OpenAI `/v1/organization/certificates`: the organization's CA certificate store and its activation. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { AppError } from "../../core/errors";
import {
  createOrganizationCertificate,
  deleteOrganizationCertificate,
  getOrganizationCertificate,
  listOrganizationCertificates,
  renameOrganizationCertificate,
  setOrganizationActivation,
} from "../../services/organization-certificates";
import type { Scope } from "../../services/scopes";
import { bearerSecurity, jsonBody, jsonResponse, newRouter } from "../router";
import {
  activationOf,
  certificateIdsBody,
  certificateSchema,
  certificateView,
  listOf,
  listQuery,
  listView,
  listedView,
  openaiErrorSchema,
  openaiErrors,
  organizationCertificateSchema,
} from "./schemas";
import { raises } from "../openapi-errors";
import { EXAMPLE_CA_PEM } from "../openapi-example-material";

const orgRoute = <M extends "get" | "post" | "delete">(method: M, path: string, summary: string, scope: Scope) => ({
  method,
  path: `/v1/organization/certificates${path}`,
  summary,
  tags: ["OpenAI: organization certificates"],
  security: bearerSecurity,
  middleware: [requireScope(scope)],
});

const pem = z.string().max(65_536, "must be at most 64 KiB");
const name = z.string().max(256, "must be at most 256 characters").nullable().optional().describe("An optional name for the certificate");

const createBody = z
  .object({
    certificate: pem.optional().describe("The certificate in PEM format"),
    content: pem.optional().describe("Same as certificate (the name the API reference's prose uses)"),
    name,
  })
  .superRefine((body, ctx) => {
    if (body.certificate === undefined && body.content === undefined) {
      ctx.addIssue({ code: "custom", path: ["certificate"], message: "Required: the certificate in PEM format" });
    }
  });

const certificateIdParam = z.object({
  certificate_id: z.string().min(1).max(64).openapi({ param: { name: "certificate_id", in: "path" } }),
});

const includeValue = z.union([z.string(), z.array(z.string())]).optional();
const retrieveQuery = z.object({
  "include[]": includeValue.describe("`content` adds the PEM to certificate_details"),
  include: includeValue.describe("Same as include[]"),
});

function includesContent(query: z.infer<typeof retrieveQuery>): boolean {
  const values = [query["include[]"], query.include].flat().filter((v): v is string => v !== undefined);
  const unknown = values.find((v) => v !== "content");
  if (unknown !== undefined) {
    throw new AppError("validation_failed", `include: unsupported value "${unknown.slice(0, 40)}"; the only value is "content"`, {
      param: "include",
    });
  }
  return values.length > 0;
}

const orgListSchema = listOf(organizationCertificateSchema, "OpenAIOrganizationCertificateList");
const orgActivationSchema = (object: "organization.certificate.activation" | "organization.certificate.deactivation") =>
  activationOf(organizationCertificateSchema, [object], object === "organization.certificate.activation" ? "OpenAIOrganizationCertificateActivation" : "OpenAIOrganizationCertificateDeactivation");

const activationRoute = (which: "activate" | "deactivate") =>
  createRoute({
    ...orgRoute("post", `/${which}`, `${which === "activate" ? "Activate" : "Deactivate"} certificates for the organization (1-10, atomic, idempotent)`, "organization:write"),
    request: { body: jsonBody(certificateIdsBody, undefined, { certificate_ids: ["cert_abc123"] }) },
    responses: {
      200: jsonResponse(orgActivationSchema(`organization.certificate.${which === "activate" ? "activation" : "deactivation"}`), "The certificates"),
      ...openaiErrors,
    },
  });

export const openaiOrganizationCertificateRoutes = newRouter()
  .openapi(
    createRoute({
      ...orgRoute("post", "", "Upload a certificate (not activated; at most 50 per organization)", "organization:write"),
      ...raises("invalid_certificate", "invalid_private_key", "key_mismatch", "limit_reached"),
      request: { body: jsonBody(createBody, undefined, { name: "Partner mTLS root", certificate: EXAMPLE_CA_PEM }) },
      responses: {
        200: jsonResponse(certificateSchema, "The certificate"),
        409: jsonResponse(openaiErrorSchema, "The organization already holds 50 certificates (code limit_reached)"),
        ...openaiErrors,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const row = await createOrganizationCertificate(
        c.var.deps.db,
        c.var.auth.teamId,
        { pem: (body.certificate ?? body.content)!, name: body.name },
        Date.now(),
        auditedCommit(c),
        c.var.deps.config,
      );
      return c.json(certificateView(row), 200);
    },
  )
  .openapi(
    createRoute({
      ...orgRoute("get", "", "List the organization's certificates", "organization:read"),
      request: { query: listQuery },
      responses: { 200: jsonResponse(orgListSchema, "A page of certificates"), ...openaiErrors },
    }),
    async (c) => {
      const page = await listOrganizationCertificates(c.var.deps.db, c.var.auth.teamId, c.req.valid("query"));
      return c.json(listView(page.items.map((item) => listedView("organization.certificate", item)), page.hasMore), 200);
    },
  )
  // The static activate / deactivate paths are registered before `{certificate_id}`, which would also match them.
  .openapi(activationRoute("activate"), async (c) => {
    const items = await setOrganizationActivation(c.var.deps.db, c.var.auth.teamId, c.req.valid("json").certificate_ids, true, auditedCommit(c));
    return c.json({ object: "organization.certificate.activation" as const, data: items.map((i) => listedView("organization.certificate", i)) }, 200);
  })
  .openapi(activationRoute("deactivate"), async (c) => {
    const items = await setOrganizationActivation(c.var.deps.db, c.var.auth.teamId, c.req.valid("json").certificate_ids, false, auditedCommit(c));
    return c.json({ object: "organization.certificate.deactivation" as const, data: items.map((i) => listedView("organization.certificate", i)) }, 200);
  })
  .openapi(
    createRoute({
      ...orgRoute("get", "/{certificate_id}", "Get a certificate (active or not)", "organization:read"),
      request: { params: certificateIdParam, query: retrieveQuery },
      responses: { 200: jsonResponse(certificateSchema, "The certificate"), ...openaiErrors },
    }),
    async (c) => {
      const withContent = includesContent(c.req.valid("query"));
      const row = await getOrganizationCertificate(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").certificate_id);
      return c.json(certificateView(row, withContent), 200);
    },
  )
  .openapi(
    createRoute({
      ...orgRoute("post", "/{certificate_id}", "Modify a certificate (only the name)", "organization:write"),
      request: { params: certificateIdParam, body: jsonBody(z.object({ name }), undefined, { name: "Partner mTLS root" }) },
      responses: { 200: jsonResponse(certificateSchema, "The certificate"), ...openaiErrors },
    }),
    async (c) => {
      const row = await renameOrganizationCertificate(
        c.var.deps.db,
        c.var.auth.teamId,
        c.req.valid("param").certificate_id,
        c.req.valid("json").name,
        auditedCommit(c),
      );
      return c.json(certificateView(row), 200);
    },
  )
  .openapi(
    createRoute({
      ...orgRoute("delete", "/{certificate_id}", "Delete a certificate (it must be inactive for the organization and every project)", "organization:write"),
      ...raises("conflict"),
      request: { params: certificateIdParam },
      responses: {
        200: jsonResponse(z.object({ object: z.literal("certificate.deleted"), id: z.string() }).openapi("OpenAICertificateDeleted"), "Deleted"),
        409: jsonResponse(openaiErrorSchema, "Still active somewhere: deactivate it first"),
        ...openaiErrors,
      },
    }),
    async (c) => {
      const id = c.req.valid("param").certificate_id;
      await deleteOrganizationCertificate(c.var.deps.db, c.var.auth.teamId, id, auditedCommit(c));
      return c.json({ object: "certificate.deleted" as const, id }, 200);
    },
  );
