/**
 * `npm run deploy`, step by step, every wrangler call through `run` (wrangler-runner.mjs in real use, recorded
 * outputs in test/node/deploy.test.ts):
 *
 * 1. Production only: refuse a CERTDESK_ENV other than "production" and any test-only variable, in [vars] or as a
 *    secret. The Worker's secrets: refuse, before anything changes in the account, unless every REQUIRED_SECRETS is set.
 * 2. Each D1 database, KV namespace and queue of the configuration: reused when the account has it, else created.
 * 3. wrangler.production.jsonc: the configuration with those ids.
 * 4. `wrangler d1 migrations apply --remote` for each database, then `wrangler deploy`, both with that file.
 */
import { join } from "node:path";
import { PRODUCTION_CONFIG, readDeployConfig, withResourceIds, writeProductionConfig } from "./config.mjs";
import { isWorkerNotFound, parseD1List, parseKvList, parseQueueTable, parseSecretList, withoutAnsi } from "./wrangler-output.mjs";

/** The secrets the Worker refuses to start without (src/core/config.ts), and how to make a value for each. */
export const REQUIRED_SECRETS = {
  ADMIN_TOKEN: "the operator token, e.g. openssl rand -base64 32",
  ENCRYPTION_KEY: "32 random bytes, base64: openssl rand -base64 32",
};

/**
 * Variables for tests and local runs, which the Worker refuses in production (TEST_ONLY_SWITCHES in src/core/config.ts):
 * a deployment that carries one would not start, so it is refused here, before anything in the account changes.
 */
export const TEST_ONLY_VARIABLES = ["DNS_API_BASE_URLS", "DEPLOY_API_BASE_URLS", "TEST_HTTP01_KV_LAG", "ALLOW_PRIVATE_WEBHOOK_TARGETS", "ACME_SERVER_HTTP01_PORT"];

/** Pages of `wrangler queues list` read at most, looking for the configuration's queues. */
const MAX_QUEUE_PAGES = 100;

/** A refusal or failure with a message meant for the person deploying; nothing after it ran. */
export class DeployError extends Error {}

/**
 * Deploys the Worker of `root`/`configFile`. `run(args, { stream })` runs wrangler; `log` reports progress.
 * Resolves with the path of the configuration it deployed.
 */
export async function deploy({ root, run, log = console.log, configFile = "wrangler.toml", outputFile = PRODUCTION_CONFIG }) {
  const config = readDeployConfig(join(root, configFile));
  const source = ["--config", configFile];

  checkProductionVars(config.raw.vars ?? {}, configFile);
  await checkSecrets(run, source, config.workerName, log);
  const d1Ids = await ensureD1(run, source, config.d1, log);
  const kvIds = await ensureKv(run, source, config.kv, log);
  await ensureQueues(run, source, config.queues, log);

  const output = join(root, outputFile);
  writeProductionConfig(output, withResourceIds(config.raw, { d1Ids, kvIds }), configFile);
  log(`wrote ${outputFile} (${configFile} with the account's resource ids)`);

  const production = ["--config", outputFile];
  for (const db of config.d1) {
    await step(run, ["d1", "migrations", "apply", db.binding, "--remote", ...production], `applying the migrations to ${db.name}`);
  }
  await step(run, ["deploy", ...production], "deploying");
  return output;
}

/**
 * A deployment is production: CERTDESK_ENV absent (its default) or "production". "development" or "test" would make
 * the Worker accept the secrets committed to this repository and every test-only variable.
 */
function checkProductionVars(vars, configFile) {
  const environment = vars.CERTDESK_ENV;
  if (environment !== undefined && environment !== "production") {
    throw new DeployError(
      `Refusing to deploy: ${configFile} sets CERTDESK_ENV = ${JSON.stringify(environment)} in [vars]. A deployment is ` +
        `production: remove CERTDESK_ENV (it defaults to "production") or set it to "production".`,
    );
  }
  const testOnly = TEST_ONLY_VARIABLES.filter((name) => Object.hasOwn(vars, name));
  if (testOnly.length > 0) {
    throw new DeployError(
      `Refusing to deploy: ${configFile} sets ${testOnly.join(", ")} in [vars], for tests only; the Worker refuses ` +
        `${testOnly.length === 1 ? "it" : "them"} in production. Remove ${testOnly.length === 1 ? "it" : "them"}.`,
    );
  }
}

/** Secrets whose value cannot be read back, so that a production deployment must not have them at all. */
const FORBIDDEN_SECRETS = ["CERTDESK_ENV", ...TEST_ONLY_VARIABLES];

