/** Key rotation: re-seals every sealed value in D1 under the current ENCRYPTION_KEY, so previous keys can be dropped. */
import { and, asc, eq, gt, isNotNull, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
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

/**
 * Every sealed column of db/schema.ts. The Durable Object's stored job (objects/certificate-issuer.ts) is not
 * here: it lives only while an order runs (at most JOB_BUDGET_MS, then its alarm's grace) and opens with the
 * same keyring, so the previous key must stay that long after this has run, and no longer.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    name: "certificates.sealed_key",
    associatedData: (id) => id,
    id: certificates.id,
    sealed: certificates.sealedKey,
    update: (db, id, from, to) => db.update(certificates).set({ sealedKey: to }).where(and(eq(certificates.id, id), eq(certificates.sealedKey, from))),
  },
  {
    name: "certificates.sealed_dns_credentials",
    associatedData: (id) => `${id}:dns`,
    id: certificates.id,
    sealed: certificates.sealedDnsCredentials,
    update: (db, id, from, to) =>
      db.update(certificates).set({ sealedDnsCredentials: to }).where(and(eq(certificates.id, id), eq(certificates.sealedDnsCredentials, from))),
  },
  {
    name: "acme_accounts.sealed_key",
    associatedData: (id) => id,
    id: acmeAccounts.id,
    sealed: acmeAccounts.sealedKey,
    update: (db, id, from, to) => db.update(acmeAccounts).set({ sealedKey: to }).where(and(eq(acmeAccounts.id, id), eq(acmeAccounts.sealedKey, from))),
  },
  {
    name: "client_certificates.sealed_key",
    associatedData: (id) => id,
    id: clientCertificates.id,
    sealed: clientCertificates.sealedKey,
    update: (db, id, from, to) =>
      db.update(clientCertificates).set({ sealedKey: to }).where(and(eq(clientCertificates.id, id), eq(clientCertificates.sealedKey, from))),
  },
  {
    name: "deploy_targets.sealed_credentials",
    associatedData: deployCredentialsAad,
    id: deployTargets.id,
    sealed: deployTargets.sealedCredentials,
    update: (db, id, from, to) =>
      db.update(deployTargets).set({ sealedCredentials: to }).where(and(eq(deployTargets.id, id), eq(deployTargets.sealedCredentials, from))),
  },
  {
    name: "dns_connections.sealed_credentials",
    associatedData: dnsConnectionAad,
    id: dnsConnections.id,
    sealed: dnsConnections.sealedCredentials,
    update: (db, id, from, to) =>
      db.update(dnsConnections).set({ sealedCredentials: to }).where(and(eq(dnsConnections.id, id), eq(dnsConnections.sealedCredentials, from))),
  },
  {
    name: "webhook_endpoints.sealed_secret",
    associatedData: webhookSecretAad,
    id: webhookEndpoints.id,
    sealed: webhookEndpoints.sealedSecret,
    update: (db, id, from, to) =>
      db.update(webhookEndpoints).set({ sealedSecret: to }).where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.sealedSecret, from))),
  },
  {
    name: "certificate_authorities.sealed_key",
    associatedData: (id) => id,
    id: certificateAuthorities.id,
    sealed: certificateAuthorities.sealedKey,
    update: (db, id, from, to) =>
      db.update(certificateAuthorities).set({ sealedKey: to }).where(and(eq(certificateAuthorities.id, id), eq(certificateAuthorities.sealedKey, from))),
  },
  {
    name: "acme_eab_keys.sealed_hmac_key",
    associatedData: eabAad,
    id: acmeEabKeys.id,
    sealed: acmeEabKeys.sealedHmacKey,
    update: (db, id, from, to) => db.update(acmeEabKeys).set({ sealedHmacKey: to }).where(and(eq(acmeEabKeys.id, id), eq(acmeEabKeys.sealedHmacKey, from))),
  },
  {
    name: "private_certificates.sealed_key",
    associatedData: (id) => id,
    id: privateCertificates.id,
    sealed: privateCertificates.sealedKey,
    update: (db, id, from, to) =>
      db.update(privateCertificates).set({ sealedKey: to }).where(and(eq(privateCertificates.id, id), eq(privateCertificates.sealedKey, from))),
  },
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
    // substr, not LIKE: a key id may hold "_", which LIKE reads as a wildcard.
    const rows = await db
      .select({ id: sql<string>`${target.id}`, sealed: sql<string>`${target.sealed}` })
      .from(target.id.table)
      .where(and(isNotNull(target.sealed), ne(sql`substr(${target.sealed}, 1, ${prefix.length})`, prefix), gt(target.id, after)))
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
