/** Who holds a name: the domain claims, read and written in single SQL statements so that no check can be split from its write. */
import { type SQL, type SQLWrapper, and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { domainClaims } from "../db/schema";

/** Whose names a certificate carries: a project's (its domain) or, with no project, the team's. */
export interface NameOwner {
  teamId: string;
  projectId: string | null;
}

/**
 * SQL subquery: the names of the JSON array `names` the team holds no claim for, in array order. A
 * name is held through its own claim or through the wildcard one label above it (RFC 6125 §6.4.3: `*`
 * stands for exactly one left-most label); a wildcard name only through its own claim (for `*.x` the
 * "label above" expression yields `*.x` itself). `teamId` and `names` may be bound values or columns.
 */
export function unheldNames(teamId: SQLWrapper | string, names: SQLWrapper | string): SQL {
  return sql`SELECT name.value AS name FROM json_each(${names}) AS name
    WHERE NOT EXISTS (
      SELECT 1 FROM domain_claims AS claim
      WHERE claim.team_id = ${teamId}
        AND claim.domain IN (name.value, '*.' || substr(name.value, instr(name.value, '.') + 1))
    )
    ORDER BY name.key`;
}

/**
 * SQL condition: the owner still holds every name. For a project's certificate the project must also
 * still exist and have that domain: a renamed or deleted project's old name may already be another team's.
 */
export function ownerHoldsNames(owner: NameOwner, names: readonly string[]): SQL {
  const team = sql`NOT EXISTS (${unheldNames(owner.teamId, JSON.stringify(names))})`;
  if (owner.projectId === null) return team;
  return sql`(${team} AND EXISTS (
    SELECT 1 FROM projects
    WHERE projects.id = ${owner.projectId} AND projects.team_id = ${owner.teamId} AND projects.domain = ${names[0] ?? null}
  ))`;
}

/** The first of `names` the team does not hold, or null when it holds them all. */
export async function firstUnheldName(db: Database, teamId: string, names: readonly string[]): Promise<string | null> {
  const rows = await db.all<{ name: string }>(sql`${unheldNames(teamId, JSON.stringify(names))} LIMIT 1`);
  return rows[0]?.name ?? null;
}

/** Whether the owner still holds every name (the read form of ownerHoldsNames). */
export async function ownerHolds(db: Database, owner: NameOwner, names: readonly string[]): Promise<boolean> {
  const rows = await db.all<{ held: number }>(sql`SELECT ${ownerHoldsNames(owner, names)} AS held`);
  return rows[0]?.held === 1;
}

/**
 * One statement that claims `domain` for the team unless another team holds a name it overlaps: the
 * name itself, the wildcard covering it, or (for a wildcard) a name exactly one label below its apex.
 * The overlap check and the insert are one INSERT … SELECT … WHERE NOT EXISTS, so two teams can never
 * both pass the check. The team's own earlier claim is left as it is (ON CONFLICT DO NOTHING).
 */
export function claimDomainStatement(db: Database, teamId: string, domain: string, now: number) {
  return db
    .insert(domainClaims)
    .select(sql`SELECT ${domain}, ${teamId}, ${now} WHERE NOT ${heldByAnotherTeam(teamId, domain)}`)
    .onConflictDoNothing();
}

/**
 * SQL condition: another team holds a name `domain` overlaps: the name itself, the wildcard covering it, or (for a
 * wildcard) a name exactly one label below its apex. What claimDomainStatement refuses on.
 */
export function heldByAnotherTeam(teamId: string, domain: string): SQL {
  const apex = domain.startsWith("*.") ? domain.slice(2) : null;
  // Normalized names hold only [a-z0-9-] and dots, so the apex has no LIKE wildcard (% or _) in it.
  const oneLabelBelow =
    apex === null
      ? sql`0`
      : sql`(held.domain LIKE ${`%.${apex}`} AND instr(substr(held.domain, 1, length(held.domain) - ${apex.length + 1}), '.') = 0)`;
  return sql`(EXISTS (
    SELECT 1 FROM domain_claims AS held
    WHERE held.team_id <> ${teamId}
      AND (held.domain IN (${domain}, '*.' || substr(${domain}, instr(${domain}, '.') + 1)) OR ${oneLabelBelow})
  ))`;
}

/** The team that holds `domain` exactly (a query for a batch, read after the claim statement). */
export function claimHolderQuery(db: Database, domain: string) {
  return db.select({ teamId: domainClaims.teamId }).from(domainClaims).where(eq(domainClaims.domain, domain));
}

/** SQL condition: the team's own claim on exactly `domain` is there. */
export function teamClaims(teamId: string, domain: string): SQL {
  return sql`EXISTS (SELECT 1 FROM domain_claims AS own WHERE own.domain = ${domain} AND own.team_id = ${teamId})`;
}

/** SQL condition: no project of the team uses `domain`, so the team may let the name go. */
export function noProjectUses(teamId: string, domain: string): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM projects WHERE projects.team_id = ${teamId} AND projects.domain = ${domain})`;
}

/** Releases the team's claim on `domain` unless one of its projects still uses it (a statement for a batch). */
export function releaseUnusedClaimStatement(db: Database, teamId: string, domain: string) {
  return db.delete(domainClaims).where(and(eq(domainClaims.domain, domain), eq(domainClaims.teamId, teamId), noProjectUses(teamId, domain)));
}