async function checkSecrets(run, source, workerName, log) {
  const listed = await run(["secret", "list", ...source]);
  const puts = (names) => names.map((name) => `  npx wrangler secret put ${name}   # ${REQUIRED_SECRETS[name]}`).join("\n");
  if (listed.code !== 0 && isWorkerNotFound(listed.stderr)) {
    throw new DeployError(
      `The Worker "${workerName}" does not exist in this account yet. Set its secrets first (the first \`secret put\` ` +
        `creates it), then run npm run deploy again:\n${puts(Object.keys(REQUIRED_SECRETS))}`,
    );
  }
  const names = parseSecretList(succeeded(listed, "wrangler secret list"));
  const forbidden = FORBIDDEN_SECRETS.filter((name) => names.has(name));
  if (forbidden.length > 0) {
    throw new DeployError(
      `Refusing to deploy: the Worker "${workerName}" has ${forbidden.join(" and ")} as ${forbidden.length === 1 ? "a secret" : "secrets"}, ` +
        `whose value cannot be checked; a production deployment must not set ${forbidden.length === 1 ? "it" : "them"}. Delete ` +
        `${forbidden.length === 1 ? "it" : "each"}, then run npm run deploy again:\n` +
        forbidden.map((name) => `  npx wrangler secret delete ${name}`).join("\n"),
    );
  }
  const missing = Object.keys(REQUIRED_SECRETS).filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new DeployError(
      `Refusing to deploy: the Worker "${workerName}" has no ${missing.join(" and no ")} secret. ` +
        `Set ${missing.length === 1 ? "it" : "each"}, then run npm run deploy again:\n${puts(missing)}`,
    );
  }
  log(`secrets: ${Object.keys(REQUIRED_SECRETS).join(", ")} are set`);
}

async function ensureD1(run, source, databases, log) {
  const list = async () => parseD1List(succeeded(await run(["d1", "list", "--json", ...source]), "wrangler d1 list --json"));
  return ensureEach(databases, (db) => db.name, list, async (db) => {
    succeeded(await run(["d1", "create", db.name, ...source]), `wrangler d1 create ${db.name}`);
  }, "D1 database", log);
}

/** KV namespaces by binding → id. */
async function ensureKv(run, source, namespaces, log) {
  const list = async () => parseKvList(succeeded(await run(["kv", "namespace", "list", ...source]), "wrangler kv namespace list"));
  const byTitle = await ensureEach(namespaces, (namespace) => namespace.title, list, async (namespace) => {
    succeeded(await run(["kv", "namespace", "create", namespace.title, ...source]), `wrangler kv namespace create ${namespace.title}`);
  }, "KV namespace", log);
  return new Map(namespaces.map((namespace) => [namespace.binding, byTitle.get(namespace.title)]));
}

/**
 * For each wanted item: its id from `list` (name → id), or create it and list again. Resolves with name → id.
 * A name still missing after its creation is an error: the id written would otherwise be wrong.
 */
async function ensureEach(wanted, nameOf, list, create, kind, log) {
  let ids = await list();
  const missing = wanted.filter((item) => !ids.has(nameOf(item)));
  for (const item of wanted) if (ids.has(nameOf(item))) log(`${kind} ${nameOf(item)}: reusing ${ids.get(nameOf(item))}`);
  if (missing.length === 0) return ids;
  for (const item of missing) await create(item);
  ids = await list();
  for (const item of missing) {
    if (!ids.has(nameOf(item))) throw new DeployError(`Created the ${kind} ${nameOf(item)}, but wrangler does not list it`);
    log(`${kind} ${nameOf(item)}: created ${ids.get(nameOf(item))}`);
  }
  return ids;
}

async function ensureQueues(run, source, names, log) {
  const existing = new Set();
  for (let page = 1; page <= MAX_QUEUE_PAGES && names.some((name) => !existing.has(name)); page++) {
    const found = parseQueueTable(succeeded(await run(["queues", "list", "--page", String(page), ...source]), "wrangler queues list"));
    if (found.length === 0) break;
    for (const name of found) existing.add(name);
  }
  for (const name of names) {
    if (existing.has(name)) {
      log(`queue ${name}: reusing`);
      continue;
    }
    succeeded(await run(["queues", "create", name, ...source]), `wrangler queues create ${name}`);
    log(`queue ${name}: created`);
  }
}

/** A streamed step (its output is the user's to read); a failure stops the deploy. */
async function step(run, args, what) {
  const { code } = await run(args, { stream: true });
  if (code !== 0) throw new DeployError(`Stopped while ${what}: \`wrangler ${args.join(" ")}\` exited with ${code} (its output is above).`);
}

/** stdout of a captured call that succeeded; a failure becomes a DeployError quoting wrangler. */
function succeeded({ code, stdout, stderr }, command) {
  if (code === 0) return stdout;
  const said = withoutAnsi(`${stderr}\n${stdout}`).trim() || "(no output)";
  const hint = /not logged in|authenticat|CLOUDFLARE_API_TOKEN/i.test(said)
    ? "\nLog in with `npx wrangler login`, or set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID) for a CI run."
    : "";
  throw new DeployError(`\`${command}\` failed (exit ${code}):\n${said}${hint}`);
}
