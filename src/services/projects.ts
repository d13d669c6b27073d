/** Projects: a team's unit of work, holding at most one domain and one certificate (native API). */
import { and, asc, eq, ne, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { certificates, projects } from "../db/schema";
import { newId } from "../core/ids";
import { AppError } from "../core/errors";
import { claimDomainStatement, claimHolderQuery, heldByAnotherTeam, releaseUnusedClaimStatement, teamClaims, unheldNames } from "../store/domain-claims";
import { releaseUnusedVerificationStatement } from "../store/domain-verifications";
import type { CertificateRow } from "../store/certificates";
import { stopRenewalsOfReleasedNamesStatement } from "../store/released-names";
import type { Change, CommitChange } from "./change";
import { certificateOf } from "./certificates/lookup";
import { projectOwner } from "./certificates/owner";
import { claimableDomain, normalizeDomain, refusePublicSuffix } from "./domain-name";
import { pendingVerificationFor } from "./domain-verification";

/** DOMAIN_VERIFICATION: `required` holds a new domain pending until its TXT record is found; `off` claims it at once. */
export type VerificationMode = "required" | "off";

export type ProjectRow = typeof projects.$inferSelect;

/** A project of the team by id, or 404 (another team's project is indistinguishable from none). */
export async function getProject(db: Database, teamId: string, projectId: string): Promise<ProjectRow> {
  const row = await db.query.projects.findFirst({ where: and(eq(projects.id, projectId), eq(projects.teamId, teamId)) });
  if (!row) throw new AppError("not_found", `Project ${projectId} not found`);
  return row;
}

/**
 * A project of the team by id (404 as getProject) and, in the same statement, the first of `names` the team holds no
 * claim for (null when it holds them all): a check of a certificate against its project costs one D1 round trip.
 */
export async function getProjectWithUnheldName(
  db: Database,
  teamId: string,
  projectId: string,
  names: readonly string[],
): Promise<{ project: ProjectRow; unheld: string | null }> {
  const [row] = await db
    .select({ project: projects, unheld: sql<string | null>`(${unheldNames(teamId, JSON.stringify(names))} LIMIT 1)` })
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.teamId, teamId)))
    .limit(1);
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

const nameTaken = (name: string) => new AppError("conflict", `A project named "${name}" already exists`, { param: "name" });

/** A name is one team's at a time: otherwise one team could obtain certificates for another's name through the shared challenge route. */
const domainTaken = (domain: string) =>
  new AppError("domain_taken", `Domain ${domain} is already in use by another team`, { param: "domain" });

async function nameInUse(db: Database, teamId: string, name: string, exceptProjectId?: string): Promise<boolean> {
  const other = exceptProjectId === undefined ? undefined : ne(projects.id, exceptProjectId);
  return !!(await db.query.projects.findFirst({ where: and(eq(projects.teamId, teamId), eq(projects.name, name), other) }));
}

/**
 * The project row, inserted only where the team holds `domain` at that moment; a concurrent create of
 * the same name loses on the unique (team, name) index and inserts nothing.
 */
function insertProjectWhereClaimed(db: Database, row: ProjectRow & { domain: string }) {
  return db
    .insert(projects)
    .select(
      sql`SELECT ${row.id}, ${row.teamId}, ${row.name}, ${row.domain}, ${row.createdAt}, ${row.updatedAt}
        WHERE ${teamClaims(row.teamId, row.domain)}`,
    )
    .onConflictDoNothing()
    .returning({ id: projects.id });
}

/**
 * The project row, inserted only where no other team holds a name its domain overlaps (verification required: a
 * verified claim is exclusive, pending ones are not); a concurrent create of the same name inserts nothing.
 */
function insertProjectWhereFree(db: Database, row: ProjectRow & { domain: string }) {
  return db
    .insert(projects)
    .select(
      sql`SELECT ${row.id}, ${row.teamId}, ${row.name}, ${row.domain}, ${row.createdAt}, ${row.updatedAt}
        WHERE NOT ${heldByAnotherTeam(row.teamId, row.domain)}`,
    )
    .onConflictDoNothing()
    .returning({ id: projects.id });
}

/** Whether another team holds a name `domain` overlaps (read after a refused write, to say which rule refused it). */
async function takenByAnotherTeam(db: Database, teamId: string, domain: string): Promise<boolean> {
  const [row] = await db.all<{ taken: number }>(sql`SELECT ${heldByAnotherTeam(teamId, domain)} AS taken`);
  return row?.taken === 1;
}

/** What a project's audit row says about it. */
const projectDetail = (row: Pick<ProjectRow, "name" | "domain">) => ({ name: row.name, domain: row.domain });

/** SQL: the project `id` is there as this change wrote it (the audit row of a change that may not happen). */
const projectWritten = (id: string, updatedAt: number) => sql`EXISTS (SELECT 1 FROM projects WHERE id = ${id} AND updated_at = ${updatedAt})`;

