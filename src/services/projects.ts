/** Projects: a team's unit of work, holding at most one domain and one certificate (native API). */
import { and, asc, eq, inArray, like, ne, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { certificates, domainClaims, projects } from "../db/schema";
import { newId } from "../core/ids";
import { AppError } from "../core/errors";
import { certificateOf } from "./certificates/lookup";
import { projectOwner } from "./certificates/owner";
import { coveringNames, normalizeDomain } from "./domain-name";

export type ProjectRow = typeof projects.$inferSelect;

/** A project of the team by id, or 404 (another team's project is indistinguishable from none). */
export async function getProject(db: Database, teamId: string, projectId: string): Promise<ProjectRow> {
  const row = await db.query.projects.findFirst({ where: and(eq(projects.id, projectId), eq(projects.teamId, teamId)) });
  if (!row) throw new AppError("not_found", `Project ${projectId} not found`);
  return row;
}

/** A project of the team by id or by name (Vercel's `idOrName`). */
export async function getProjectByIdOrName(db: Database, teamId: string, idOrName: string): Promise<ProjectRow> {
  const row = await db.query.projects.findFirst({
    where: and(eq(projects.teamId, teamId), sql`(${projects.id} = ${idOrName} OR ${projects.name} = ${idOrName})`),
  });
  if (!row) throw new AppError("not_found", `Project ${idOrName} not found`);
  return row;
}

export async function listProjects(db: Database, teamId: string): Promise<ProjectRow[]> {
  return db.select().from(projects).where(eq(projects.teamId, teamId)).orderBy(asc(projects.createdAt));
}

/**
 * Claims `domain` for the team. Refused when another team holds the name or a wildcard covering
 * it (or, for a wildcard, any name it covers): otherwise one team could obtain certificates for
 * another's name through the shared challenge route.
 */
export async function claimDomain(db: Database, teamId: string, domain: string, now: number): Promise<void> {
  const taken = () =>
    new AppError("domain_taken", `Domain ${domain} is already in use by another team`, { param: "domain" });
  const conflicts = await db
    .select({ domain: domainClaims.domain })
    .from(domainClaims)
    .where(and(inArray(domainClaims.domain, coveringNames(domain)), ne(domainClaims.teamId, teamId)))
    .limit(1);
  if (conflicts.length > 0) throw taken();
  if (domain.startsWith("*.")) {
    const apex = domain.slice(2);
    const children = await db
      .select({ domain: domainClaims.domain })
      .from(domainClaims)
      .where(and(like(domainClaims.domain, `%.${apex}`), ne(domainClaims.teamId, teamId)));
    // Only names exactly one label below the apex are covered by the wildcard.
    if (children.some((c) => c.domain.split(".").length === apex.split(".").length + 1)) throw taken();
  }
  await db.insert(domainClaims).values({ domain, teamId, createdAt: now }).onConflictDoNothing();
  const holder = await db.query.domainClaims.findFirst({ where: eq(domainClaims.domain, domain) });
  if (holder?.teamId !== teamId) throw taken();
}

/** Releases the team's claim on `domain` when none of its projects uses it any more. */
async function releaseDomainIfUnused(db: Database, teamId: string, domain: string): Promise<void> {
  const stillUsed = await db.query.projects.findFirst({ where: and(eq(projects.teamId, teamId), eq(projects.domain, domain)) });
  if (!stillUsed) {
    await db.delete(domainClaims).where(and(eq(domainClaims.domain, domain), eq(domainClaims.teamId, teamId)));
  }
}

/** Whether the team holds `domain` (exactly, or through a claimed wildcard for a one-label-deeper name). */
export async function teamHoldsDomain(db: Database, teamId: string, domain: string): Promise<boolean> {
  const rows = await db
    .select({ domain: domainClaims.domain })
    .from(domainClaims)
    .where(and(eq(domainClaims.teamId, teamId), inArray(domainClaims.domain, coveringNames(domain))));
  return rows.length > 0;
}

const nameTaken = (name: string) => new AppError("conflict", `A project named "${name}" already exists`, { param: "name" });

export async function createProject(db: Database, teamId: string, input: { name: string; domain?: string | null }, now: number) {
  const domain = input.domain == null ? null : normalizeDomain(input.domain);
  const clash = await db.query.projects.findFirst({ where: and(eq(projects.teamId, teamId), eq(projects.name, input.name)) });
  if (clash) throw nameTaken(input.name);
  if (domain) await claimDomain(db, teamId, domain, now);
  const row: ProjectRow = { id: newId("prj"), teamId, name: input.name, domain, createdAt: now, updatedAt: now };
  let stored = false;
  try {
    // A concurrent create of the same name loses on the unique (team, name) index: no row comes back.
    stored = (await db.insert(projects).values(row).onConflictDoNothing().returning({ id: projects.id })).length > 0;
  } finally {
    // Nothing stays claimed for a project that was not created.
    if (!stored && domain) await releaseDomainIfUnused(db, teamId, domain);
  }
  if (!stored) throw nameTaken(input.name);
  return row;
}

export async function updateProject(
  db: Database,
  teamId: string,
  projectId: string,
  input: { name?: string; domain?: string | null },
  now: number,
) {
  const current = await getProject(db, teamId, projectId);
  const changes: Partial<ProjectRow> = { updatedAt: now };
  if (input.name !== undefined && input.name !== current.name) {
    const clash = await db.query.projects.findFirst({ where: and(eq(projects.teamId, teamId), eq(projects.name, input.name)) });
    if (clash) throw nameTaken(input.name);
    changes.name = input.name;
  }
  if (input.domain !== undefined) {
    const domain = input.domain === null ? null : normalizeDomain(input.domain);
    if (domain !== current.domain) {
      if (await certificateOf(db, projectOwner(current))) {
        throw new AppError("conflict", "Remove the project's certificate before changing its domain", { param: "domain" });
      }
      if (domain) await claimDomain(db, teamId, domain, now);
      changes.domain = domain;
    }
  }
  await db.update(projects).set(changes).where(eq(projects.id, projectId));
  if (changes.domain !== undefined && current.domain) await releaseDomainIfUnused(db, teamId, current.domain);
  return { ...current, ...changes } as ProjectRow;
}

export async function deleteProject(db: Database, teamId: string, projectId: string): Promise<void> {
  const current = await getProject(db, teamId, projectId);
  // Certificates, client certificates and activations go with the project (ON DELETE CASCADE).
  await db.batch([
    db.delete(certificates).where(eq(certificates.projectId, projectId)),
    db.delete(projects).where(eq(projects.id, projectId)),
  ]);
  if (current.domain) await releaseDomainIfUnused(db, teamId, current.domain);
}
