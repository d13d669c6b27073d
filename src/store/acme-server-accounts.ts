/** Accounts of the ACME server: one per key and directory, created in the same batch that binds its EAB key. */
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { preparedPer } from "../db/prepared";
import { acmeEabKeys, acmeServerAccounts, type AcmeServerAccountStatus } from "../db/schema";
import { selectValues } from "../db/select-values";

export type AcmeServerAccountRow = typeof acmeServerAccounts.$inferSelect;

export async function accountByKey(db: Database, directoryId: string, thumbprint: string): Promise<AcmeServerAccountRow | undefined> {
  return db.query.acmeServerAccounts.findFirst({ where: and(eq(acmeServerAccounts.directoryId, directoryId), eq(acmeServerAccounts.thumbprint, thumbprint)) });
}

const accountQuery = preparedPer((db) =>
  db
    .select({
      account: acmeServerAccounts,
      // The outer columns by their table's name: drizzle writes a one-table select's columns unqualified.
      bindingRevoked: sql<number>`NOT EXISTS (SELECT 1 FROM acme_eab_keys k WHERE k.id = acme_server_accounts.eab_key_id AND k.directory_id = acme_server_accounts.directory_id AND k.revoked_at IS NULL)`,
      directoryLive: sql<number>`EXISTS (SELECT 1 FROM acme_directories d WHERE d.id = acme_server_accounts.directory_id AND d.deleted_at IS NULL)`,
    })
    .from(acmeServerAccounts)
    .where(eq(acmeServerAccounts.id, sql.placeholder("id")))
    .limit(1)
    .prepare(),
);

/**
 * The account of a `kid`, whether its EAB key is revoked (or gone) now, and whether its directory is still in use:
 * one statement on every ACME request but newAccount, where newOrder and finalize need the key's state, and a
 * directory kept from an earlier request needs its liveness (routes/acme-server/context.ts).
 */
export async function accountById(db: Database, id: string): Promise<{ account: AcmeServerAccountRow; bindingRevoked: boolean; directoryLive: boolean } | undefined> {
  const found = await accountQuery(db).get({ id });
  return found && { account: found.account, bindingRevoked: Number(found.bindingRevoked) !== 0, directoryLive: Number(found.directoryLive) !== 0 };
}

/**
 * RFC 8555 §7.3.4: the EAB key binds this account only. The key is bound while still unbound and unrevoked, and the
 * account inserted only where that binding holds: a concurrent newAccount with the same key makes one of them insert nothing.
 */
export function createAccountStatements(db: Database, row: AcmeServerAccountRow) {
  return [
    db
      .update(acmeEabKeys)
      .set({ accountId: row.id })
      .where(and(eq(acmeEabKeys.id, row.eabKeyId), eq(acmeEabKeys.directoryId, row.directoryId), sql`account_id IS NULL AND revoked_at IS NULL`)),
    db
      .insert(acmeServerAccounts)
      .select(sql`SELECT ${selectValues(acmeServerAccounts, row)} WHERE EXISTS (SELECT 1 FROM acme_eab_keys WHERE id = ${row.eabKeyId} AND account_id = ${row.id})`)
      .onConflictDoNothing()
      .returning({ id: acmeServerAccounts.id }),
  ] as const;
}

export const accountThere = (id: string) => sql`EXISTS (SELECT 1 FROM acme_server_accounts WHERE id = ${id})`;

/** Changes a valid account (contact, status, key), only while it is still valid and, for a key change, still has `thumbprint`. */
export function updateValidAccountStatement(
  db: Database,
  id: string,
  set: Partial<Pick<AcmeServerAccountRow, "contact" | "status" | "jwk" | "thumbprint" | "updatedAt">>,
  thumbprint?: string,
) {
  const keyStill = thumbprint === undefined ? undefined : eq(acmeServerAccounts.thumbprint, thumbprint);
  return db
    .update(acmeServerAccounts)
    .set(set)
    .where(and(eq(acmeServerAccounts.id, id), eq(acmeServerAccounts.status, "valid" satisfies AcmeServerAccountStatus), keyStill))
    .returning();
}
