/** Client certificates for egress mTLS (Vercel `/v1/projects/{idOrName}/client-cert`): one per project and origin. */
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { clientCertificates } from "../db/schema";
import { newId } from "../core/ids";
import { seal } from "../crypto/sealing";
import { AppError } from "../core/errors";
import { checkCertificate } from "../pki";
import type { ProjectRow } from "./projects";

export type ClientCertificateRow = typeof clientCertificates.$inferSelect;

/** The origin of a project-wide certificate (no `origin` given). */
export const PROJECT_WIDE = "";

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Normalizes an origin to `scheme://host[:port]`: scheme http or https, host lower-case (IDNs as
 * punycode), the scheme's default port dropped, no credentials, path, query or fragment.
 * "https://API.example.com:443/" becomes "https://api.example.com". Empty or absent: project-wide ("").
 */
export function normalizeOrigin(input: string | null | undefined): string {
  const raw = (input ?? "").trim();
  if (raw === "") return PROJECT_WIDE;
  const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  const fail = (why: string) => new AppError("validation_failed", `origin: "${shown}" ${why}`, { param: "origin" });
  if (raw.length > 2048) throw fail("is longer than 2048 characters");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw fail("must be an absolute URL with a scheme, such as https://api.example.com");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail("is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw fail("must use the https or http scheme");
  if (url.username !== "" || url.password !== "") throw fail("must not contain credentials");
  if (url.pathname !== "/" && url.pathname !== "") throw fail("must not contain a path (give scheme, host and port only)");
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(raw)) throw fail("must not contain a query or fragment");
  const host = url.hostname.replace(/\.$/, "");
  const isIp = IPV4.test(host) || host.startsWith("[");
  if (!isIp && (host === "" || !host.split(".").every((label) => LABEL.test(label)))) {
    throw fail("must name a host: DNS labels of letters, digits and hyphens, or an IP address");
  }
  return `${url.protocol}//${host}${url.port ? `:${url.port}` : ""}`;
}

export interface ClientCertificateUpload {
  cert: string;
  key: string;
  /** The CA the server trusts for client certificates; the certificate must chain to it. */
  ca: string;
  origin?: string | null;
  /** Skips policy (EKU, chain to `ca`, dates): the PEMs are still parsed and the key must still match. */
  skipValidation?: boolean;
}

/**
 * Validates (unless `skipValidation`) and stores a client certificate for the project's origin,
 * replacing the one it had, in one D1 batch. `updated` says whether one was replaced.
 */
export async function uploadClientCertificate(
  db: Database,
  encryptionKey: string,
  project: ProjectRow,
  input: ClientCertificateUpload,
  now: number,
): Promise<{ row: ClientCertificateRow; updated: boolean }> {
  const origin = normalizeOrigin(input.origin);
  const ca = input.ca.trim() === "" ? null : input.ca;
  if (!ca && !input.skipValidation) {
    throw new AppError("validation_failed", "ca: Required: the CA certificate the client certificate must chain to", { param: "ca" });
  }
  const checked = await checkCertificate({
    certificatePem: input.cert,
    privateKeyPem: input.key,
    caPem: ca,
    purpose: "clientAuth",
    now: new Date(now),
  });
  const { report } = checked;
  if (!report.valid && (!input.skipValidation || report.errorCode === "key_mismatch")) {
    throw new AppError(report.errorCode ?? "invalid_certificate", report.error ?? "Certificate is not valid");
  }
  const existing = await db.query.clientCertificates.findFirst({
    where: and(eq(clientCertificates.projectId, project.id), eq(clientCertificates.origin, origin)),
  });
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
  // One transaction: the origin is never without its certificate, and concurrent uploads serialize.
  await db.batch([
    db.delete(clientCertificates).where(and(eq(clientCertificates.projectId, project.id), eq(clientCertificates.origin, origin))),
    db.insert(clientCertificates).values(row),
  ]);
  return { row, updated: existing !== undefined };
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
