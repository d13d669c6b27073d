/** Locates the real ACME clients the `clients` tests drive (Debian packages certbot, lego, dehydrated, caddy). */
import { which } from "../../../scripts/pebble/binaries.mjs";

export const ACME_CLIENT_NAMES = /** @type {const} */ (["certbot", "lego", "dehydrated", "caddy"]);

export const ACME_CLIENTS_MISSING_MESSAGE =
  "ACME clients are missing: run `apt-get install -y certbot lego dehydrated caddy` (Debian) to run the real-client tests (test/node/acme-clients-*.test.ts)";

/** The absolute path of each client, or null where it is not installed. */
export function findAcmeClients(env = process.env) {
  return Object.fromEntries(ACME_CLIENT_NAMES.map((name) => [name, which(name, env)]));
}

/** The names of the clients that are not installed (empty: all are). */
export function missingAcmeClients(env = process.env) {
  return Object.entries(findAcmeClients(env))
    .filter(([, path]) => path === null)
    .map(([name]) => name);
}
