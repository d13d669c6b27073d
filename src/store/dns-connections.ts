/**
 * Saved DNS connections: a team's DNS provider credentials, sealed, named once and used by DNS-01 certificates by id.
 * A connection in use by a certificate is not deleted: the delete's statement checks it, so a certificate stored while
 * the delete was being decided still holds it back.
 */
import { and, desc, eq, lt, ne, or, sql } from "drizzle-orm";
import { seal, unseal, type SealingKeys } from "../crypto/sealing";
import type { Database } from "../db/client";
import { selectValues } from "../db/select-values";
import { certificates, dnsConnections } from "../db/schema";
import { pageOf, type PageCursor } from "./certificate-authorities";

export type DnsConnectionRow = typeof dnsConnections.$inferSelect;

/** The associated data the credentials are sealed with: a sealed value moved to another row or column does not open. */
export const dnsConnectionAad = (connectionId: string) => `${connectionId}:dns-connection`;

export function sealDnsConnectionCredentials(keys: SealingKeys, connectionId: string, credentials: Record<string, unknown>): Promise<string> {
  return seal(keys, JSON.stringify(credentials), dnsConnectionAad(connectionId));
}

export async function openDnsConnectionCredentials(keys: SealingKeys, row: Pick<DnsConnectionRow, "id" | "sealedCredentials">): Promise<Record<string, unknown>> {
  return JSON.parse(await unseal(keys, row.sealedCredentials, dnsConnectionAad(row.id))) as Record<string, unknown>;
}

/**
 * The insert, made only while the team has fewer than `max` connections (the count and the write are one statement);
 * a concurrent insert of the same name loses on the unique (team, name) index and inserts nothing.
 */
export function insertDnsConnectionUnder(db: Database, row: DnsConnectionRow, max: number) {
  return db
    .insert(dnsConnections)
    .select(sql`SELECT ${selectValues(dnsConnections, row)} WHERE (SELECT count(*) FROM dns_connections WHERE team_id = ${row.teamId}) < ${max}`)
    .onConflictDoNothing()
    .returning({ id: dnsConnections.id });
}

/** SQL: connection `id` is stored as written at `updatedAt` (the audit row of a create or rotation that may not happen). */
export const dnsConnectionWritten = (id: string, updatedAt: number) => sql`EXISTS (SELECT 1 FROM dns_connections WHERE id = ${id} AND updated_at = ${updatedAt})`;

export async function dnsConnectionOf(db: Database, teamId: string, id: string): Promise<DnsConnectionRow | null> {
  return (await db.query.dnsConnections.findFirst({ where: and(eq(dnsConnections.id, id), eq(dnsConnections.teamId, teamId)) })) ?? null;
}

/** Whether another of the team's connections (not `exceptId`) is called `name`. */
export async function dnsConnectionNameTaken(db: Database, teamId: string, name: string, exceptId?: string): Promise<boolean> {
  const other = exceptId === undefined ? undefined : ne(dnsConnections.id, exceptId);
  return !!(await db.query.dnsConnections.findFirst({ where: and(eq(dnsConnections.teamId, teamId), eq(dnsConnections.name, name), other), columns: { id: true } }));
}

/** One page of the team's connections, newest first (the cursor as GET /api/v1/cas pages). */
export async function dnsConnectionPage(db: Database, teamId: string, { limit, before }: { limit: number; before?: PageCursor }) {
  const table = dnsConnections;
  const older = before ? or(lt(table.createdAt, before.createdAt), and(eq(table.createdAt, before.createdAt), lt(table.id, before.id))) : undefined;
  const rows = await db.select().from(table).where(and(eq(table.teamId, teamId), older)).orderBy(desc(table.createdAt), desc(table.id)).limit(limit + 1);
  return pageOf(rows, limit);
}

type ConnectionChanges = Partial<Pick<DnsConnectionRow, "name" | "sealedCredentials" | "zones">>;

export function updateDnsConnectionStatement(db: Database, teamId: string, id: string, changes: ConnectionChanges, at: number) {
  return db
    .update(dnsConnections)
    .set({ ...changes, updatedAt: at })
    .where(and(eq(dnsConnections.id, id), eq(dnsConnections.teamId, teamId)))
    .returning();
}

/** SQL: no certificate uses connection `id`. */
export const dnsConnectionUnused = (id: string) => sql`NOT EXISTS (SELECT 1 FROM certificates WHERE dns_connection_id = ${id})`;

/** SQL: connection `id` is there and no certificate uses it (the audit row of a delete, read before it). */
export const dnsConnectionDeletable = (id: string) => sql`EXISTS (SELECT 1 FROM dns_connections WHERE id = ${id}) AND ${dnsConnectionUnused(id)}`;

/** Deletes the connection only while no certificate uses it (one statement: a certificate stored meanwhile wins). */
export function deleteUnusedDnsConnectionStatement(db: Database, teamId: string, id: string) {
  return db
    .delete(dnsConnections)
    .where(and(eq(dnsConnections.id, id), eq(dnsConnections.teamId, teamId), dnsConnectionUnused(id)))
    .returning({ id: dnsConnections.id });
}

/** Up to `limit` certificates that use connection `id` (for the refusal's message), and how many there are. */
export async function certificatesUsingDnsConnection(db: Database, teamId: string, id: string, limit = 5) {
  const where = and(eq(certificates.teamId, teamId), eq(certificates.dnsConnectionId, id));
  const [rows, [count]] = await Promise.all([
    db.select({ id: certificates.id, domain: certificates.domain, projectId: certificates.projectId }).from(certificates).where(where).limit(limit),
    db.select({ n: sql<number>`count(*)` }).from(certificates).where(where),
  ]);
  return { rows, total: count?.n ?? 0 };
}