/**
 * Creates the project, with its audit row only when it was created (`commit`: the edge's audited commit). With
 * `verification` required the domain is not claimed: the team gets a pending verification of it instead
 * (services/domain-verification.ts), and only another team's claim refuses the name.
 */
export async function createProject(
  db: Database,
  teamId: string,
  input: { name: string; domain?: string | null },
  now: number,
  commit: CommitChange,
  verification: VerificationMode = "off",
) {
  const domain = input.domain == null ? null : claimableDomain(input.domain);
  if (await nameInUse(db, teamId, input.name)) throw nameTaken(input.name);
  const row: ProjectRow = { id: newId("prj"), teamId, name: input.name, domain, createdAt: now, updatedAt: now };
  const change = { teamId, target: row.id, detail: projectDetail(row), recordIf: { holds: projectWritten(row.id, now), checked: "after" as const } };
  if (row.domain === null) {
    const [stored] = (await commit({ ...change, statements: [db.insert(projects).values(row).onConflictDoNothing().returning({ id: projects.id })] })) as [unknown[]];
    if (stored.length === 0) throw nameTaken(input.name);
    return row;
  }
  if (verification === "required") {
    // One D1 batch: the project where no other team holds the name, the team's pending verification (with a new
    // token unless it has one or holds the name already), dropped again when the insert lost a race on the name.
    const statements = [
      insertProjectWhereFree(db, { ...row, domain: row.domain }),
      pendingVerificationFor(db, teamId, row.domain, now),
      releaseUnusedVerificationStatement(db, teamId, row.domain),
    ];
    const [inserted] = (await commit({ ...change, statements })) as [unknown[]];
    if (inserted.length > 0) return row;
    if (await takenByAnotherTeam(db, teamId, row.domain)) throw domainTaken(row.domain);
    throw nameTaken(input.name);
  }
  // One D1 batch, one transaction: the claim (its overlap check and insert are one statement), the
  // project only where the claim is the team's, and the claim released again when no project uses it
  // (the insert lost a race on the name), so a failed create leaves nothing claimed.
  const statements = [
    claimDomainStatement(db, teamId, row.domain, now),
    claimHolderQuery(db, row.domain),
    insertProjectWhereClaimed(db, { ...row, domain: row.domain }),
    releaseUnusedClaimStatement(db, teamId, row.domain),
  ];
  const [, holder, inserted] = (await commit({ ...change, statements })) as [unknown, { teamId: string }[], unknown[]];
  if (holder[0]?.teamId !== teamId) throw domainTaken(row.domain);
  if (inserted.length === 0) throw nameTaken(input.name);
  return row;
}

/** A rename that lost a race on the unique (team, name) index is a 409, not a 500. */
async function asNameConflict<T>(db: Database, teamId: string, projectId: string, name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (name !== undefined && (await nameInUse(db, teamId, name, projectId))) throw nameTaken(name);
    throw error;
  }
}

const removeCertificateFirst = () =>
  new AppError("conflict", "Remove the project's certificate before changing its domain", { param: "domain" });

export async function updateProject(
  db: Database,
  teamId: string,
  projectId: string,
  input: { name?: string; domain?: string | null },
  now: number,
  commit: CommitChange,
  verification: VerificationMode = "off",
) {
  const current = await getProject(db, teamId, projectId);
  const changes: { name?: string; domain?: string | null; updatedAt: number } = { updatedAt: now };
  if (input.name !== undefined && input.name !== current.name) {
    if (await nameInUse(db, teamId, input.name)) throw nameTaken(input.name);
    changes.name = input.name;
  }
  if (input.domain !== undefined) {
    const domain = input.domain === null ? null : normalizeDomain(input.domain);
    if (domain !== current.domain) {
      // Only a new claim is judged: a name the project already has is not claimed again.
      if (domain !== null) refusePublicSuffix(domain);
      if (await certificateOf(db, projectOwner(current))) throw removeCertificateFirst();
      changes.domain = domain;
    }
  }
  const updated = { ...current, ...changes } as ProjectRow;
  const audited: Audited = { commit, detail: { from: projectDetail(current), to: projectDetail(updated) } };
  const mine = and(eq(projects.id, projectId), eq(projects.teamId, teamId));
  if (changes.domain === undefined) {
    const rename = db.update(projects).set(changes).where(mine);
    await asNameConflict(db, teamId, projectId, changes.name, () => commit({ teamId, statements: [rename], target: projectId, detail: audited.detail }));
    return updated;
  }
  await moveDomain(db, current, { ...changes, domain: changes.domain }, now, audited, verification);
  return updated;
}

/** How a change of a project is recorded: the edge's audited commit, and what its row says. */
type Audited = { commit: CommitChange; detail: Record<string, unknown> };

