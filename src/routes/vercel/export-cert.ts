/** `POST /v8/certs/:id/export`: a team certificate with its private key, in the field names `PUT /v8/certs` takes. */
import { createRoute, z } from "@hono/zod-openapi";
import { auditedCommit } from "../../http/audited-commit";
import { requireScope } from "../../http/auth";
import { type ExportedKey, exportCertificateKey } from "../../services/certificates/key-export";
import { getOwnedCertificate } from "../../services/certificates/lookup";
import { teamOwner } from "../../services/certificates/owner";
import type { CertificateRow } from "../../store/certificates";
import { exportRequestBody, recipientOf } from "../export-body";
import { bearerSecurity, jsonResponse, newRouter } from "../router";
import { vercelErrorSchema, vercelErrors } from "./schemas";
import { requireVercelTeam, teamQuery } from "./team";
import { epochMs } from "./wire-time";

// `cert`, `ca` and `key` as in the upload body, so an export can be uploaded elsewhere as it is.
const exportedFields = {
  id: z.string(),
  cns: z.array(z.string()).describe("The names the certificate covers"),
  expiresAt: z.number().int().describe("Epoch milliseconds"),
  keyType: z.string().describe("e.g. `EC-P256`, `RSA-2048`"),
  serial: z.string().describe("The leaf's serial number (hex)"),
  cert: z.string().describe("The leaf certificate (PEM)"),
  ca: z.string().describe("The intermediates to serve after the leaf (PEM); empty when none"),
};

const plainExportSchema = z
  .object({ ...exportedFields, key: z.string().describe("The private key, PKCS#8 PEM (label `PRIVATE KEY`)") })
  .openapi("VercelCertExport");

const sealedExportSchema = z
  .object({
    ...exportedFields,
    keyJwe: z.string().describe("The PKCS#8 PEM private key as a compact JWE (RFC 7516; `alg` ECDH-ES, `enc` A256GCM) sealed to `recipient`"),
  })
  .openapi("VercelSealedCertExport");

function exportView(row: CertificateRow, key: ExportedKey): z.infer<typeof plainExportSchema> | z.infer<typeof sealedExportSchema> {
  const fields = {
    id: row.id,
    cns: row.names,
    expiresAt: epochMs(row.expiresAt),
    keyType: row.keyType,
    serial: row.serial,
    cert: row.certificatePem,
    ca: row.chainPem,
  };
  return key.sealed ? { ...fields, keyJwe: key.jwe } : { ...fields, key: key.pem };
}

const certIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" } }) });

export const vercelExportCertRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/v8/certs/{id}/export",
    summary: "Export a cert with its private key (scope certificates:export)",
    description:
      "Not part of Vercel's API. Needs `certificates:export`, which no other scope implies. With `recipient`, the key comes back " +
      "only as `keyJwe`, sealed to that public key; otherwise as `key`. Every export is recorded in the audit log before the key is returned.",
    tags: ["Vercel: certs"],
    security: bearerSecurity,
    middleware: [requireScope("certificates:export"), requireVercelTeam()],
    request: {
      params: certIdParam,
      query: teamQuery,
      body: exportRequestBody,
    },
    responses: {
      200: jsonResponse(z.union([plainExportSchema, sealedExportSchema]), "The certificate, its intermediates and its private key"),
      ...vercelErrors,
      403: jsonResponse(vercelErrorSchema, "The token lacks certificates:export (no other scope implies it)"),
    },
  }),
  async (c) => {
    const { db, config } = c.var.deps;
    const row = await getOwnedCertificate(db, teamOwner(c.var.auth.teamId), c.req.valid("param").id);
    const key = await exportCertificateKey(config.ENCRYPTION_KEY, row, recipientOf(c.req.valid("json")), auditedCommit(c));
    return c.json(exportView(row, key), 200);
  },
);
