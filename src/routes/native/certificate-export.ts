/** `POST /api/v1/projects/:id/certificate/export`: the project's certificate with its private key, for the servers that need it. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { type ExportedKey, exportCertificateKey } from "../../services/certificates/key-export";
import { requireCertificateOf } from "../../services/certificates/lookup";
import { projectOwner } from "../../services/certificates/owner";
import { getProject } from "../../services/projects";
import type { CertificateRow } from "../../store/certificates";
import { exportRequestBody, recipientOf } from "../export-body";
import { bearerSecurity, jsonResponse, nativeErrorSchema, nativeErrors, newRouter } from "../router";
import { projectIdParam } from "./projects";
import { certificateTime } from "./wire-time";

const exportedFields = {
  id: z.string().describe("The certificate's id (the audit log's `target`)"),
  domain: z.string(),
  names: z.array(z.string()).describe("The names the certificate covers"),
  certificatePem: z.string().describe("The leaf certificate (PEM)"),
  chainPem: z.string().describe("The intermediates, leaf to root (PEM), to serve after the leaf; empty when none were given"),
  keyType: z.string().describe("e.g. `EC-P256`, `RSA-2048`"),
  serial: z.string().describe("The leaf's serial number (hex)"),
  expiresAt: z.string().describe("The leaf's notAfter (ISO 8601)"),
};

const plainExportSchema = z
  .object({ ...exportedFields, privateKeyPem: z.string().describe("The private key, PKCS#8 PEM (label `PRIVATE KEY`)") })
  .openapi("CertificateExport");

const sealedExportSchema = z
  .object({
    ...exportedFields,
    privateKeyJwe: z
      .string()
      .describe("The PKCS#8 PEM private key as a compact JWE (RFC 7516; `alg` ECDH-ES, `enc` A256GCM) sealed to `recipient`"),
  })
  .openapi("SealedCertificateExport");

/** The answer: the key in the one form it was prepared in, never both. */
function exportView(row: CertificateRow, key: ExportedKey): z.infer<typeof plainExportSchema> | z.infer<typeof sealedExportSchema> {
  const fields = {
    id: row.id,
    domain: row.domain,
    names: row.names,
    certificatePem: row.certificatePem,
    chainPem: row.chainPem,
    keyType: row.keyType,
    serial: row.serial,
    expiresAt: certificateTime(row.expiresAt),
  };
  return key.sealed ? { ...fields, privateKeyJwe: key.jwe } : { ...fields, privateKeyPem: key.pem };
}

export const certificateExportRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/projects/{id}/certificate/export",
    summary: "Export the certificate with its private key (scope certificates:export)",
    description:
      "Returns the leaf, the chain and the private key. Needs `certificates:export`, which no other scope implies. " +
      "With `recipient`, the key comes back only as `privateKeyJwe`, sealed to that public key; otherwise as `privateKeyPem`. " +
      "Every export is recorded in the audit log (token, certificate, whether sealed) before the key is returned.",
    tags: ["Certificates"],
    security: bearerSecurity,
    middleware: [requireScope("certificates:export")],
    request: {
      params: projectIdParam,
      body: exportRequestBody,
    },
    responses: {
      200: jsonResponse(z.union([plainExportSchema, sealedExportSchema]), "The certificate, its chain and its private key"),
      ...nativeErrors,
      403: jsonResponse(nativeErrorSchema, "The token lacks certificates:export (no other scope implies it)"),
    },
  }),
  async (c) => {
    const { db, config } = c.var.deps;
    const project = await getProject(db, c.var.auth.teamId, c.req.valid("param").id);
    const row = await requireCertificateOf(db, projectOwner(project));
    const key = await exportCertificateKey(config.ENCRYPTION_KEY, row, recipientOf(c.req.valid("json")), auditedCommit(c));
    return c.json(exportView(row, key), 200);
  },
);
