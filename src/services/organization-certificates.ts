/**
 * The organization's store of CA certificates (OpenAI `/v1/organization/certificates`): uploaded
 * without keys, at most 50 per organization and ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM of PEM, activated for
 * the organization and per project.
 */
import { type SQL, and, asc, desc, eq, exists, gt, inArray, lt, notExists, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { selectValues } from "../db/select-values";
import { organizationCertificates, projectCertificateActivations } from "../db/schema";
import { LIMIT_DEFAULTS, type Limits } from "../core/config";
import { newId } from "../core/ids";
import { AppError } from "../core/errors";
import { parseCertificateBundle } from "../pki";
import type { CommitChange } from "./change";
import { formatBytes, limitReached } from "./limits/quota";
import type { ProjectRow } from "./projects";

export type OrganizationCertificateRow = typeof organizationCertificates.$inferSelect;

/** At most 50 certificates per organization (OpenAI API reference, "Upload certificate"). */
export const MAX_ORGANIZATION_CERTIFICATES = 50;
/** Activation requests name 1 to 10 certificates. */
export const MAX_ACTIVATION_IDS = 10;

const table = organizationCertificates;
const activations = projectCertificateActivations;

/** Exactly one PEM certificate; keys, CSRs, bundles and garbage are a 400 that says what was found. */
export function parseOrganizationCertificate(pem: string, param = "certificate") {
  let certs: ReturnType<typeof parseCertificateBundle>;
  try {
    certs = parseCertificateBundle(pem);
  } catch (error) {
    if (error instanceof AppError) throw new AppError(error.code, error.message, { param, cause: error });
    throw error;
  }
  if (certs.length !== 1) {
    throw new AppError("invalid_certificate", `Expected exactly one PEM certificate but found ${certs.length}`, { param });
  }
  const cert = certs[0]!;
  return { contentPem: `${cert.toString("pem")}\n`, validAt: cert.notBefore.getTime(), expiresAt: cert.notAfter.getTime() };
}

/** The quota an upload is held to besides the count (config.ts; pass deps.config). */
export type OrganizationCertificateLimits = Pick<Limits, "ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM">;

/** The team's certificates' stored bytes (their PEM; names are bounded by the API schema). */
function teamBytes(teamId: string) {
  return sql<number>`(SELECT coalesce(sum(length(content_pem)), 0) FROM organization_certificates WHERE team_id = ${teamId})`;
}

/** SQL: the team's certificate `id` is there. */
const certificateThere = (teamId: string, id: string) => sql`EXISTS (SELECT 1 FROM organization_certificates WHERE team_id = ${teamId} AND id = ${id})`;

/**
 * Stores a certificate, inactive unless `input.active` (a CA published to the organization: routes/native/ca-publish.ts),
 * with its audit row (`commit`). The 50-certificate limit and the team's byte quota (`limits`: pass deps.config; the
 * defaults apply otherwise) are checked in the same statement as the insert; over them nothing is written, the audit
 * row included.
 */
export async function createOrganizationCertificate(
  db: Database,
  teamId: string,
  input: { pem: string; name?: string | null; activeInOrganization?: boolean; detail?: Record<string, unknown> },
  now: number,
  commit: CommitChange,
  limits: OrganizationCertificateLimits = LIMIT_DEFAULTS,
): Promise<OrganizationCertificateRow> {
  const parsed = parseOrganizationCertificate(input.pem);
  const row: OrganizationCertificateRow = {
    id: newId("cert"),
    teamId,
    name: input.name ?? null,
    contentPem: parsed.contentPem,
    validAt: parsed.validAt,
    expiresAt: parsed.expiresAt,
    // Inactive unless asked (a private CA published to the organization arrives active, in the same statement).
    activeInOrganization: input.activeInOrganization ?? false,
    createdAt: now,
  };
  const bytes = row.contentPem.length;
  const maxBytes = limits.ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM;
  // INSERT … SELECT … WHERE count < 50 AND bytes fit: two concurrent uploads cannot both take the last place.
  const insert = db
    .insert(table)
    .select(
      sql`SELECT ${selectValues(table, row)}
        WHERE (SELECT count(*) FROM organization_certificates WHERE team_id = ${teamId}) < ${MAX_ORGANIZATION_CERTIFICATES}
          AND ${teamBytes(teamId)} + ${bytes} <= ${maxBytes}`,
    )
    .returning({ id: table.id });
  const detail = { name: row.name, expiresAt: new Date(row.expiresAt).toISOString(), ...(row.activeInOrganization ? { activeInOrganization: true } : {}), ...input.detail };
  const [inserted] = (await commit({ teamId, statements: [insert], target: row.id, detail, recordIf: { holds: certificateThere(teamId, row.id), checked: "after" } })) as [unknown[]];
  if (inserted.length === 0) {
    const usage = await db.get<{ count: number; bytes: number }>(
      sql`SELECT (SELECT count(*) FROM organization_certificates WHERE team_id = ${teamId}) AS count, ${teamBytes(teamId)} AS bytes`,
    );
    if (usage.count >= MAX_ORGANIZATION_CERTIFICATES) {
      throw new AppError(
        "limit_reached",
        `An organization can hold at most ${MAX_ORGANIZATION_CERTIFICATES} certificates; delete one before uploading another`,
      );
    }
    throw limitReached(
      `This certificate (${formatBytes(bytes)}) would take the organization's certificates past ${formatBytes(maxBytes)} ` +
        `(${formatBytes(usage.bytes)} in use); delete one before uploading another`,
      "certificate",
    );
  }
  return row;
}

/** A certificate of the team by id, or 404 (another team's is indistinguishable from none). */
export async function getOrganizationCertificate(db: Database, teamId: string, id: string): Promise<OrganizationCertificateRow> {
  const row = await db.query.organizationCertificates.findFirst({ where: and(eq(table.teamId, teamId), eq(table.id, id)) });
  if (!row) throw new AppError("not_found", `Certificate ${id} not found`);
  return row;
}

/** Renames a certificate with its audit row (`commit`); no name given changes nothing and records nothing. */
export async function renameOrganizationCertificate(
  db: Database,
  teamId: string,
  id: string,
  name: string | null | undefined,
  commit: CommitChange,
): Promise<OrganizationCertificateRow> {
  if (name === undefined) return getOrganizationCertificate(db, teamId, id);
  const rename = db
    .update(table)
    .set({ name })
    .where(and(eq(table.teamId, teamId), eq(table.id, id)))
    .returning();
  const recordIf = { holds: certificateThere(teamId, id), checked: "after" as const };
  const [updated] = (await commit({ teamId, statements: [rename], target: id, detail: { name }, recordIf })) as [OrganizationCertificateRow[]];
  if (updated.length === 0) throw new AppError("not_found", `Certificate ${id} not found`);
  return updated[0]!;
}

/**
 * Deletes a certificate that is active nowhere, with its audit row (`commit`); the check and the delete are one
 * statement, and the audit row is written only where that check held.
 */
export async function deleteOrganizationCertificate(db: Database, teamId: string, id: string, commit: CommitChange): Promise<void> {
  const inactive = and(
    eq(table.teamId, teamId),
    eq(table.id, id),
    eq(table.activeInOrganization, false),
    notExists(db.select({ id: activations.certificateId }).from(activations).where(eq(activations.certificateId, id))),
  );
  const recordIf = { holds: exists(db.select({ id: table.id }).from(table).where(inactive)), checked: "before" as const };
  const [deleted] = (await commit({ teamId, statements: [db.delete(table).where(inactive).returning({ id: table.id })], target: id, recordIf })) as [unknown[]];
  if (deleted.length > 0) return;
  const row = await getOrganizationCertificate(db, teamId, id);
  if (row.activeInOrganization) {
    throw new AppError("conflict", `Certificate ${id} is active for the organization; deactivate it before deleting it`);
  }
  const projects = await db.select({ projectId: activations.projectId }).from(activations).where(eq(activations.certificateId, id));
  throw new AppError(
    "conflict",
    `Certificate ${id} is active for ${projects.length} project(s) (${projects.map((p) => p.projectId).join(", ")}); deactivate it there before deleting it`,
  );
}

export interface ListQuery {
  limit: number;
  after?: string;
  order: "asc" | "desc";
}

export interface ListedCertificate {
  row: OrganizationCertificateRow;
  /** Active at the scope listed: the organization, or the project. */
  active: boolean;
}

export interface CertificatePage {
  items: ListedCertificate[];
  hasMore: boolean;
}

/** A page of the team's certificates by `created_at` (then id), after the certificate `after`. */
export async function listOrganizationCertificates(
  db: Database,
  teamId: string,
  query: ListQuery,
  project?: ProjectRow,
): Promise<CertificatePage> {
  const direction = query.order === "asc" ? asc : desc;
  let cursor: SQL | undefined;
  if (query.after !== undefined) {
    const anchor = await db.query.organizationCertificates.findFirst({
      where: and(eq(table.teamId, teamId), eq(table.id, query.after)),
    });
    if (!anchor) throw new AppError("validation_failed", `after: no certificate ${query.after} in this organization`, { param: "after" });
    const beyond = query.order === "asc" ? gt : lt;
    cursor = or(
      beyond(table.createdAt, anchor.createdAt),
      and(eq(table.createdAt, anchor.createdAt), beyond(table.id, anchor.id)),
    );
  }
  const rows = await db
    .select()
    .from(table)
    .where(and(eq(table.teamId, teamId), cursor))
    .orderBy(direction(table.createdAt), direction(table.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const active = project ? await activeInProject(db, project, page.map((row) => row.id)) : null;
  return {
    items: page.map((row) => ({ row, active: active ? active.has(row.id) : row.activeInOrganization })),
    hasMore: rows.length > query.limit,
  };
}

async function activeInProject(db: Database, project: ProjectRow, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const found = await db
    .select({ id: activations.certificateId })
    .from(activations)
    .where(and(eq(activations.projectId, project.id), inArray(activations.certificateId, ids)));
  return new Set(found.map((f) => f.id));
}

/** The team's certificates named by `ids` (deduplicated, in request order); 404 naming any that are missing. */
async function requireCertificates(db: Database, teamId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const found = await db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.teamId, teamId), inArray(table.id, unique)));
  const known = new Set(found.map((f) => f.id));
  const missing = unique.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new AppError("not_found", `Certificate${missing.length > 1 ? "s" : ""} not found: ${missing.join(", ")}`, {
      param: "certificate_ids",
    });
  }
  return unique;
}

