/**
 * Prints, as one JSON line, every statement one `GET /metrics` scrape runs (src/services/metrics/scrape.ts), with its
 * parameters, taken from drizzle itself over a D1 binding that only records what it is asked to prepare: the
 * benchmark runs exactly these on the local D1 for their rows_read, so they cannot drift from the source.
 *
 *   node_modules/.bin/tsx bench/metrics-scrape/scrape-sql.ts <now> [teamId]
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../src/db/schema";
import { LIMIT_DEFAULTS } from "../../src/core/config";
import { SCRAPE_LIMITS, scrapeMetrics } from "../../src/services/metrics/scrape";

const now = Number(process.argv[2]);
const teamId = process.argv[3];
const seen: { sql: string; params: unknown[] }[] = [];
const empty = { results: [], success: true, meta: {} };
const recorder = {
  prepare(sql: string) {
    const statement = {
      bind(...params: unknown[]) {
        seen.push({ sql, params });
        return statement;
      },
      all: async () => empty,
      raw: async () => [],
      run: async () => empty,
      first: async () => null,
    };
    return statement;
  },
  batch: async (statements: unknown[]) => statements.map(() => empty),
};
const db = drizzle(recorder as unknown as D1Database, { schema });
await scrapeMetrics(db as never, teamId ? { teamId } : "all", now);
console.log(JSON.stringify({ statements: seen, limits: SCRAPE_LIMITS, quota: LIMIT_DEFAULTS.CERTIFICATES_PER_TEAM }));
