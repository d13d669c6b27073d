/** ACME server directories and their EAB keys: rows scoped to a team, soft-deleted directories, sealed HMAC keys. */
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { seal, unseal, type SealingKeys } from "../crypto/sealing";
import type { Database } from "../db/client";
import { preparedPer } from "../db/prepared";
import { acmeDirectories, acmeEabKeys } from "../db/schema";
import { pageOf, type PageCursor } from "./certificate-authorities";

export type AcmeDirectoryRow = typeof acmeDirectories.$inferSelect;
export type AcmeEabKeyRow = typeof acmeEabKeys.$inferSelect;

/** The associated data an HMAC key is sealed with: a sealed value moved to another row or column does not open. */
export const eabAad = (keyId: string) => `${keyId}:acme-eab`;

export const sealEabKey = (keys: SealingKeys, keyId: string, hmacKey: string) => seal(keys, hmacKey, eabAad(keyId));
export const openEabKey = (keys: SealingKeys, row: Pick<AcmeEabKeyRow, "id" | "sealedHmacKey">) => unseal(keys, row.sealedHmacKey, eabAad(row.id));

/** The team's directory `id`, deleted or not (another team's is undefined). */
export async function teamDirectory(db: Database, teamId: string, id: string): Promise<AcmeDirectoryRow | undefined> {
  return db.query.acmeDirectories.findFirst({ where: and(eq(acmeDirectories.id, id), eq(acmeDirectories.teamId, teamId)) });
}

const directoryQuery = preparedPer((db) => db.select().from(acmeDirectories).where(eq(acmeDirectories.id, sql.placeholder("id"))).limit(1).prepare());

/** Directory `id` as the protocol reaches it (by its URL alone), deleted or not: on every ACME request, so prepared once. */
export async function directoryById(db: Database, id: string): Promise<AcmeDirectoryRow | undefined> {
  return directoryQuery(db).get({ id });
}

/** One page of the team's directories in use, newest first. */
export async function directoryPage(db: Database, teamId: string, { limit, before }: { limit: number; before?: PageCursor }) {
  const t = acmeDirectories;
  const older = before ? or(lt(t.createdAt, before.createdAt), and(eq(t.createdAt, before.createdAt), lt(t.id, before.id))) : undefined;
  const rows = await db.select().from(t).where(and(eq(t.teamId, teamId), isNull(t.deletedAt), older)).orderBy(desc(t.createdAt), desc(t.id)).limit(limit + 1);
  return pageOf(rows, limit);
}

/** Inserts the directory unless the team has another in use of that name (the partial unique index). */
export function insertDirectoryStatement(db: Database, row: AcmeDirectoryRow) {
  return db.insert(acmeDirectories).values(row).onConflictDoNothing().returning({ id: acmeDirectories.id });
}

export const directoryThere = (id: string) => sql`EXISTS (SELECT 1 FROM acme_directories WHERE id = ${id} AND deleted_at IS NULL)`;

/** Marks the directory deleted, only while it is in use. */
export function deleteDirectoryStatement(db: Database, id: string, at: number) {
  return db.update(acmeDirectories).set({ deletedAt: at }).where(and(eq(acmeDirectories.id, id), isNull(acmeDirectories.deletedAt))).returning({ id: acmeDirectories.id });
}

export function insertEabKeyStatement(db: Database, row: AcmeEabKeyRow) {
  return db.insert(acmeEabKeys).values(row).returning({ id: acmeEabKeys.id });
}

export async function eabKeysOf(db: Database, directoryId: string): Promise<AcmeEabKeyRow[]> {
  return db.select().from(acmeEabKeys).where(eq(acmeEabKeys.directoryId, directoryId)).orderBy(desc(acmeEabKeys.createdAt), desc(acmeEabKeys.id)).limit(1000);
}

const eabKeyQuery = preparedPer((db) =>
  db.select().from(acmeEabKeys).where(and(eq(acmeEabKeys.directoryId, sql.placeholder("directoryId")), eq(acmeEabKeys.id, sql.placeholder("id")))).limit(1).prepare(),
);

export async function eabKeyOf(db: Database, directoryId: string, id: string): Promise<AcmeEabKeyRow | undefined> {
  return eabKeyQuery(db).get({ directoryId, id });
}

/** Revokes the key, only while it is not revoked. */
export function revokeEabKeyStatement(db: Database, id: string, at: number) {
  return db.update(acmeEabKeys).set({ revokedAt: at }).where(and(eq(acmeEabKeys.id, id), isNull(acmeEabKeys.revokedAt))).returning();
}

export const eabKeyRevokedAt = (id: string, at: number) => sql`EXISTS (SELECT 1 FROM acme_eab_keys WHERE id = ${id} AND revoked_at = ${at})`;