/** True while every one of `ids` still belongs to the team: guards a write so it changes all or nothing. */
function allStillThere(teamId: string, ids: string[]): SQL {
  return sql`(SELECT count(*) FROM organization_certificates WHERE team_id = ${teamId} AND id IN ${ids}) = ${ids.length}`;
}

async function readBack(db: Database, teamId: string, ids: string[]): Promise<OrganizationCertificateRow[]> {
  const rows = await db.select().from(table).where(and(eq(table.teamId, teamId), inArray(table.id, ids)));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id)).filter((row): row is OrganizationCertificateRow => row !== undefined);
}

/** Activates or deactivates certificates for the organization: all of them or none, idempotently, with the audit row (`commit`). */
export async function setOrganizationActivation(
  db: Database,
  teamId: string,
  ids: string[],
  active: boolean,
  commit: CommitChange,
): Promise<ListedCertificate[]> {
  const unique = await requireCertificates(db, teamId, ids);
  const update = db
    .update(table)
    .set({ activeInOrganization: active })
    .where(and(eq(table.teamId, teamId), inArray(table.id, unique), allStillThere(teamId, unique)));
  const recordIf = { holds: allStillThere(teamId, unique), checked: "after" as const };
  await commit({ teamId, statements: [update], target: "", detail: { certificateIds: unique, active }, recordIf });
  return (await readBack(db, teamId, unique)).map((row) => ({ row, active: row.activeInOrganization }));
}

