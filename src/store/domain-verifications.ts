/**
 * Pending proofs of control (DOMAIN_VERIFICATION=required): the rows of domain_verifications, one per (name, team),
 * each with the token the team must publish. The claim itself stays in domain_claims (store/domain-claims.ts): a
 * verification row never lets a team hold anything.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { domainClaims, domainVerifications, projects } from "../db/schema";
import { bytesToHex } from "../crypto/encoding";
import { heldByAnotherTeam, noProjectUses, teamClaims, unheldNames } from "./domain-claims";

/** A new token: 160 random bits, hex (crypto.getRandomValues, the Web Crypto API's CSPRNG). */
export function newVerificationToken(): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(20)));
}

/** SQL condition: the team holds `domain` (its own claim, or the wildcard one label above it). */
export function teamHolds(teamId: string, domain: string) {
  return sql`(NOT EXISTS (${unheldNames(teamId, JSON.stringify([domain]))}))`;
}

/**
 * One statement: a pending verification of `domain` for the team with `token`, unless the team holds the name already
 * or has a pending row for it (then that row, and its token, stay as they are).
 */
export function pendingVerificationStatement(db: Database, teamId: string, domain: string, token: string, now: number) {
  return db
    .insert(domainVerifications)
    .select(sql`SELECT ${domain}, ${teamId}, ${token}, ${now}, NULL WHERE EXISTS (${unheldNames(teamId, JSON.stringify([domain]))})`)
    .onConflictDoNothing();
}

/** Deletes the team's pending verification of `domain` unless one of its projects still uses the name (a statement for a batch). */
export function releaseUnusedVerificationStatement(db: Database, teamId: string, domain: string) {
  return db
    .delete(domainVerifications)
    .where(and(eq(domainVerifications.domain, domain), eq(domainVerifications.teamId, teamId), noProjectUses(teamId, domain)));
}

/** Where a team stands on `domain`, read in one statement. */
export interface VerificationState {
  /** The team holds the name (a verified claim, or one made before verification was required). */
  held: boolean;
  /** Another team holds a name it overlaps. */
  taken: boolean;
  token: string | null;
  checkedAt: number | null;
}

export async function verificationState(db: Database, teamId: string, domain: string): Promise<VerificationState> {
  const [row] = await db.all<{ held: number; taken: number; token: string | null; checked_at: number | null }>(sql`
    SELECT ${teamHolds(teamId, domain)} AS held, ${heldByAnotherTeam(teamId, domain)} AS taken,
      v.token AS token, v.checked_at AS checked_at
    FROM (SELECT 1) LEFT JOIN domain_verifications AS v ON v.domain = ${domain} AND v.team_id = ${teamId}`);
  return { held: row?.held === 1, taken: row?.taken === 1, token: row?.token ?? null, checkedAt: row?.checked_at ?? null };
}

/** Records a DNS lookup of the team's pending verification (a statement for a batch). */
export function markCheckedStatement(db: Database, teamId: string, domain: string, now: number) {
  return db
    .update(domainVerifications)
    .set({ checkedAt: now })
    .where(and(eq(domainVerifications.domain, domain), eq(domainVerifications.teamId, teamId)));
}

/**
 * Up to `limit` pending verifications worth a lookup: the team does not hold the name and no other team does, least
 * recently checked first (never checked before all).
 */
export async function duePendingVerifications(db: Database, limit: number) {
  const v = domainVerifications;
  return db
    .select({ domain: v.domain, teamId: v.teamId, token: v.token })
    .from(v)
    .where(
      sql`NOT EXISTS (SELECT 1 FROM domain_claims AS mine WHERE mine.team_id = ${v.teamId}
          AND mine.domain IN (${v.domain}, '*.' || substr(${v.domain}, instr(${v.domain}, '.') + 1)))
        AND NOT EXISTS (SELECT 1 FROM domain_claims AS other WHERE other.team_id <> ${v.teamId}
          AND other.domain IN (${v.domain}, '*.' || substr(${v.domain}, instr(${v.domain}, '.') + 1)))`,
    )
    .orderBy(sql`${v.checkedAt} IS NOT NULL`, asc(v.checkedAt), asc(v.createdAt))
    .limit(limit);
}

/**
 * The statements of an operator's revocation of the team's claim on `domain`, for one batch: the team's old token
 * goes (a record still carrying it proves nothing new) while the claim is there to be revoked, then the claim (its
 * row returned: none when it went meanwhile), then each project of the team using the name waits on a fresh token as
 * a new domain does (a token the team still has stays), and last the projects so left pending.
 */
export function revokeClaimStatements(db: Database, teamId: string, domain: string, token: string, now: number) {
  return [
    db
      .delete(domainVerifications)
      .where(
        and(eq(domainVerifications.domain, domain), eq(domainVerifications.teamId, teamId), teamClaims(teamId, domain)),
      ),
    db.delete(domainClaims).where(and(eq(domainClaims.domain, domain), eq(domainClaims.teamId, teamId))).returning({ teamId: domainClaims.teamId }),
    db
      .insert(domainVerifications)
      .select(
        sql`SELECT ${domain}, ${teamId}, ${token}, ${now}, NULL
          WHERE EXISTS (${unheldNames(teamId, JSON.stringify([domain]))}) AND NOT ${noProjectUses(teamId, domain)}`,
      )
      .onConflictDoNothing(),
    db.select({ id: projects.id }).from(projects).where(and(eq(projects.teamId, teamId), eq(projects.domain, domain))).orderBy(asc(projects.id)),
  ] as const;
}
