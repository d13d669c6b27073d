/** What issuance needs from its caller: storage, the challenge store and the configuration. */
import type { Config } from "../core/config";
import type { Database } from "../db/client";
import type { OrderBudget } from "./order-budget";

export interface IssuanceDeps {
  db: Database;
  /** ACME HTTP-01 key authorizations (short TTL), served by the challenge route. */
  challenges: KVNamespace;
  config: Config;
  /** The CA's per-account order limits (order-budget.ts); absent, orders are not counted (tests of the flow alone). */
  orderBudget?: OrderBudget;
  /** The fetch of the job's ACME client; runIssuance sets one that counts the job's requests (store/metric-counters.ts). */
  acmeFetch?: typeof fetch;
}