/**
 * Activates or deactivates certificates for one project of the team: all of them or none, idempotently, with the
 * audit row (`commit`).
 */
export async function setProjectActivation(
  db: Database,
  project: ProjectRow,
  ids: string[],
  active: boolean,
  now: number,
  commit: CommitChange,
): Promise<ListedCertificate[]> {
  const unique = await requireCertificates(db, project.teamId, ids);
  const change = { teamId: project.teamId, target: project.id, detail: { certificateIds: unique, active } };
  if (active) {
    // One INSERT … SELECT: every certificate gets its activation, or (one was deleted meanwhile) none does.
    const activate = db
      .insert(activations)
      .select(
        db
          .select({ certificateId: table.id, projectId: sql<string>`${project.id}`.as("project_id"), createdAt: sql<number>`${now}`.as("created_at") })
          .from(table)
          .where(and(eq(table.teamId, project.teamId), inArray(table.id, unique), allStillThere(project.teamId, unique))),
      )
      .onConflictDoNothing();
    await commit({ ...change, statements: [activate], recordIf: { holds: allStillThere(project.teamId, unique), checked: "after" } });
  } else {
    const deactivate = db.delete(activations).where(and(eq(activations.projectId, project.id), inArray(activations.certificateId, unique)));
    await commit({ ...change, statements: [deactivate] });
  }
  const rows = await readBack(db, project.teamId, unique);
  const activeSet = await activeInProject(db, project, unique);
  return rows.map((row) => ({ row, active: activeSet.has(row.id) }));
}
