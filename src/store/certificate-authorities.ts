/** A team's certificate authorities: rows with their key sealed, pages, and the CRL kept beside each CA. */
import { type SQL, and, desc, eq, lt, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { preparedPer } from "../db/prepared";
import { certificateAuthorities } from "../db/schema";
import { selectValues } from "../db/select-values";

export type CertificateAuthorityRow = typeof certificateAuthorities.$inferSelect;

const table = certificateAuthorities;

/** Where a page ends: the last row's creation time, and its id for rows of the same millisecond. */
export interface PageCursor {
  createdAt: number;
  id: string;
}

// Read by every issuance (the API's and the ACME server's newOrder, finalize and download), so prepared once.
const teamCaQuery = preparedPer((db) => db.select().from(table).where(and(eq(table.teamId, sql.placeholder("teamId")), eq(table.id, sql.placeholder("id")))).limit(1).prepare());

/** The team's CA `id`, or undefined (another team's is not found either). */
export async function findTeamCa(db: Database, teamId: string, id: string): Promise<CertificateAuthorityRow | undefined> {
  return teamCaQuery(db).get({ teamId, id });
}

/** Any team's CA by id: for the public routes, which name the CA and nothing else. */
export async function findCaById(db: Database, id: string): Promise<CertificateAuthorityRow | undefined> {
  return db.query.certificateAuthorities.findFirst({ where: eq(table.id, id) });
}

/** Whether the team has a CA of this name (names are unique per team). */
export async function caNameTaken(db: Database, teamId: string, name: string): Promise<boolean> {
  return (await db.query.certificateAuthorities.findFirst({ where: and(eq(table.teamId, teamId), eq(table.name, name)), columns: { id: true } })) !== undefined;
}

/** One page of the team's CAs, newest first, through certificate_authorities_team_idx; `limit + 1` rows tell if more follow. */
export async function teamCaPage(db: Database, teamId: string, { limit, before }: { limit: number; before?: PageCursor }) {
  const older = before ? or(lt(table.createdAt, before.createdAt), and(eq(table.createdAt, before.createdAt), lt(table.id, before.id))) : undefined;
  const rows = await db.select().from(table).where(and(eq(table.teamId, teamId), older)).orderBy(desc(table.createdAt), desc(table.id)).limit(limit + 1);
  return pageOf(rows, limit);
}

/** The first `limit` rows, and where the next page starts when there was one more. */
export function pageOf<Row extends PageCursor>(rows: Row[], limit: number): { rows: Row[]; next: PageCursor | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

/** Inserts the CA only while the team has fewer than `maxCas` (one statement: two creates cannot both take the last place). */
export function insertCaStatement(db: Database, row: CertificateAuthorityRow, maxCas: number) {
  return db
    .insert(table)
    .select(sql`SELECT ${selectValues(table, row)} WHERE (SELECT count(*) FROM certificate_authorities WHERE team_id = ${row.teamId}) < ${maxCas}`)
    .returning({ id: table.id });
}

/** SQL: CA `id` is stored. */
export const caThere = (id: string) => sql`EXISTS (SELECT 1 FROM certificate_authorities WHERE id = ${id})`;

/** Disables an active CA of the team (no further issuance; its CRL stays served and re-signed). */
export function disableCaStatement(db: Database, teamId: string, id: string, now: number) {
  return db
    .update(table)
    .set({ status: "disabled", updatedAt: now })
    .where(and(eq(table.teamId, teamId), eq(table.id, id), eq(table.status, "active")))
    .returning();
}

/** A newly signed CRL for the CA, only over the number it was signed after: of two signers, one wins, and numbers only rise. */
export function crlUpdateStatement(
  db: Database,
  id: string,
  previousNumber: number,
  crl: { number: number; der: string; thisUpdate: number; nextUpdate: number },
  when?: SQL,
) {
  return db
    .update(table)
    .set({ crlNumber: crl.number, crlDer: crl.der, crlThisUpdate: crl.thisUpdate, crlNextUpdate: crl.nextUpdate })
    .where(and(eq(table.id, id), eq(table.crlNumber, previousNumber), when))
    .returning({ id: table.id });
}

/** SQL: the CA's CRL carries cRLNumber `number` (the one a batch just wrote). */
export const crlNumberIs = (id: string, number: number) => sql`EXISTS (SELECT 1 FROM certificate_authorities WHERE id = ${id} AND crl_number = ${number})`;

/** CAs whose CRL is due to be re-signed by `dueBy` and that can still sign (not past their own notAfter), oldest first. */
export async function casWithCrlDue(db: Database, dueBy: number, now: number, limit: number): Promise<CertificateAuthorityRow[]> {
  return db
    .select()
    .from(table)
    .where(and(lte(table.crlNextUpdate, dueBy), sql`${table.notAfter} > ${now}`))
    .orderBy(table.crlNextUpdate)
    .limit(limit);
}
