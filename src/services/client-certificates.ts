/** Client certificates for egress mTLS (Vercel `/v1/projects/{idOrName}/client-cert`): one per project and origin. */
import { type SQL, and, asc, eq, exists, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { clientCertificates } from "../db/schema";
import { LIMIT_DEFAULTS, type Limits } from "../core/config";
import { newId } from "../core/ids";
import { seal } from "../crypto/sealing";
import { AppError } from "../core/errors";
import type { CheckedCertificate } from "../pki";
import { maxCaCertificates, readCertificates } from "../pki/certificate-bundle";
import { type PemUpload, readPemUpload } from "./certificates/pem-upload";
import { admitCertificate } from "./certificates/validation-gate";
import type { CommitChange } from "./change";
import { normalizeOrigin } from "./client-certificate-origin";
import { formatBytes, limitReached } from "./limits/quota";
import type { ProjectRow } from "./projects";

export type ClientCertificateRow = typeof clientCertificates.$inferSelect;

/** `ca` is the CA the server trusts for client certificates (the certificate must chain to it); skipValidation waives EKU, chain to `ca` and dates. */
export interface ClientCertificateUpload extends PemUpload {
  origin?: string | null;
}

/** The quotas a client certificate upload is held to (config.ts: CLIENT_CERTIFICATES_*; pass deps.config). */
export type ClientCertificateLimits = Pick<
  Limits,
  "CLIENT_CERTIFICATES_PER_PROJECT" | "CLIENT_CERTIFICATES_PER_TEAM" | "CLIENT_CERTIFICATE_BYTES_PER_TEAM"
>;

/** The project's origin slot: at most one certificate each (a unique index on project and origin). */
const slot = (project: ProjectRow, origin: string) => and(eq(clientCertificates.projectId, project.id), eq(clientCertificates.origin, origin));

/**
 * The `ca` input as stored: only its certificates, re-encoded as PEM, duplicates dropped (in input order), so
 * what D1 keeps is bounded by the certificates, never by comments, whitespace or repeats around them.
 */
export function normalizeCaPem(ca: string | null): string {
  if (ca === null) return "";
  return readCertificates(ca, { noun: "CA certificate", max: maxCaCertificates, field: "ca" })
    .map((info) => info.pem)
    .join("");
}

/** What a row takes in D1, counted as the quota counts it (length() of its text columns; PEM and base64 are ASCII). */
function rowBytes(row: Pick<ClientCertificateRow, "certificatePem" | "caPem" | "sealedKey">): number {
  return row.certificatePem.length + row.caPem.length + row.sealedKey.length;
}

/**
 * True while the team has room for `bytes` more in `project`'s `origin` slot: the rows of every other slot are
 * counted, so replacing a certificate is judged without the one it replaces. Evaluated inside the write batch.
 */
function hasRoom(project: ProjectRow, origin: string, bytes: number, limits: ClientCertificateLimits) {
  const others = sql`team_id = ${project.teamId} AND NOT (project_id = ${project.id} AND origin = ${origin})`;
  return sql`(SELECT count(*) FROM client_certificates WHERE project_id = ${project.id} AND origin <> ${origin}) < ${limits.CLIENT_CERTIFICATES_PER_PROJECT}
    AND (SELECT count(*) FROM client_certificates WHERE ${others}) < ${limits.CLIENT_CERTIFICATES_PER_TEAM}
    AND (SELECT coalesce(sum(length(certificate_pem) + length(ca_pem) + length(sealed_key)), 0) FROM client_certificates WHERE ${others}) + ${bytes}
      <= ${limits.CLIENT_CERTIFICATE_BYTES_PER_TEAM}`;
}

/** The 409 saying which quota the upload would pass, read after the guarded write changed nothing. */
async function quotaRefusal(db: Database, project: ProjectRow, origin: string, bytes: number, limits: ClientCertificateLimits): Promise<AppError> {
  const usage = await db.get<{ inProject: number; inTeam: number; teamBytes: number }>(sql`
    SELECT
      (SELECT count(*) FROM client_certificates WHERE project_id = ${project.id} AND origin <> ${origin}) AS inProject,
      (SELECT count(*) FROM client_certificates WHERE team_id = ${project.teamId} AND NOT (project_id = ${project.id} AND origin = ${origin})) AS inTeam,
      (SELECT coalesce(sum(length(certificate_pem) + length(ca_pem) + length(sealed_key)), 0) FROM client_certificates
        WHERE team_id = ${project.teamId} AND NOT (project_id = ${project.id} AND origin = ${origin})) AS teamBytes`);
  if (usage.inProject >= limits.CLIENT_CERTIFICATES_PER_PROJECT) {
    return limitReached(`A project can hold at most ${limits.CLIENT_CERTIFICATES_PER_PROJECT} client certificates; delete one before adding another origin`, "origin");
  }
  if (usage.inTeam >= limits.CLIENT_CERTIFICATES_PER_TEAM) {
    return limitReached(`A team can hold at most ${limits.CLIENT_CERTIFICATES_PER_TEAM} client certificates; delete one before uploading another`);
  }
  return limitReached(
    `This client certificate (${formatBytes(bytes)} stored) would take the team's client certificates past ${formatBytes(limits.CLIENT_CERTIFICATE_BYTES_PER_TEAM)} ` +
      `(${formatBytes(usage.teamBytes)} in use); delete some, or trim the ca bundle to the CA that issued it`,
  );
}

/** What else a write into the slot may carry (a certificate issued by the team's CA: services/client-certificate-issue.ts). */
export interface SlotWriteOptions {
  /** The new row's id, when the caller signed something bound to it; a new `ccert_` id otherwise. */
  id?: string;
  /** Held with the quota by the delete and the insert: false at commit time, the batch changes nothing. */
  guard?: SQL;
  /** Statements run before the delete, in the same batch (a renewal's claim on the certificate it replaces). */
  before?: BatchItem<"sqlite">[];
  /** Statements run after the insert, in the same batch (they guard themselves on the new row being there). */
  also?: BatchItem<"sqlite">[];
  /** Added to the audit row's detail. */
  detail?: Record<string, unknown>;
}

/**
 * Stores the checked certificate in the origin's slot, replacing the one it held in one D1 batch with its audit row:
 * the origin is never without its certificate, and concurrent uploads serialize. The delete and the insert carry the
 * same quota guard, so over quota the batch changes nothing (the audit row is written only with the new row) and the
 * upload is a 409. `stored` is false when `options.guard` failed (then the caller says why; no 409 is thrown).
 */
export async function storeClientCertificate(
  db: Database,
  encryptionKey: string,
  project: ProjectRow,
  origin: string,
  ca: string | null,
  checked: Pick<CheckedCertificate, "leafPem" | "chainPem" | "privateKeyPkcs8Pem" | "notAfter">,
  now: number,
  limits: ClientCertificateLimits,
  commit: CommitChange,
  options: SlotWriteOptions = {},
): Promise<{ row: ClientCertificateRow; updated: boolean; stored: boolean }> {
  const existing = await db.query.clientCertificates.findFirst({ where: slot(project, origin) });
  const id = options.id ?? newId("ccert");
  const row: ClientCertificateRow = {
    id,
    teamId: project.teamId,
    projectId: project.id,
    origin,
    certificatePem: checked.leafPem + checked.chainPem,
    caPem: normalizeCaPem(ca),
    sealedKey: await seal(encryptionKey, checked.privateKeyPkcs8Pem!, id),
    expiresAt: checked.notAfter.getTime(),
    createdAt: now,
    updatedAt: now,
  };
  const bytes = rowBytes(row);
  const room = options.guard ? sql`(${hasRoom(project, origin, bytes, limits)}) AND (${options.guard})` : hasRoom(project, origin, bytes, limits);
  const before = options.before ?? [];
  const [, inserted] = (await commit({
    teamId: project.teamId,
    statements: [
      ...before,
      db.delete(clientCertificates).where(and(slot(project, origin), room)),
      // INSERT … SELECT … WHERE: values in the table's column order (id … updated_at).
      db
        .insert(clientCertificates)
        .select(
          sql`SELECT ${row.id}, ${row.teamId}, ${row.projectId}, ${row.origin}, ${row.certificatePem}, ${row.caPem}, ${row.sealedKey}, ${row.expiresAt}, ${now}, ${now} WHERE ${room}`,
        )
        .returning({ id: clientCertificates.id }),
      ...(options.also ?? []),
    ],
    target: row.id,
    detail: { projectId: project.id, origin, expiresAt: new Date(row.expiresAt).toISOString(), replaced: existing?.id ?? null, ...options.detail },
    recordIf: { holds: sql`EXISTS (SELECT 1 FROM client_certificates WHERE id = ${row.id})`, checked: "after" },
  })).slice(before.length) as [unknown, unknown[]];
  if (inserted.length === 0) {
    if (options.guard && !(await db.get<{ ok: number }>(sql`SELECT (${options.guard}) AS ok`)).ok) return { row, updated: false, stored: false };
    throw await quotaRefusal(db, project, origin, bytes, limits);
  }
  return { row, updated: existing !== undefined, stored: true };
}

/**
 * Passes the gate for client authentication (with the upload's `skipValidation`), then takes the origin's slot
 * within the team's quotas (`limits`: pass deps.config; the defaults apply otherwise), with its audit row
 * (`commit`). `updated` says whether a certificate was replaced.
 */
export async function uploadClientCertificate(
  db: Database,
  encryptionKey: string,
  project: ProjectRow,
  input: ClientCertificateUpload,
  now: number,
  commit: CommitChange,
  limits: ClientCertificateLimits = LIMIT_DEFAULTS,
): Promise<{ row: ClientCertificateRow; updated: boolean }> {
  const origin = normalizeOrigin(input.origin);
  const { check, policy, ca } = readPemUpload(input, "clientAuth", now);
  // Chaining to `ca` is one of the checks skipValidation waives; without it, a `ca` is required.
  if (!ca && !policy.skipValidation) {
    throw new AppError("validation_failed", "ca: Required: the CA certificate the client certificate must chain to", { param: "ca" });
  }
  return await admitCertificate(check, policy, (checked) => storeClientCertificate(db, encryptionKey, project, origin, ca, checked, now, limits, commit), undefined, "cert");
}

export async function listClientCertificates(db: Database, project: ProjectRow): Promise<ClientCertificateRow[]> {
  return db
    .select()
    .from(clientCertificates)
    .where(and(eq(clientCertificates.projectId, project.id), eq(clientCertificates.teamId, project.teamId)))
    .orderBy(asc(clientCertificates.origin), asc(clientCertificates.createdAt));
}

/** Deletes the project's client certificate `id` with its audit row (`commit`); 404 when the project has none by that id. */
export async function deleteClientCertificate(db: Database, project: ProjectRow, id: string, commit: CommitChange): Promise<{ id: string; origin: string }> {
  const mine = and(eq(clientCertificates.id, id), eq(clientCertificates.projectId, project.id), eq(clientCertificates.teamId, project.teamId));
  const [deleted] = (await commit({
    teamId: project.teamId,
    statements: [db.delete(clientCertificates).where(mine).returning({ id: clientCertificates.id, origin: clientCertificates.origin })],
    target: id,
    detail: { projectId: project.id },
    recordIf: { holds: exists(db.select({ id: clientCertificates.id }).from(clientCertificates).where(mine)), checked: "before" },
  })) as [{ id: string; origin: string }[]];
  if (deleted.length === 0) throw new AppError("not_found", `Client certificate ${id} not found`);
  return deleted[0]!;
}
