/**
 * `/api/v1/dns-connections`: a team's DNS provider credentials saved once, checked against the provider, sealed and
 * never shown again; a DNS-01 obtain names one as `dnsConnectionId` instead of carrying `dnsCredentials`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { dnsProviderNames, dnsProviders } from "../../dns";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { createDnsConnection, deleteDnsConnection, requireTeamConnection, listDnsConnections, updateDnsConnection } from "../../services/dns-connections";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import { dnsConnectionSchema, dnsConnectionView } from "./dns-connection-views";
import { cursorOf, pageQuery, parseCursor } from "./private-ca-schemas";
import { raises } from "../openapi-errors";

/** Each provider's credential fields, for the OpenAPI description (the schemas live with each provider). */
const providersHelp = dnsProviders.map((p) => `\`${p.name}\` (${p.label}): {${Object.keys(p.credentials.shape).join(", ")}}`).join("; ");

const nameField = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-', starting with a letter or digit")
  .describe("Unique within the team");

const credentialsField = z
  .record(z.string(), z.unknown())
  .describe("The provider's credentials, as `dnsCredentials` of an obtain takes them; checked with the provider, sealed at rest, never returned");

const createBody = z
  .object({
    name: nameField,
    provider: z.enum(dnsProviderNames, { error: `must be one of ${dnsProviderNames.join(", ")}` }),
    credentials: credentialsField,
  })
  .strict()
  .openapi("NewDnsConnection", { description: providersHelp });

const patchBody = z
  .object({
    name: nameField.optional(),
    credentials: credentialsField.optional().describe("New credentials for the same provider, checked before they replace the old ones"),
  })
  .strict()
  .refine((body) => body.name !== undefined || body.credentials !== undefined, { message: "give name or credentials" })
  .openapi("DnsConnectionChanges", { example: { credentials: { apiToken: "<the rotated token>" } } });

const idParam = z.object({ id: z.string().min(1).max(64).describe("The connection's id (`dnc_…`)") });

const listSchema = z
  .object({ connections: z.array(dnsConnectionSchema), next: z.string().nullable().describe("`before` for the next (older) page; null on the last page") })
  .openapi("DnsConnectionList");

const read = [requireScope("dns:read")];
const write = [requireScope("dns:write")];
const tags = ["DNS connections"];

export const dnsConnectionRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/dns-connections",
      ...raises("conflict", "limit_reached", "dns_provider_error"),
      summary: "Save DNS provider credentials for DNS-01 (scope dns:write)",
      description:
        "The credentials are checked as an obtain's `dnsCredentials` are, then used once to list the provider's zones: credentials the provider " +
        "refuses are a 400 with its reason and nothing is stored. They are sealed at rest and never returned. " +
        providersHelp,
      tags,
      security: bearerSecurity,
      middleware: write,
      request: {
        body: jsonBody(createBody, undefined, { name: "cloudflare-prod", provider: "cloudflare", credentials: { apiToken: "your-cloudflare-api-token-zone-read-dns-edit" } }),
      },
      responses: {
        201: jsonResponse(dnsConnectionSchema, "The connection, with the zones the provider listed"),
        ...nativeErrors,
        409: jsonResponse(nativeErrorSchema, "The team already has a connection of that name, or DNS_CONNECTIONS_PER_TEAM of them"),
        502: jsonResponse(nativeErrorSchema, "The provider could not be reached or throttled the check; nothing was stored"),
      },
    }),
    async (c) => {
      const row = await createDnsConnection(c.var.deps, c.var.auth.teamId, c.req.valid("json"), auditedCommit(c));
      return c.json(dnsConnectionView(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/dns-connections",
      summary: "The team's DNS connections, newest first (scope dns:read)",
      tags,
      security: bearerSecurity,
      middleware: read,
      request: { query: pageQuery },
      responses: { 200: jsonResponse(listSchema, "A page of connections"), ...nativeErrors },
    }),
    async (c) => {
      const { limit, before } = c.req.valid("query");
      const page = await listDnsConnections(c.var.deps.db, c.var.auth.teamId, { limit, before: parseCursor(before) });
      return c.json({ connections: page.rows.map(dnsConnectionView), next: cursorOf(page.next) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/dns-connections/{id}",
      summary: "One DNS connection (scope dns:read)",
      tags,
      security: bearerSecurity,
      middleware: read,
      request: { params: idParam },
      responses: { 200: jsonResponse(dnsConnectionSchema, "The connection"), ...nativeErrors },
    }),
    async (c) => c.json(dnsConnectionView(await requireTeamConnection(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/dns-connections/{id}",
      ...raises("conflict", "dns_provider_error"),
      summary: "Rename a DNS connection or rotate its credentials (scope dns:write)",
      description:
        "New credentials are for the same provider and are checked with it before they replace the old ones. The certificates that use the " +
        "connection keep no copy: their next renewal uses the new credentials.",
      tags,
      security: bearerSecurity,
      middleware: write,
      request: { params: idParam, body: jsonBody(patchBody, undefined, { name: "cloudflare-prod" }) },
      responses: {
        200: jsonResponse(dnsConnectionSchema, "The connection as changed"),
        ...nativeErrors,
        409: jsonResponse(nativeErrorSchema, "The team already has a connection of that name"),
        502: jsonResponse(nativeErrorSchema, "The provider could not be reached or throttled the check; nothing was changed"),
      },
    }),
    async (c) => {
      const row = await updateDnsConnection(c.var.deps, c.var.auth.teamId, c.req.valid("param").id, c.req.valid("json"), auditedCommit(c));
      return c.json(dnsConnectionView(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/dns-connections/{id}",
      ...raises("conflict"),
      summary: "Delete a DNS connection no certificate uses (scope dns:write)",
      tags,
      security: bearerSecurity,
      middleware: write,
      request: { params: idParam },
      responses: {
        204: { description: "Deleted" },
        ...nativeErrors,
        409: jsonResponse(nativeErrorSchema, "Certificates still use it (the message names them)"),
      },
    }),
    async (c) => {
      await deleteDnsConnection(c.var.deps, c.var.auth.teamId, c.req.valid("param").id, auditedCommit(c));
      return c.body(null, 204);
    },
  );
