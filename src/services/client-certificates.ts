/** Client certificates for egress mTLS (Vercel `/v1/projects/{idOrName}/client-cert`): one per project and origin. */
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { clientCertificates } from "../db/schema";
import { newId } from "../core/ids";
import { seal } from "../crypto/sealing";
import { AppError } from "../core/errors";
import type { CheckedCertificate } from "../pki";
import { type PemUpload, readPemUpload } from "./certificates/pem-upload";
import { admitCertificate } from "./certificates/validation-gate";
import { normalizeOrigin } from "./client-certificate-origin";
import type { ProjectRow } from "./projects";

export type ClientCertificateRow = typeof clientCertificates.$inferSelect;

/** `ca` is the CA the server trusts for client certificates (the certificate must chain to it); skipValidation waives EKU, chain to `ca` and dates. */
export interface ClientCertificateUpload extends PemUpload {
  origin?: string | null;
}

/** The project's origin slot: at most one certificate each (a unique index on project and origin). */
const slot = (project: ProjectRow, origin: string) => and(eq(clientCertificates.projectId, project.id), eq(clientCertificates.origin, origin));

/**
 * Stores the checked certificate in the origin's slot, replacing the one it held in one D1 batch:
 * the origin is never without its certificate, and concurrent uploads serialize.
 */
async function storeClientCertificate(
  db: Database,
  encryptionKey: string,
  project: ProjectRow,
  origin: string,
  ca: string | null,
  checked: CheckedCertificate,
  now: number,
): Promise<{ row: ClientCertificateRow; updated: boolean }> {
  const existing = await db.query.clientCertificates.findFirst({ where: slot(project, origin) });
  const id = newId("ccert");
  const row: ClientCertificateRow = {
    id,
    teamId: project.teamId,
    projectId: project.id,
    origin,
    certificatePem: checked.leafPem + checked.chainPem,
    caPem: ca ? `${ca.trim()}\n` : "",
    sealedKey: await seal(encryptionKey, checked.privateKeyPkcs8Pem!, id),
    expiresAt: checked.notAfter.getTime(),
    createdAt: now,
    updatedAt: now,
  };
  await db.batch([db.delete(clientCertificates).where(slot(project, origin)), db.insert(clientCertificates).values(row)]);
  return { row, updated: existing !== undefined };
}

/**
 * Passes the gate for client authentication (with the upload's `skipValidation`), then takes the
 * origin's slot. `updated` says whether a certificate was replaced.
 */
export async function uploadClientCertificate(
  db: Database,
  encryptionKey: string,
  project: ProjectRow,
  input: ClientCertificateUpload,
  now: number,
): Promise<{ row: ClientCertificateRow; updated: boolean }> {
  const origin = normalizeOrigin(input.origin);
  const { check, policy, ca } = readPemUpload(input, "clientAuth", now);
  // Chaining to `ca` is one of the checks skipValidation waives; without it, a `ca` is required.
  if (!ca && !policy.skipValidation) {
    throw new AppError("validation_failed", "ca: Required: the CA certificate the client certificate must chain to", { param: "ca" });
  }
  return await admitCertificate(check, policy, (checked) => storeClientCertificate(db, encryptionKey, project, origin, ca, checked, now));
}

export async function listClientCertificates(db: Database, project: ProjectRow): Promise<ClientCertificateRow[]> {
  return db
    .select()
    .from(clientCertificates)
    .where(and(eq(clientCertificates.projectId, project.id), eq(clientCertificates.teamId, project.teamId)))
    .orderBy(asc(clientCertificates.origin), asc(clientCertificates.createdAt));
}

/** Deletes the project's client certificate `id`; 404 when the project has none by that id. */
export async function deleteClientCertificate(db: Database, project: ProjectRow, id: string): Promise<{ id: string; origin: string }> {
  const deleted = await db
    .delete(clientCertificates)
    .where(
      and(eq(clientCertificates.id, id), eq(clientCertificates.projectId, project.id), eq(clientCertificates.teamId, project.teamId)),
    )
    .returning({ id: clientCertificates.id, origin: clientCertificates.origin });
  if (deleted.length === 0) throw new AppError("not_found", `Client certificate ${id} not found`);
  return deleted[0]!;
}
