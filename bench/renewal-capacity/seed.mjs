/**
 * The renewal capacity benchmark's databases: a local D1 (the same SQLite file `wrangler dev --persist-to` serves)
 * opened through Miniflare as `wrangler d1 execute --local` opens it, and the SQL that fills it inside SQLite.
 *
 * Why Miniflare directly rather than `wrangler d1 execute`: wrangler's local execute prints only `meta.duration` of
 * each statement (not `rows_read` / `rows_written`), takes no bound parameters, and starts a workerd per call; this
 * is the same code path (`new Miniflare({ d1Persist, d1Databases })`, wrangler-dist/cli.js `executeLocally`), kept
 * open for a whole phase.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO_ROOT } from "../lib.mjs";

// The Miniflare wrangler itself runs (wrangler 4.86 has its own, 4.x; the top-level one is the vitest pool's 5.x beta).
const { Miniflare, NoOpLog } = createRequire(join(REPO_ROOT, "node_modules", "wrangler", "package.json"))("miniflare");

export const DAY_MS = 86_400_000;

/** wrangler.toml's D1 database id: the local file's name is derived from it (what `wrangler d1 execute --local` uses). */
function d1DatabaseId() {
  const toml = readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8");
  const block = /\[\[d1_databases\]\][^[]*/.exec(toml)?.[0] ?? "";
  const id = /preview_database_id\s*=\s*"([^"]+)"/.exec(block)?.[1] ?? /database_id\s*=\s*"([^"]+)"/.exec(block)?.[1];
  if (!id) throw new Error("wrangler.toml: no [[d1_databases]] database_id");
  return id;
}

/**
 * The local D1 under `persistTo` (`<persistTo>/v3/d1`), as `wrangler d1 execute DB --local --persist-to` opens it.
 * { run(sql, ...params) → D1 result with meta, batch(statements), close() }. Never open it while a `wrangler dev`
 * on the same directory runs.
 */
export async function openLocalD1(persistTo) {
  const mf = new Miniflare({ modules: true, script: "", d1Persist: join(persistTo, "v3", "d1"), d1Databases: { DATABASE: d1DatabaseId() }, log: new NoOpLog() });
  const db = await mf.getD1Database("DATABASE");
  return {
    run: (sql, ...params) => db.prepare(sql).bind(...params).all(),
    batch: (statements) => db.batch(statements.map(([sql, ...params]) => db.prepare(sql).bind(...params))),
    close: () => mf.dispose(),
  };
}

/**
 * The certificate mix, a share of all rows each. ACME lifetimes renew when a third is left (src/renewal/policy.ts
 * `renewalDueAt`: day 60 of 90, day 30 of 45), a half for lifetimes under 10 days (day 3 of 6); uploaded ("custom")
 * certificates have no next renewal. In steady state this mix is due at 550,000/60 + 300,000/30 + 50,000/3 ≈ 35,800
 * a day per million certificates, ≈ 3.6 %.
 */
export const MIX = [
  { name: "ACME 90-day", share: 0.55, lifetimeDays: 90, renewEveryDays: 60 },
  { name: "ACME 45-day", share: 0.3, lifetimeDays: 45, renewEveryDays: 30 },
  { name: "ACME 6-day", share: 0.05, lifetimeDays: 6, renewEveryDays: 3 },
  { name: "uploaded (custom), no renewal", share: 0.1, lifetimeDays: 397, renewEveryDays: null },
];

// Row sizes of real rows (EC P-256 leaf PEM ~1.1 kB, Let's Encrypt intermediate ~1.6 kB, sealed key ~0.3 kB): a row
// lookup reads the row's page, so the file's size and the rows per page are those of a real table. The content is a
// constant (SQLite does not compress; nothing reads it).
const LEAF = `-----BEGIN CERTIFICATE-----\n${"M".repeat(1040)}\n-----END CERTIFICATE-----\n`;
const CHAIN = `-----BEGIN CERTIFICATE-----\n${"M".repeat(1540)}\n-----END CERTIFICATE-----\n`;
const SEALED = "v1.".padEnd(300, "k");
const ISSUANCE = JSON.stringify({ challengeType: "http-01", dnsProvider: null, keySpec: { keyType: "ec", curve: "P-256" }, email: "ops@example.com", staging: false, directoryUrl: "https://acme-v02.api.letsencrypt.org/directory", profile: null });

/** Deterministic values in [0, 1) from an integer (multiplicative hashing; SQLite integers are 64-bit). */
const hash = (x, a, b) => `((((${x}) * ${a} + ${b}) % 4294967296) / 4294967296.0)`;
const H1 = (x) => hash(x, 2654435761, 0);
const H2 = (x) => hash(x, 2246822519, 374761393);
const H3 = (x) => hash(x, 3266489917, 668265263);

/**
 * Team of a row: 1 + floor(teams × u⁴), u uniform. A power law: team 1 holds ~teams^-¼ of all rows (13.5 % of them
 * with 3,000 teams, the one huge team), team 2 ~2.5 %, the smallest a few dozen per million.
 */
const teamOf = (u, teams) => `(1 + CAST((${u}) * (${u}) * (${u}) * (${u}) * ${teams} AS INTEGER))`;

/** The k-th due row's next renewal: in the 24 hours before asOf. */
const dueNextSql = (k, asOf) => `(${asOf} - CAST(${H3(k)} * ${DAY_MS - 1} AS INTEGER))`;

/**
 * Puts the due rows back as seeded (next renewal, no claim), for a run on databases an earlier run used: the consumer
 * takes a row it can never renew off the schedule (next_renewal_at NULL) once a tick has sent it.
 */
export function rearmDueSql(asOf) {
  return `UPDATE certificates SET next_renewal_at = ${dueNextSql("CAST(substr(id, 7) AS INTEGER)", asOf)}, renewal_queued_until = NULL WHERE id > 'cert_d' AND id < 'cert_e'`;
}

/** The teams: `teams` rows. */
export function teamsSql(teams, asOf) {
  return `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < ${teams})
INSERT INTO teams (id, slug, name, created_at) SELECT printf('team_%06d', n), printf('bench-team-%06d', n), printf('Team %d', n), ${asOf - 400 * DAY_MS} FROM t`;
}

/**
 * Certificates `from`..`to` (1-based positions) of a table of `rows`, of which `due` are due "today" (next renewal in
 * the 24 hours before `asOf`). Due rows sit at evenly spaced positions (position n is the k-th due row when
 * floor(n·due/rows) steps to k), so in the large table they are interleaved with the others as in real data; the k-th
 * due row has the same id, team and times in every table of any size, so two tables with the same `due` differ only
 * in the rows that are not due. Due rows are stored as uploaded (`custom`) certificates with a next renewal: the
 * consumer (src/services/renewal-queue.ts) acknowledges such a row without renewing it (one read, one claim cleared),
 * so the queue plumbing is measured and no CA is involved. Their issued/expiry times follow the ACME mix weighted by
 * how often each lifetime renews. Rows not due follow MIX, next renewals spread evenly over each lifetime's interval.
 */
export function certificatesSql({ rows, due, teams, asOf, from, to }) {
  const acme = MIX.filter((m) => m.renewEveryDays);
  const custom = MIX.find((m) => !m.renewEveryDays);
  // Due rows: lifetime drawn by daily renewals (share ÷ interval).
  const daily = acme.map((m) => m.share / m.renewEveryDays);
  const dailyTotal = daily.reduce((a, b) => a + b, 0);
  let acc = 0;
  const dueClass = acme.map((m, i) => ({ ...m, upTo: (acc += daily[i] / dailyTotal) }));
  acc = 0;
  const restClass = MIX.map((m) => ({ ...m, upTo: (acc += m.share) }));
  const pick = (u, classes, field) => `CASE ${classes.map((c, i) => (i === classes.length - 1 ? `ELSE ${field(c)}` : `WHEN ${u} < ${c.upTo} THEN ${field(c)}`)).join(" ")} END`;
  const interval = (c) => (c.renewEveryDays ?? 0) * DAY_MS;
  const lifetime = (c) => c.lifetimeDays * DAY_MS;
  const k = `((n * ${due}) / ${rows})`;
  const isDue = `(${k} > (((n - 1) * ${due}) / ${rows}))`;
  // next renewal: due rows in (asOf - 1 day, asOf]; others in (asOf, asOf + interval]; custom rows none.
  const dueNext = dueNextSql(k, asOf);
  const restNext = pick(H2("n"), restClass, (c) => (c.renewEveryDays ? `(${asOf} + 1 + CAST(${H3("n")} * ${interval(c) - 1} AS INTEGER))` : "NULL"));
  const customIssued = `(${asOf} - CAST(${H3("n")} * ${lifetime(custom) - 1} AS INTEGER))`;
  return `WITH RECURSIVE seq(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM seq WHERE n < ${to}),
r AS (
  SELECT n, ${isDue} AS due, ${k} AS k,
    CASE WHEN ${isDue} THEN ${teamOf(H1(k), teams)} ELSE ${teamOf(H1("n"), teams)} END AS team,
    CASE WHEN ${isDue} THEN ${dueNext} ELSE ${restNext} END AS next_at,
    CASE WHEN ${isDue} THEN ${pick(H2(k), dueClass, (c) => interval(c))} ELSE ${pick(H2("n"), restClass, (c) => interval(c))} END AS every_ms,
    CASE WHEN ${isDue} THEN ${pick(H2(k), dueClass, (c) => lifetime(c))} ELSE ${pick(H2("n"), restClass, (c) => lifetime(c))} END AS life_ms
  FROM seq
),
c AS (
  SELECT n, due, team, next_at, life_ms,
    CASE WHEN due THEN printf('cert_d%019d', k) ELSE printf('cert_n%019d', n) END AS id,
    CASE WHEN next_at IS NULL THEN ${customIssued} ELSE next_at - every_ms END AS issued
  FROM r
)
INSERT INTO certificates (id, team_id, project_id, type, state, domain, names, certificate_pem, chain_pem, sealed_key, key_type,
  issuer, serial, fingerprint, issued_at, expires_at, auto_renew, issuance, next_renewal_at, renewal_failures, created_at, updated_at)
SELECT id, printf('team_%06d', team), NULL,
  CASE WHEN due OR next_at IS NULL THEN 'custom' ELSE 'letsencrypt' END, 'active',
  printf('h%07d.t%06d.bench.test', n, team), printf('["h%07d.t%06d.bench.test"]', n, team),
  '${LEAF}', '${CHAIN}', '${SEALED}', 'EC-P256',
  CASE WHEN due OR next_at IS NULL THEN 'Example Uploaded CA' ELSE 'Let''s Encrypt E6' END,
  printf('%032x', n * 2654435761), printf('%064x', n * 2246822519),
  issued, issued + life_ms,
  CASE WHEN due OR next_at IS NULL THEN 0 ELSE 1 END,
  CASE WHEN due OR next_at IS NULL THEN NULL ELSE '${ISSUANCE}' END,
  next_at, 0, issued, issued
FROM c`;
}

/**
 * Fills the local D1 under `persistTo` (migrated already): `teams` teams, then `rows` certificates of which `due` are
 * due at `asOf`, `batch` rows per statement; `progress(to)` after each statement.
 */
export async function seedCertificates(persistTo, { rows, due, teams, asOf, batch = 100_000, progress = () => {} }) {
  const db = await openLocalD1(persistTo);
  try {
    await db.run(teamsSql(teams, asOf));
    for (let from = 1; from <= rows; from += batch) {
      const to = Math.min(rows, from + batch - 1);
      await db.run(certificatesSql({ rows, due, teams, asOf, from, to }));
      progress(to);
    }
  } finally {
    await db.close();
  }
}
