/** Key rotation: re-seals every sealed value in D1 under the current ENCRYPTION_KEY, so previous keys can be dropped. */
import { and, asc, eq, getTableName, gt, isNotNull, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn, SQLiteTable, SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { currentKeyPrefix, reseal } from "../crypto/sealing";
import type { Database } from "../db/client";
import { acmeAccounts, acmeEabKeys, certificateAuthorities, certificates, clientCertificates, deployTargets, dnsConnections, privateCertificates, webhookEndpoints } from "../db/schema";
import { eabAad } from "../store/acme-server-directories";
import { deployCredentialsAad } from "../store/deploy-targets";
import { dnsConnectionAad } from "../store/dns-connections";
import { webhookSecretAad } from "../store/webhooks";
import type { IssuanceDeps } from "../issuance/deps";

/** One sealed column: how to read a page of it and write one value back, and the associated data it was sealed with. */
interface SealedColumn {
  /** `table.column`, as in SQL. */
  name: string;
  associatedData(id: string): string;
  id: SQLiteColumn;
  sealed: SQLiteColumn;
  /** Replaces `from` by `to` on row `id`, only if the row still holds `from`. */
  update(db: Database, id: string, from: string, to: string): BatchItem<"sqlite">;
}

/** Column `field` of `table` (rows keyed by `id`), sealed with `associatedData(id)`: by default the row's id. */
function sealedColumn<T extends SQLiteTable & { id: SQLiteColumn }>(table: T, field: keyof T & string, associatedData: (id: string) => string = (id) => id): SealedColumn {
  const sealed = table[field] as unknown as SQLiteColumn;
  return {
    name: `${getTableName(table)}.${sealed.name}`,
    associatedData,
    id: table.id,
    sealed,
    update: (db, id, from, to) =>
      db
        .update(table)
        .set({ [field]: to } as SQLiteUpdateSetSource<T>)
        .where(and(eq(table.id, id), eq(sealed, from))),
  };
}

/**
 * Every sealed column of db/schema.ts. The Durable Object's stored job (objects/certificate-issuer.ts) is not
 * here: it lives only while an order runs (at most JOB_BUDGET_MS, then its alarm's grace) and opens with the
 * same keyring, so the previous key must stay that long after this has run, and no longer.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  sealedColumn(certificates, "sealedKey"),
  sealedColumn(certificates, "sealedDnsCredentials", (id) => `${id}:dns`),
  sealedColumn(acmeAccounts, "sealedKey"),
  sealedColumn(clientCertificates, "sealedKey"),
  sealedColumn(deployTargets, "sealedCredentials", deployCredentialsAad),
  sealedColumn(dnsConnections, "sealedCredentials", dnsConnectionAad),
  sealedColumn(webhookEndpoints, "sealedSecret", webhookSecretAad),
  sealedColumn(certificateAuthorities, "sealedKey"),
  sealedColumn(acmeEabKeys, "sealedHmacKey", eabAad),
  sealedColumn(privateCertificates, "sealedKey"),
];

/** Rows read and written per D1 round trip. */
const PAGE_SIZE = 100;

export interface ResealResult {
  /** Values now sealed under the current key that were not before. */
  resealed: number;
  /** `table.column:id` of values no key of the ring opens (they were already lost); never their contents. */
  unreadable: string[];
}

/** Re-seals one column's values that are not under the current key, a page at a time in id order. */
async function resealColumn(deps: Pick<IssuanceDeps, "db" | "config">, target: SealedColumn, prefix: string, result: ResealResult): Promise<void> {
  const { db, config } = deps;
  let after = "";
  for (;;) {
    // substr, not LIKE: a key id may hold "_", which LIKE reads as a wildcard. An empty value seals nothing (a relayed
    // certificate's absent key, store/certificates.ts NO_STORED_KEY).
    const rows = await db
      .select({ id: sql<string>`${target.id}`, sealed: sql<string>`${target.sealed}` })
      .from(target.id.table)
      .where(and(isNotNull(target.sealed), ne(target.sealed, ""), ne(sql`substr(${target.sealed}, 1, ${prefix.length})`, prefix), gt(target.id, after)))
      .orderBy(asc(target.id))
      .limit(PAGE_SIZE);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    const updates = [];
    for (const row of rows) {
      try {
        const resealed = await reseal(config.ENCRYPTION_KEY, row.sealed, target.associatedData(row.id));
        // Only if the row still holds what was read: a renewal may have replaced it meanwhile (under the current key).
        updates.push(target.update(db, row.id, row.sealed, resealed));
      } catch {
        result.unreadable.push(`${target.name}:${row.id}`);
      }
    }
    const [first, ...rest] = updates;
    if (!first) continue;
    const written = await db.batch([first, ...rest]);
    result.resealed += written.reduce((sum: number, outcome: D1Result) => sum + (outcome.meta.changes ?? 0), 0);
  }
}

/**
 * Moves every sealed value (certificate keys and DNS credentials, ACME account keys, client certificate keys) to
 * the current key. Idempotent and resumable: values already under the current key are skipped, so running it
 * again after a failure only does what is left. Rotation: set ENCRYPTION_KEY to a new key and ENCRYPTION_KEY_PREVIOUS to the old one, run
 * this (POST /api/v1/admin/reseal), and once it reports nothing unreadable, drop ENCRYPTION_KEY_PREVIOUS.
 */
export async function resealEverything(deps: Pick<IssuanceDeps, "db" | "config">): Promise<ResealResult> {
  const prefix = await currentKeyPrefix(deps.config.ENCRYPTION_KEY);
  const result: ResealResult = { resealed: 0, unreadable: [] };
  for (const target of SEALED_COLUMNS) await resealColumn(deps, target, prefix, result);
  return result;
}
