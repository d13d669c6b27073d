/** Key rotation loses nothing: seal under A, rotate to B keeping A, reseal, drop A, and every value still opens. */
import { env } from "cloudflare:test";
import { getTableColumns, getTableName, is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { sealV1 } from "../../support/sealed-v1";
import { parseConfig } from "../../../src/core/config";
import { bytesToBase64 } from "../../../src/crypto/encoding";
import { seal, unseal } from "../../../src/crypto/sealing";
import { database } from "../../../src/db/client";
import * as schema from "../../../src/db/schema";
import { resealEverything, SEALED_COLUMNS } from "../../../src/services/reseal";

const newKey = () => bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));
const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** The Worker's configuration with these keys (the test bindings otherwise). */
function depsWith(ENCRYPTION_KEY: string, ENCRYPTION_KEY_PREVIOUS?: string) {
  return { db: database(env.DB), config: parseConfig({ ...env, ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS }) };
}


interface Planted {
  table: string;
  column: string;
  id: string;
  associatedData: string;
  plaintext: string;
}

/** One row per sealed column (and a legacy-format certificate), every secret sealed under `key`. */
async function plantRows(key: string): Promise<Planted[]> {
  const team = `team_reseal_${suffix}`;
  const project = `prj_reseal_${suffix}`;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO teams (id, slug, name, created_at) VALUES (?, ?, 'Reseal', 0)").bind(team, `reseal-${suffix}`),
    env.DB.prepare("INSERT INTO projects (id, team_id, name, created_at, updated_at) VALUES (?, ?, 'p', 0, 0)").bind(project, team),
  ]);
  const planted: Planted[] = [];
  const certificate = async (id: string, legacy: boolean) => {
    const keyPem = `-----BEGIN PRIVATE KEY-----\n${id}\n-----END PRIVATE KEY-----\n`;
    const dns = JSON.stringify({ apiToken: `cf-${id}` });
    const sealKey = legacy ? sealV1 : seal;
    await env.DB.prepare(
      `INSERT INTO certificates (id, team_id, type, domain, names, certificate_pem, sealed_key, key_type, issuer, serial, fingerprint,
         issued_at, expires_at, sealed_dns_credentials, created_at, updated_at)
       VALUES (?, ?, 'letsencrypt', 'x.example.com', '[]', '', ?, 'ec', 'test', '01', ?, 0, 1, ?, 0, 0)`,
    )
      .bind(id, team, await sealKey(key, keyPem, id), id, await sealKey(key, dns, `${id}:dns`))
      .run();
    planted.push({ table: "certificates", column: "sealed_key", id, associatedData: id, plaintext: keyPem });
    planted.push({ table: "certificates", column: "sealed_dns_credentials", id, associatedData: `${id}:dns`, plaintext: dns });
  };
  await certificate(`cert_reseal_${suffix}_1`, false);
  await certificate(`cert_reseal_${suffix}_2`, true);

  const account = `acct_reseal_${suffix}`;
  const jwk = JSON.stringify({ kty: "EC", d: account });
  await env.DB.prepare("INSERT INTO acme_accounts (id, team_id, directory_url, account_url, sealed_key, created_at) VALUES (?, ?, 'https://ca.test/dir', 'https://ca.test/acct/1', ?, 0)")
    .bind(account, team, await seal(key, jwk, account))
    .run();
  planted.push({ table: "acme_accounts", column: "sealed_key", id: account, associatedData: account, plaintext: jwk });

  const client = `ccert_reseal_${suffix}`;
  const clientKey = `-----BEGIN PRIVATE KEY-----\n${client}\n-----END PRIVATE KEY-----\n`;
  await env.DB.prepare(
    "INSERT INTO client_certificates (id, team_id, project_id, origin, certificate_pem, ca_pem, sealed_key, expires_at, created_at, updated_at) VALUES (?, ?, ?, '', '', '', ?, 1, 0, 0)",
  )
    .bind(client, team, project, await seal(key, clientKey, client))
    .run();
  planted.push({ table: "client_certificates", column: "sealed_key", id: client, associatedData: client, plaintext: clientKey });

  const target = `dtg_reseal_${suffix}`;
  const credentials = JSON.stringify({ apiToken: `cf-${target}` });
  await env.DB.prepare(
    "INSERT INTO deploy_targets (id, team_id, project_id, kind, settings, sealed_credentials, created_at, updated_at) VALUES (?, ?, ?, 'cloudflare_zone_certificate', '{}', ?, 0, 0)",
  )
    .bind(target, team, project, await seal(key, credentials, `${target}:deploy`))
    .run();
  planted.push({ table: "deploy_targets", column: "sealed_credentials", id: target, associatedData: `${target}:deploy`, plaintext: credentials });

  const connection = `dnc_reseal_${suffix}`;
  const dnsCredentials = JSON.stringify({ apiToken: `cf-${connection}` });
  await env.DB.prepare(
    "INSERT INTO dns_connections (id, team_id, name, provider, sealed_credentials, zones, created_at, updated_at) VALUES (?, ?, ?, 'cloudflare', ?, '[]', 0, 0)",
  )
    .bind(connection, team, connection, await seal(key, dnsCredentials, `${connection}:dns-connection`))
    .run();
  planted.push({ table: "dns_connections", column: "sealed_credentials", id: connection, associatedData: `${connection}:dns-connection`, plaintext: dnsCredentials });
  return planted;
}

