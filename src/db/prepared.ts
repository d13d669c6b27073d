/**
 * Lookups built once per database client and reused: drizzle builds a query's SQL on every call (and a relational
 * `findFirst` also walks the schema), a measurable part of a short request's CPU (bench/RESULTS.md, ACME server
 * orders). A prepared query takes its values through `sql.placeholder`, so one built query serves every call.
 * Kept per client (weakly): the binding's own client lives as long as the isolate; a request session's goes with it.
 */
import type { Database } from "./client";

export function preparedPer<Prepared>(build: (db: Database) => Prepared): (db: Database) => Prepared {
  const built = new WeakMap<Database, Prepared>();
  return (db) => {
    let prepared = built.get(db);
    if (prepared === undefined) {
      prepared = build(db);
      built.set(db, prepared);
    }
    return prepared;
  };
}
