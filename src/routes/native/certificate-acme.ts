/** The project certificate's ACME endpoints: obtain (HTTP-01 / DNS-01, RFC 8555 §8.3 / §8.4), renew, revoke (§7.6). */
import { createRoute, z } from "@hono/zod-openapi";
import { parseDnsCredentials } from "../../dns";
import { delegationConfig } from "../../dns/delegation";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { AppError, projectHasNoDomain } from "../../core/errors";
import type { Config } from "../../core/config";
import type { Database } from "../../db/client";
import type { IssueOutcome } from "../../issuance/issue-request";
import { obtainAcmeCertificate, renewAcmeCertificate, revokeAcmeCertificate, throwIfFailed } from "../../services/certificates/acme";
import { certificateOf, requireCertificateOf } from "../../services/certificates/lookup";
import { type ProjectOwner, projectOwner } from "../../services/certificates/owner";
import { subscriberRevocationReasons } from "../../services/certificates/revocation-reasons";
import { dnsConnectionForObtain } from "../../services/dns-connections";
import { getProject } from "../../services/projects";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrors, newRouter, optionalJsonBody } from "../router";
import { messageSchema } from "./certificate-schemas";
import { issuedView } from "./certificate-views";
import { obtainBody } from "./obtain-schema";
import { projectIdParam } from "./projects";
import { CA_CALL, raises } from "../openapi-errors";

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

/** The certificate an issuance just stored. */
async function issuedBody(db: Database, owner: ProjectOwner) {
  const row = await certificateOf(db, owner);
  if (!row) throw new AppError("internal", "Issued certificate was not stored");
  return issuedView(row);
}

/**
 * Under `npm start` the configured CA is the public one, which a laptop's first try often cannot reach (or should not
 * use): a CA that cannot be reached in development says where a local one is.
 */
export function withLocalCaHint(config: Config, outcome: IssueOutcome): IssueOutcome {
  if (outcome.state !== "failed" || outcome.error.code !== "ca_unreachable" || config.CERTDESK_ENV !== "development") return outcome;
  return { ...outcome, error: { ...outcome.error, message: `${outcome.error.message}. Running locally? \`npm run start:pebble\` serves the same data with a local test CA (Pebble) that issues at once` } };
}

export const certificateAcmeRoutes = newRouter()
  .openapi(
    createRoute({
      ...acmeRoute("post", "/obtain", "Obtain a certificate from Let's Encrypt (or the configured ACME CA)"),
      ...raises(...CA_CALL, "domain_not_configured", "domain_taken", "challenge_failed", "configuration_error", "dns_provider_error"),
      request: { params: projectIdParam, body: jsonBody(obtainBody, undefined, { email: "admin@example.com", challengeType: "http-01" }) },
      responses: {
        200: jsonResponse(z.union([issuedSchema, dryRunSchema]), "Issued and stored (or, with dryRun, validated only)"),
        202: jsonResponse(pendingSchema, "Still in progress; poll the status endpoint"),
        ...nativeErrors,
      },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const body = c.req.valid("json");
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      if (!project.domain) throw projectHasNoDomain(project.id);
      // Delegation unavailable here: refused before anything is recorded or ordered.
      if (body.dnsDelegation) delegationConfig(c.var.deps.config);
      const dnsCredentials = body.dnsProvider ? (parseDnsCredentials(body.dnsProvider, body.dnsCredentials) as Record<string, unknown>) : undefined;
      // A saved connection stands for its provider; its credentials stay in D1 until the issuer opens them.
      const connection = body.dnsConnectionId === undefined ? undefined : await dnsConnectionForObtain(db, project.teamId, body.dnsConnectionId);
      const owner = projectOwner(project);
      const options = { ...body, ...(dnsCredentials ? { dnsCredentials } : {}), ...(connection ? { dnsProvider: connection.provider } : {}) };
      const outcome = throwIfFailed(withLocalCaHint(c.var.deps.config, await obtainAcmeCertificate(c.var.deps, owner, [project.domain], options, auditedCommit(c))));
      if (outcome.state === "pending") return c.json({ success: true as const, pending: true as const, message: PENDING_MESSAGE }, 202);
      if (outcome.state === "validated") {
        return c.json(
          { success: true as const, dryRun: true as const, validated: outcome.names, message: "Dry run: the CA validated every name; nothing was issued or stored" },
          200,
        );
      }
      return c.json(await issuedBody(db, owner), 200);
    },
  )
  .openapi(
    createRoute({
      ...acmeRoute("post", "/renew", "Renew the project's ACME certificate now"),
      ...raises(...CA_CALL, "not_renewable", "challenge_failed", "dns_provider_error"),
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
      const owner = projectOwner(project);
      const row = await requireCertificateOf(db, owner);
      const outcome = throwIfFailed(await renewAcmeCertificate(c.var.deps, row, { trigger: "manual", commit: auditedCommit(c) }));
      if (outcome.state === "pending") return c.json({ success: true as const, pending: true as const, message: PENDING_MESSAGE }, 202);
      if (outcome.state === "skipped") throw new AppError("not_renewable", outcome.reason);
      return c.json(await issuedBody(db, owner), 200);
    },
  )
  .openapi(
    createRoute({
      ...acmeRoute("post", "/revoke", "Revoke the project's ACME certificate at the CA (cannot be undone)"),
      ...raises(...CA_CALL, "not_revocable"),
      request: {
        params: projectIdParam,
        body: optionalJsonBody(z.object({ reason: z.enum(subscriberRevocationReasons).optional() }).strict(), { reason: "superseded" }),
      },
      responses: { 200: jsonResponse(messageSchema, "Revoked"), ...nativeErrors },
    }),
    async (c) => {
      const db = c.var.deps.db;
      const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
      const row = await requireCertificateOf(db, projectOwner(project));
      await revokeAcmeCertificate(c.var.deps, row, c.req.valid("json").reason ?? "unspecified", auditedCommit(c));
      return c.json({ success: true as const, message: "Certificate revoked" }, 200);
    },
  );