async function storedValue(row: Planted): Promise<string> {
  const found = await env.DB.prepare(`SELECT ${row.column} AS sealed FROM ${row.table} WHERE id = ?`).bind(row.id).first<{ sealed: string }>();
  return found!.sealed;
}

describe("resealEverything", () => {
  it("covers every sealed column of the schema", () => {
    const sealedInSchema = (Object.values(schema) as unknown[])
      .filter((value): value is SQLiteTable => is(value, SQLiteTable))
      .flatMap((table) => Object.values(getTableColumns(table)).map((column) => `${getTableName(table)}.${column.name}`))
      .filter((name) => /\.sealed_/.test(name));
    expect(SEALED_COLUMNS.map((c) => c.name).sort()).toEqual(sealedInSchema.sort());
    expect(sealedInSchema).toHaveLength(10);
  });

  it("moves everything sealed under A to B, so A can be dropped", async () => {
    const [A, B] = [newKey(), newKey()];
    const planted = await plantRows(A);
    const mine = (refs: string[]) => refs.filter((ref) => ref.includes(suffix));

    // Rotated: B is current, A is kept for reading; everything still opens meanwhile.
    const rotated = depsWith(B, A);
    for (const row of planted) expect(await unseal(rotated.config.ENCRYPTION_KEY, await storedValue(row), row.associatedData)).toBe(row.plaintext);

    const first = await resealEverything(rotated);
    expect(first.resealed).toBeGreaterThanOrEqual(planted.length);
    expect(mine(first.unreadable)).toEqual([]);

    // A dropped: every value opens under B alone, for its own row.
    const dropped = depsWith(B);
    for (const row of planted) {
      const sealed = await storedValue(row);
      expect(sealed).toMatch(/^v2\./);
      expect(await unseal(dropped.config.ENCRYPTION_KEY, sealed, row.associatedData)).toBe(row.plaintext);
    }

    // Idempotent: nothing of ours is left to move.
    const before = await Promise.all(planted.map(storedValue));
    await resealEverything(rotated);
    expect(await Promise.all(planted.map(storedValue))).toEqual(before);
  });

  it("reports, without changing, values no key of the ring opens", async () => {
    const [lost, current] = [newKey(), newKey()];
    const planted = await plantRowsOnce(lost);
    const before = await Promise.all(planted.map(storedValue));
    const result = await resealEverything(depsWith(current));
    const ours = result.unreadable.filter((ref) => planted.some((row) => ref === `${row.table}.${row.column}:${row.id}`));
    expect(ours.sort()).toEqual(planted.map((row) => `${row.table}.${row.column}:${row.id}`).sort());
    expect(await Promise.all(planted.map(storedValue))).toEqual(before);
  });
});

/** plantRows under a fresh suffix (ids and the team slug must not collide with the first plant). */
async function plantRowsOnce(key: string): Promise<Planted[]> {
  const team = `team_lost_${suffix}`;
  const id = `cert_lost_${suffix}`;
  await env.DB.prepare("INSERT INTO teams (id, slug, name, created_at) VALUES (?, ?, 'Lost', 0)").bind(team, `lost-${suffix}`).run();
  const keyPem = "-----BEGIN PRIVATE KEY-----\nlost\n-----END PRIVATE KEY-----\n";
  await env.DB.prepare(
    `INSERT INTO certificates (id, team_id, type, domain, names, certificate_pem, sealed_key, key_type, issuer, serial, fingerprint,
       issued_at, expires_at, created_at, updated_at)
     VALUES (?, ?, 'custom', 'x.example.com', '[]', '', ?, 'ec', 'test', '01', ?, 0, 1, 0, 0)`,
  )
    .bind(id, team, await seal(key, keyPem, id), id)
    .run();
  return [{ table: "certificates", column: "sealed_key", id, associatedData: id, plaintext: keyPem }];
}
