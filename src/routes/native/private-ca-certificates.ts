/**
 * `/api/v1/cas/:id/certificates`: leaf certificates of one of the team's CAs: issue (from a CSR or with a key generated
 * and sealed here), list, read, revoke, and the audited export of a generated key.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { AppError } from "../../core/errors";
import type { RevocationReason } from "../../pki/private-ca";
import { exportCertificateKey } from "../../services/certificates/key-export";
import { type IssueInput, issuePrivateCertificate } from "../../services/private-ca/issue";
import { requireCaCertificate, requireTeamCa } from "../../services/private-ca/lookup";
import { revokePrivateCertificate } from "../../services/private-ca/revoke";
import { emitPrivateCertificateEvent } from "../../services/webhooks/private-ca-events";
import { caCertificatePage } from "../../store/private-certificates";
import { exportRequestBody, recipientOf } from "../export-body";
import { forgetCrl } from "../pki-cache";
import { bearerSecurity, jsonBody, jsonResponse, nativeErrorSchema, nativeErrors, newRouter, optionalJsonBody } from "../router";
import { caCertificateParams, caIdParam, cursorOf, issueBody, pageQuery, parseCursor, revokeBody } from "./private-ca-schemas";
import { privateCertificateSchema, privateCertificateView } from "./private-ca-views";
import { raises } from "../openapi-errors";
import { EXAMPLE_CSR_PEM } from "../openapi-example-material";

const listSchema = z
  .object({ certificates: z.array(privateCertificateSchema), next: z.string().nullable().describe("`before` for the next (older) page; null on the last page") })
  .openapi("PrivateCertificateList");

const exportSchema = z
  .object({
    id: z.string(),
    caId: z.string(),
    certificatePem: z.string().describe("The leaf (PEM)"),
    chainPem: z.string().describe("The issuing CA up to, not including, the root (PEM)"),
    serial: z.string(),
    expiresAt: z.string(),
    privateKeyPem: z.string().optional().describe("PKCS#8 PEM, when no recipient was given"),
    privateKeyJwe: z.string().optional().describe("The PKCS#8 PEM as a compact JWE (ECDH-ES, A256GCM) sealed to `recipient`"),
  })
  .openapi("PrivateCertificateExport");

export const privateCaCertificateRoutes = newRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/cas/{id}/certificates",
      ...raises("limit_reached"),
      summary: "Issue a certificate from the CA, from a CSR or with a generated key (scope cas:issue)",
      description:
        "With `csr` the requester keeps its key: the CSR's signature is verified, and its subjectAltName is used when the request names nothing. " +
        "Without it a key is generated and sealed here; it leaves only through the audited export (`certificates:export`). " +
        "Refused with a 400 naming the reason, before anything is signed: a disabled CA, a name outside the name constraints of the CA or any CA above it, " +
        "a validity past the CA's notAfter or PRIVATE_CA_MAX_LEAF_DAYS, a CSR whose signature does not verify, a profile the CA's own EKU forbids, " +
        "more than 100 names, a wildcard in a client certificate. A certificate of at most 7 days (168 hours) is short-lived: it has no CRL distribution point.",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("cas:issue")],
      request: {
        params: caIdParam,
        // The key stays with the requester: a CSR (its SAN names the certificate), 30 days.
        body: jsonBody(issueBody, undefined, { profile: "server", csr: EXAMPLE_CSR_PEM, validityHours: 720 }),
      },
      responses: {
        201: jsonResponse(privateCertificateSchema, "The certificate"),
        ...nativeErrors,
        409: jsonResponse(nativeErrorSchema, "The team's CAs hold PRIVATE_CERTIFICATES_PER_TEAM certificates"),
      },
    }),
    async (c) => {
      const { db, config, clock } = c.var.deps;
      const ca = await requireTeamCa(db, c.var.auth.teamId, c.req.valid("param").id);
      const ctx = { db, encryptionKey: config.ENCRYPTION_KEY, now: clock.now(), maxLeafDays: config.PRIVATE_CA_MAX_LEAF_DAYS, maxCertificates: config.PRIVATE_CERTIFICATES_PER_TEAM };
      const row = await issuePrivateCertificate(ctx, ca, c.req.valid("json") as IssueInput, auditedCommit(c));
      await emitPrivateCertificateEvent(c.var.deps, "certificate.issued", row);
      return c.json(privateCertificateView(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/cas/{id}/certificates",
      summary: "The CA's certificates, newest first (scope cas:read)",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("cas:read")],
      request: { params: caIdParam, query: pageQuery },
      responses: { 200: jsonResponse(listSchema, "A page of certificates"), ...nativeErrors },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const ca = await requireTeamCa(db, c.var.auth.teamId, c.req.valid("param").id);
      const { limit, before } = c.req.valid("query");
      const page = await caCertificatePage(db, ca.id, { limit, before: parseCursor(before) });
      return c.json({ certificates: page.rows.map(privateCertificateView), next: cursorOf(page.next) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/cas/{id}/certificates/{certId}",
      summary: "One certificate of the CA (scope cas:read)",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("cas:read")],
      request: { params: caCertificateParams },
      responses: { 200: jsonResponse(privateCertificateSchema, "The certificate"), ...nativeErrors },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const { id, certId } = c.req.valid("param");
      const ca = await requireTeamCa(db, c.var.auth.teamId, id);
      return c.json(privateCertificateView(await requireCaCertificate(db, ca, certId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/cas/{id}/certificates/{certId}/revoke",
      ...raises("conflict", "not_revocable"),
      summary: "Revoke a certificate of the CA (scope cas:issue)",
      description:
        "The CA's CRL is re-signed with it (cRLNumber one higher) in the same D1 batch as the revocation, and served at once by `GET /pki/{caId}/crl` " +
        "(edge caches keep a CRL at most 10 seconds). A short-lived certificate (≤ 7 days) is refused: it simply lapses at its notAfter.",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("cas:issue")],
      request: { params: caCertificateParams, body: optionalJsonBody(revokeBody, { reason: "keyCompromise" }) },
      responses: {
        200: jsonResponse(privateCertificateSchema, "The certificate, revoked"),
        ...nativeErrors,
        409: jsonResponse(nativeErrorSchema, "Already revoked"),
      },
    }),
    async (c) => {
      const { db, config, clock } = c.var.deps;
      const { id, certId } = c.req.valid("param");
      const ca = await requireTeamCa(db, c.var.auth.teamId, id);
      const certificate = await requireCaCertificate(db, ca, certId);
      const reason = ((c.req.valid("json") as { reason?: string } | undefined)?.reason ?? "unspecified") as RevocationReason;
      const ctx = { db, encryptionKey: config.ENCRYPTION_KEY, now: clock.now() };
      const row = await revokePrivateCertificate(ctx, ca, certificate, reason, auditedCommit(c));
      // This location's cached CRL goes at once; elsewhere it lasts at most 10 s (routes/pki-cache.ts).
      await forgetCrl([ca.publicOrigin, new URL(c.req.url).origin], ca.id);
      await emitPrivateCertificateEvent(c.var.deps, "certificate.revoked", row, { reason, revokedAt: new Date(row.revokedAt!).toISOString() });
      return c.json(privateCertificateView(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/cas/{id}/certificates/{certId}/export",
      summary: "Export a certificate with its generated private key (scope certificates:export)",
      description:
        "As the other export routes: `certificates:export` alone is needed (no other scope implies it); with `recipient` the key comes back only as " +
        "`privateKeyJwe`; every export is recorded in the audit log before the key is returned. A certificate issued from a CSR has no key here: 400.",
      tags: ["Private CA"],
      security: bearerSecurity,
      middleware: [requireScope("certificates:export")],
      request: { params: caCertificateParams, body: exportRequestBody },
      responses: {
        200: jsonResponse(exportSchema, "The certificate, its chain and its private key"),
        ...nativeErrors,
        403: jsonResponse(nativeErrorSchema, "The token lacks certificates:export (no other scope implies it)"),
      },
    }),
    async (c) => {
      const { db, config } = c.var.deps;
      const { id, certId } = c.req.valid("param");
      const ca = await requireTeamCa(db, c.var.auth.teamId, id);
      const row = await requireCaCertificate(db, ca, certId);
      if (row.sealedKey === null) throw new AppError("bad_request", "This certificate was issued from a CSR: its private key was never here");
      const key = await exportCertificateKey(config.ENCRYPTION_KEY, { ...row, sealedKey: row.sealedKey }, recipientOf(c.req.valid("json") ?? {}), auditedCommit(c));
      const fields = { id: row.id, caId: row.caId, certificatePem: row.certificatePem, chainPem: row.chainPem, serial: row.serial, expiresAt: new Date(row.notAfter).toISOString() };
      return c.json(key.sealed ? { ...fields, privateKeyJwe: key.jwe } : { ...fields, privateKeyPem: key.pem }, 200);
    },
  );
