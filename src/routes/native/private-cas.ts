/** `/api/v1/cas`: the team's own certificate authorities: create (root, intermediate, imported), list, read, disable. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import type { AppBindings } from "../../http/context";
import { createCa, type CreateCaInput } from "../../services/private-ca/create-ca";
import { disableCa } from "../../services/private-ca/disable";
import { requireTeamCa } from "../../services/private-ca/lookup";
import { emitCaCreated } from "../../services/webhooks/private-ca-events";
import { teamCaPage } from "../../store/certificate-authorities";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import { caIdParam, createCaBody, cursorOf, pageQuery, parseCursor } from "./private-ca-schemas";
import { caSchema, caView } from "./private-ca-views";
import { raises } from "../openapi-errors";

/** The origin a new CA writes into what it signs: PKI_PUBLIC_ORIGIN, or the one this request reached. */
export function publicOriginOf(c: Context<AppBindings>): string {
  return c.var.deps.config.PKI_PUBLIC_ORIGIN ?? new URL(c.req.url).origin;
}

const caListSchema = z
  .object({ cas: z.array(caSchema), next: z.string().nullable().describe("`before` for the next (older) page; null on the last page") })
  .openapi("CertificateAuthorityList");

export const privateCaRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/cas",
      ...raises("conflict", "limit_reached"),
      summary: "Create a CA: a root, an intermediate under one of the team's CAs, or the team's own CA imported (scope cas:write)",
      description:
        "The CA's private key is generated here (or imported), sealed, and has no export path: it never appears in an answer, a log or an event. " +
        "`nameConstraints` is written as a critical RFC 5280 §4.2.1.10 extension and enforced before every signature, together with " +
        "the constraints of every CA above. An imported CA is checked as uploads are: the key matches, basicConstraints CA:true, keyCertSign. " +
        "Its CRL (`crlUrl`) and certificate (`caCertificateUrl`) are served publicly from the origin the CA was created on.",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("cas:write")],
      request: { body: jsonBody(createCaBody, undefined, { kind: "root", name: "internal-root", keyType: "ec", subject: { commonName: "Acme Internal Root CA", organization: "Acme" }, validityDays: 3650 }) },
      responses: {
        201: jsonResponse(caSchema, "The CA"),
        ...nativeErrors,
        409: jsonResponse(nativeErrorSchema, "The team already has a CA of that name, or PRIVATE_CAS_PER_TEAM of them"),
      },
    }),
    async (c) => {
      const { db, config, clock } = c.var.deps;
      const ctx = { db, encryptionKey: config.ENCRYPTION_KEY, now: clock.now(), publicOrigin: publicOriginOf(c), maxCas: config.PRIVATE_CAS_PER_TEAM };
      const row = await createCa(ctx, c.var.auth.teamId, c.req.valid("json") as CreateCaInput, auditedCommit(c));
      await emitCaCreated(c.var.deps, row);
      return c.json(caView(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/cas",
      summary: "The team's CAs, newest first (scope cas:read)",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("cas:read")],
      request: { query: pageQuery },
      responses: { 200: jsonResponse(caListSchema, "A page of CAs"), ...nativeErrors },
    }),
    async (c) => {
      const { limit, before } = c.req.valid("query");
      const page = await teamCaPage(c.var.deps.db, c.var.auth.teamId, { limit, before: parseCursor(before) });
      return c.json({ cas: page.rows.map(caView), next: cursorOf(page.next) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/cas/{id}",
      summary: "One of the team's CAs (scope cas:read)",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("cas:read")],
      request: { params: caIdParam },
      responses: { 200: jsonResponse(caSchema, "The CA"), ...nativeErrors },
    }),
    async (c) => c.json(caView(await requireTeamCa(c.var.deps.db, c.var.auth.teamId, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/cas/{id}/disable",
      ...raises("conflict"),
      summary: "Disable a CA: it issues nothing more (scope cas:write)",
      description: "Its CRL stays served and re-signed, and its certificates can still be revoked. There is no enable: create another CA.",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("cas:write")],
      request: { params: caIdParam },
      responses: { 200: jsonResponse(caSchema, "The CA, disabled"), ...nativeErrors },
    }),
    async (c) => {
      const { db, clock } = c.var.deps;
      const ca = await requireTeamCa(db, c.var.auth.teamId, c.req.valid("param").id);
      return c.json(caView(await disableCa(db, ca, clock.now(), auditedCommit(c))), 200);
    },
  );