type DomainChange = { name?: string; domain: string | null; updatedAt: number };

/**
 * Moves the project to `change.domain` in one D1 batch (one transaction): claim the new name (its
 * overlap check and insert are one statement), move the project only if it still has the domain it was
 * read with, no certificate (one may have been obtained meanwhile) and the team's claim on the new name;
 * then release whichever name no project of the team uses any more (the new one too, when the move did
 * not happen) and stop renewing every certificate of the team that carries a released name. The audit row is
 * written only when the project moved. With `verification` required the new name is not claimed: the project moves
 * unless another team holds it, and the team gets a pending verification of it (its pending one of the old name goes).
 */
async function moveDomain(
  db: Database,
  current: ProjectRow,
  change: DomainChange,
  now: number,
  { commit, detail }: Audited,
  verification: VerificationMode,
): Promise<void> {
  const { teamId, id: projectId } = current;
  const next = change.domain;
  const move = db
    .update(projects)
    .set(change)
    .where(
      and(
        eq(projects.id, projectId),
        eq(projects.teamId, teamId),
        sql`${projects.domain} IS ${current.domain}`,
        sql`NOT EXISTS (SELECT 1 FROM certificates WHERE certificates.project_id = ${projectId})`,
        next === null
          ? undefined
          : verification === "required"
            ? sql`NOT ${heldByAnotherTeam(teamId, next)}`
            : teamClaims(teamId, next),
      ),
    )
    .returning({ id: projects.id });
  const releaseOld =
    current.domain === null
      ? []
      : [releaseUnusedClaimStatement(db, teamId, current.domain), ...(verification === "required" ? [releaseUnusedVerificationStatement(db, teamId, current.domain)] : [])];
  const stop = stopRenewalsOfReleasedNamesStatement(db, teamId, now);
  const moved = sql`EXISTS (SELECT 1 FROM projects WHERE id = ${projectId} AND updated_at = ${change.updatedAt} AND domain IS ${next})`;
  const audited = (statements: Change["statements"]) => commit({ teamId, statements, target: projectId, detail, recordIf: { holds: moved, checked: "after" } });
  let movedRows: { id: string }[];
  if (next !== null && verification === "required") {
    // No claim: the team's pending verification of the new name (dropped again when the move did not happen).
    const pending = [pendingVerificationFor(db, teamId, next, now), releaseUnusedVerificationStatement(db, teamId, next)];
    [movedRows] = (await asNameConflict(db, teamId, projectId, change.name, () => audited([move, ...pending, ...releaseOld, stop]))) as [{ id: string }[]];
    if (movedRows.length === 0 && (await takenByAnotherTeam(db, teamId, next))) throw domainTaken(next);
  } else if (next === null) {
    [movedRows] = (await asNameConflict(db, teamId, projectId, change.name, () => audited([move, ...releaseOld, stop]))) as [{ id: string }[]];
  } else {
    let holder: { teamId: string }[];
    [, holder, movedRows] = (await asNameConflict(db, teamId, projectId, change.name, () =>
      audited([claimDomainStatement(db, teamId, next, now), claimHolderQuery(db, next), move, releaseUnusedClaimStatement(db, teamId, next), ...releaseOld, stop]),
    )) as [unknown, { teamId: string }[], { id: string }[]];
    if (holder[0]?.teamId !== teamId) throw domainTaken(next);
  }
  if (movedRows.length > 0) return;
  // Changed between the read and the batch: say which rule stopped it.
  if (await certificateOf(db, projectOwner(current))) throw removeCertificateFirst();
  await getProject(db, teamId, projectId);
  throw new AppError("conflict", "The project was changed by another request at the same time: read it again and retry");
}

/** Deletes the project with its audit row; answers the certificates deleted with it (for their `certificate.deleted` events). */
export async function deleteProject(db: Database, teamId: string, projectId: string, now: number, commit: CommitChange): Promise<CertificateRow[]> {
  const current = await getProject(db, teamId, projectId);
  const released =
    current.domain === null
      ? []
      : [
          releaseUnusedClaimStatement(db, teamId, current.domain),
          // The team's pending verification of the name goes too (none when verification is off).
          releaseUnusedVerificationStatement(db, teamId, current.domain),
          stopRenewalsOfReleasedNamesStatement(db, teamId, now),
        ];
  // Certificates, client certificates and activations go with the project (ON DELETE CASCADE); the
  // claim goes when no other project of the team uses the name, and with it every renewal of that name.
  const statements = [
    db.delete(certificates).where(eq(certificates.projectId, projectId)).returning(),
    db.delete(projects).where(and(eq(projects.id, projectId), eq(projects.teamId, teamId))),
    ...released,
  ];
  const [removed] = (await commit({ teamId, statements, target: projectId, detail: projectDetail(current) })) as [CertificateRow[]];
  return removed;
}
