/**
 * Prints, as one JSON line, the SQL and parameters of the claim statement src/store/renewal-claims.ts builds
 * (`claimDueInTurns`), taken from drizzle itself over a D1 binding that only records what it is asked to prepare
 * (the benchmark runs exactly that statement on the local D1, so it cannot drift from the source), and the
 * pipeline's constants it is run with (src/services/renewal-sweep.ts, src/core/config.ts).
 *
 *   node_modules/.bin/tsx bench/renewal-capacity/claim-sql.ts <asOf> <limit> <until>
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../src/db/schema";
import { LIMIT_DEFAULTS } from "../../src/core/config";
import { RENEWAL_CLAIM_MS } from "../../src/services/renewal-sweep";
import { claimDueInTurns } from "../../src/store/renewal-claims";

const [asOf, limit, until] = process.argv.slice(2).map(Number);
const seen: { sql: string; params: unknown[] }[] = [];
const recorder = {
  prepare(sql: string) {
    const statement = {
      params: [] as unknown[],
      bind(...params: unknown[]) {
        seen.push({ sql, params });
        return statement;
      },
      all: async () => ({ results: [], success: true, meta: {} }),
      raw: async () => [],
      run: async () => ({ results: [], success: true, meta: {} }),
      first: async () => null,
    };
    return statement;
  },
  batch: async () => [],
};
const db = drizzle(recorder as unknown as D1Database, { schema });
await claimDueInTurns(db as never, asOf, limit, until);
if (seen.length !== 1) throw new Error(`expected one statement, saw ${seen.length}`);
const { RENEWALS_PER_TICK, ACME_ORDERS_PER_ACCOUNT_PER_3H } = LIMIT_DEFAULTS;
console.log(JSON.stringify({ ...seen[0], constants: { RENEWAL_CLAIM_MS, RENEWALS_PER_TICK, ACME_ORDERS_PER_ACCOUNT_PER_3H } }));
