/** What issuance needs from its caller: storage, the challenge store and the configuration. */
import type { Config } from "../core/config";
import type { Database } from "../db/client";

export interface IssuanceDeps {
  db: Database;
  /** ACME HTTP-01 key authorizations (short TTL), served by the challenge route. */
  challenges: KVNamespace;
  config: Config;
}
