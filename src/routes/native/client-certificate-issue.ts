/** `POST /api/v1/projects/:id/client-certificates/issue`: a client certificate from the team's CA, installed for egress mTLS. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { issueClientCertificate } from "../../services/client-certificate-issue";
import { getProject } from "../../services/projects";
import { emitPrivateCertificateEvent } from "../../services/webhooks/private-ca-events";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import { projectIdParam } from "./projects";
import { certificateTime } from "./wire-time";
import { raises } from "../openapi-errors";

const issueBody = z
  .object({
    origin: z
      .string()
      .max(2048, "must be at most 2048 characters")
      .optional()
      .describe("The origin the certificate is presented to (https://host[:port]); absent or empty: project-wide, as an upload's"),
    caId: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").describe("Any active CA of the team"),
    // PRIVATE_CA_MAX_LEAF_DAYS (398 unless configured) and the CA's own notAfter bound it further (a 400 says which).
    validityDays: z
      .number()
      .int("must be a whole number of days")
      .min(1, "must be at least 1")
      .max(3650, "must be at most 3650")
      .optional()
      .describe("Default 90 (or PRIVATE_CA_MAX_LEAF_DAYS when lower); at most PRIVATE_CA_MAX_LEAF_DAYS, and never past the CA's notAfter"),
  })
  .strict();

const issuedSchema = z
  .object({
    id: z.string().describe("The client certificate's id (Vercel's certId); the CA lists the certificate under the same id"),
    origin: z.string().describe('The normalized origin; "" for project-wide'),
    caId: z.string(),
    certificate: z.string().describe("The client certificate (PEM; subject CN=<project name>, extendedKeyUsage clientAuth)"),
    notAfter: z.string(),
  })
  .openapi("IssuedClientCertificate");

export const clientCertificateIssueRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/projects/{id}/client-certificates/issue",
    ...raises("limit_reached"),
    summary: "Issue a client certificate from the team's CA and install it as the project's egress client certificate for an origin (renewed automatically)",
    tags: ["Private CA"],
    security: bearerSecurity,
    // The upload's scope for the slot, and the CA's issuing scope for the signature.
    middleware: [requireScope("projects:write", "cas:issue")],
    request: { params: projectIdParam, body: jsonBody(issueBody, undefined, { origin: "https://api.partner.example", caId: "ca_3fK9q2LmP0aZ7xYb1cDe", validityDays: 30 }) },
    responses: {
      201: jsonResponse(issuedSchema, "Issued and installed"),
      409: jsonResponse(nativeErrorSchema, "The project's or team's client certificate quota is used up"),
      ...nativeErrors,
    },
  }),
  async (c) => {
    const { db, config, clock } = c.var.deps;
    const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
    const issued = await issueClientCertificate(db, config.ENCRYPTION_KEY, project, c.req.valid("json"), clock.now(), auditedCommit(c), config);
    // After the commit, as every event: emitting never fails the change.
    await emitPrivateCertificateEvent(c.var.deps, "certificate.issued", issued.record, { projectId: project.id, origin: issued.row.origin, trigger: "client-certificate" });
    return c.json({ id: issued.row.id, origin: issued.row.origin, caId: issued.caId, certificate: issued.leafPem, notAfter: certificateTime(issued.notAfter) }, 201);
  },
);
