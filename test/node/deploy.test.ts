/**
 * `npm run deploy` (scripts/deploy/) without a Cloudflare account: wrangler is replaced by a runner that answers each
 * command with what wrangler 4.86 printed for it (fixtures/wrangler-4.86/), and records the commands it was given.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { experimental_readRawConfig } from "wrangler";
import { afterEach, describe, expect, it } from "vitest";
import { readDeployConfig } from "../../scripts/deploy/config.mjs";
import { DeployError, deploy, TEST_ONLY_VARIABLES, type WranglerResult, type WranglerRun } from "../../scripts/deploy/deploy.mjs";
import { TEST_ONLY_VARIABLES as WORKER_TEST_ONLY_VARIABLES } from "../../src/core/config";
import { isWorkerNotFound, parseD1List, parseKvList, parseQueueTable, parseSecretList } from "../../scripts/deploy/wrangler-output.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = join(ROOT, "test", "node", "fixtures", "wrangler-4.86");
const recorded = (file: string) => readFileSync(join(FIXTURES, file), "utf8");
const ok = (file: string): WranglerResult => ({ code: 0, stdout: recorded(file), stderr: "" });
const SOURCE = ["--config", "wrangler.toml"];
const PRODUCTION = ["--config", "wrangler.production.jsonc"];
mkdirSync(join(ROOT, ".tmp"), { recursive: true });

/** A wrangler that answers from a script (command → answers, used in order) and records every call. */
function recordedWrangler(script: Record<string, WranglerResult[]>) {
  const calls: { command: string; stream: boolean }[] = [];
  const run: WranglerRun = async (args, { stream = false } = {}) => {
    const command = args.join(" ");
    calls.push({ command, stream });
    const answer = script[command]?.shift();
    if (!answer) throw new Error(`unexpected wrangler call: wrangler ${command}`);
    return answer;
  };
  return { run, calls, commands: () => calls.map((call) => call.command) };
}

const streamed = { code: 0, stdout: "", stderr: "" };
const cmd = (...parts: string[][]) => parts.flat().join(" ");

/** The account as recorded: the secrets set, the database and the namespace there, two pages of queues; each of `lacking` created. */
const accountAsRecorded = (lacking: readonly string[]) => ({
  [cmd(["secret", "list"], SOURCE)]: [ok("secret-list-complete.txt")],
  [cmd(["d1", "list", "--json"], SOURCE)]: [ok("d1-list.txt")],
  [cmd(["kv", "namespace", "list"], SOURCE)]: [ok("kv-list.txt")],
  [cmd(["queues", "list", "--page", "1"], SOURCE)]: [ok("queues-list.txt")],
  [cmd(["queues", "list", "--page", "2"], SOURCE)]: [ok("queues-list-2.txt")],
  ...Object.fromEntries(lacking.map((name) => [cmd(["queues", "create", name], SOURCE), [ok("queues-create.txt")]])),
});

/** A directory with a copy of the repository's wrangler.toml (or the given one), removed after each test. */
const dirs: string[] = [];
function projectWith(config?: string): string {
  const dir = mkdtempSync(join(ROOT, ".tmp", "deploy-test-"));
  dirs.push(dir);
  if (config === undefined) copyFileSync(join(ROOT, "wrangler.toml"), join(dir, "wrangler.toml"));
  else writeFileSync(join(dir, "wrangler.toml"), config);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function readJsonc(path: string) {
  return JSON.parse(readFileSync(path, "utf8").replace(/^\s*\/\/.*$/gm, ""));
}

describe("npm run deploy", () => {
  const config = readDeployConfig(join(ROOT, "wrangler.toml"));

  it("reads the resources from wrangler.toml: the database, the namespace and every queue, dead-letter queues too", () => {
    expect(config.d1).toEqual([{ binding: "DB", name: "certdesk" }]);
    expect(config.kv).toEqual([{ binding: "CHALLENGES", title: "certdesk-challenges" }]);
    expect(config.queues).toEqual(expect.arrayContaining(["certdesk-renewals", "certdesk-renewals-dlq"]));
    expect(new Set(config.queues).size).toBe(config.queues.length);
  });

  it("reuses what the account has, creates the queues it lacks, writes the ids, migrates, then deploys", async () => {
    const dir = projectWith();
    const onFirstPage = parseQueueTable(recorded("queues-list.txt"));
    const lacking = config.queues.filter((name) => !onFirstPage.includes(name));
    expect(lacking.length).toBeGreaterThan(0);
    const wrangler = recordedWrangler({
      ...accountAsRecorded(lacking),
      [cmd(["d1", "migrations", "apply", "DB", "--remote"], PRODUCTION)]: [streamed],
      [cmd(["deploy"], PRODUCTION)]: [streamed],
    });
    const log: string[] = [];
    const written = await deploy({ root: dir, run: wrangler.run, log: (line) => log.push(line) });

    expect(wrangler.commands()).toEqual([
      cmd(["secret", "list"], SOURCE),
      cmd(["d1", "list", "--json"], SOURCE),
      cmd(["kv", "namespace", "list"], SOURCE),
      cmd(["queues", "list", "--page", "1"], SOURCE),
      cmd(["queues", "list", "--page", "2"], SOURCE),
      ...lacking.map((name) => cmd(["queues", "create", name], SOURCE)),
      cmd(["d1", "migrations", "apply", "DB", "--remote"], PRODUCTION),
      cmd(["deploy"], PRODUCTION),
    ]);
    // Only the two steps the person deploying watches are streamed.
    expect(wrangler.calls.filter((call) => call.stream).map((call) => call.command)).toEqual([
      cmd(["d1", "migrations", "apply", "DB", "--remote"], PRODUCTION),
      cmd(["deploy"], PRODUCTION),
    ]);

    expect(written).toBe(join(dir, "wrangler.production.jsonc"));
    const production = readJsonc(written);
    const { rawConfig } = experimental_readRawConfig({ config: join(dir, "wrangler.toml") });
    const databaseId = parseD1List(recorded("d1-list.txt")).get("certdesk");
    const namespaceId = parseKvList(recorded("kv-list.txt")).get("certdesk-challenges");
    expect(production.d1_databases[0].database_id).toBe(databaseId);
    expect(production.kv_namespaces[0].id).toBe(namespaceId);
    // Everything else is wrangler.toml as it is.
    expect({ ...production, d1_databases: undefined, kv_namespaces: undefined }).toEqual({ ...rawConfig, d1_databases: undefined, kv_namespaces: undefined });
    expect(production.d1_databases[0]).toEqual({ ...rawConfig.d1_databases![0], database_id: databaseId });
    expect(log).toContain(`D1 database certdesk: reusing ${databaseId}`);
    for (const name of lacking) expect(log).toContain(`queue ${name}: created`);
    // The committed file keeps its placeholders.
    expect(readFileSync(join(dir, "wrangler.toml"), "utf8")).toBe(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
  });

  it("creates the database and the namespace when the account has neither, and writes the new ids", async () => {
    const dir = projectWith();
    const wrangler = recordedWrangler({
      [cmd(["secret", "list"], SOURCE)]: [ok("secret-list-complete.txt")],
      [cmd(["d1", "list", "--json"], SOURCE)]: [ok("d1-list-before-create.txt"), ok("d1-list.txt")],
      [cmd(["d1", "create", "certdesk"], SOURCE)]: [ok("d1-create.txt")],
      [cmd(["kv", "namespace", "list"], SOURCE)]: [ok("kv-list-before-create.txt"), ok("kv-list.txt")],
      [cmd(["kv", "namespace", "create", "certdesk-challenges"], SOURCE)]: [ok("kv-namespace-create.txt")],
      [cmd(["queues", "list", "--page", "1"], SOURCE)]: [ok("queues-list-before-create.txt")],
      [cmd(["queues", "list", "--page", "2"], SOURCE)]: [ok("queues-list-2.txt")],
      ...Object.fromEntries(config.queues.map((name) => [cmd(["queues", "create", name], SOURCE), [ok("queues-create.txt")]])),
      [cmd(["d1", "migrations", "apply", "DB", "--remote"], PRODUCTION)]: [streamed],
      [cmd(["deploy"], PRODUCTION)]: [streamed],
    });
    const written = await deploy({ root: dir, run: wrangler.run, log: () => {} });
    const commands = wrangler.commands();
    expect(commands.indexOf(cmd(["d1", "create", "certdesk"], SOURCE))).toBeLessThan(commands.lastIndexOf(cmd(["d1", "list", "--json"], SOURCE)));
    for (const name of config.queues) expect(commands).toContain(cmd(["queues", "create", name], SOURCE));
    const production = readJsonc(written);
    expect(production.d1_databases[0].database_id).toBe(parseD1List(recorded("d1-list.txt")).get("certdesk"));
    expect(production.kv_namespaces[0].id).toBe(parseKvList(recorded("kv-list.txt")).get("certdesk-challenges"));
  });

  it("creates a queue that another section of the configuration adds", async () => {
    const extra = `${readFileSync(join(ROOT, "wrangler.toml"), "utf8")}\n[[queues.producers]]\nbinding = "EXTRA"\nqueue = "certdesk-extra-jobs"\n`;
    const dir = projectWith(extra);
    const lacking = [...readDeployConfig(join(dir, "wrangler.toml")).queues].filter((name) => !parseQueueTable(recorded("queues-list.txt")).includes(name));
    expect(lacking).toContain("certdesk-extra-jobs");
    const wrangler = recordedWrangler({
      ...accountAsRecorded(lacking),
      [cmd(["d1", "migrations", "apply", "DB", "--remote"], PRODUCTION)]: [streamed],
      [cmd(["deploy"], PRODUCTION)]: [streamed],
    });
    await deploy({ root: dir, run: wrangler.run, log: () => {} });
    expect(wrangler.commands()).toContain(cmd(["queues", "create", "certdesk-extra-jobs"], SOURCE));
  });

  it("refuses without ENCRYPTION_KEY, saying how to set it, before touching anything in the account", async () => {
    const dir = projectWith();
    const wrangler = recordedWrangler({ [cmd(["secret", "list"], SOURCE)]: [ok("secret-list.txt")] });
    const refusal = await deploy({ root: dir, run: wrangler.run, log: () => {} }).catch((error) => error);
    expect(refusal).toBeInstanceOf(DeployError);
    expect(refusal.message).toMatch(/^Refusing to deploy: the Worker "certdesk" has no ENCRYPTION_KEY secret/);
    expect(refusal.message).toContain("npx wrangler secret put ENCRYPTION_KEY");
    expect(refusal.message).not.toContain("secret put ADMIN_TOKEN");
    expect(wrangler.commands()).toEqual([cmd(["secret", "list"], SOURCE)]);
    expect(existsSync(join(dir, "wrangler.production.jsonc"))).toBe(false);
  });

  /** wrangler.toml with `lines` added to its [vars]. */
  const withVars = (...lines: string[]) => readFileSync(join(ROOT, "wrangler.toml"), "utf8").replace(/^\[vars\]\n/m, `[vars]\n${lines.join("\n")}\n`);

  it.each(["test", "development", "staging"])("refuses CERTDESK_ENV = %j in [vars] before calling wrangler at all", async (environment) => {
    const dir = projectWith(withVars(`CERTDESK_ENV = "${environment}"`));
    expect(experimental_readRawConfig({ config: join(dir, "wrangler.toml") }).rawConfig.vars).toMatchObject({ CERTDESK_ENV: environment });
    const wrangler = recordedWrangler({});
    const refusal = await deploy({ root: dir, run: wrangler.run, log: () => {} }).catch((error) => error);
    expect(refusal).toBeInstanceOf(DeployError);
    expect(refusal.message).toBe(
      `Refusing to deploy: wrangler.toml sets CERTDESK_ENV = "${environment}" in [vars]. A deployment is production: ` +
        `remove CERTDESK_ENV (it defaults to "production") or set it to "production".`,
    );
    expect(wrangler.commands()).toEqual([]);
    expect(existsSync(join(dir, "wrangler.production.jsonc"))).toBe(false);
  });

  it("deploys with CERTDESK_ENV = \"production\" in [vars]", async () => {
    const dir = projectWith(withVars('CERTDESK_ENV = "production"'));
    const wrangler = recordedWrangler({
      ...accountAsRecorded(config.queues.filter((name) => !parseQueueTable(recorded("queues-list.txt")).includes(name))),
      [cmd(["d1", "migrations", "apply", "DB", "--remote"], PRODUCTION)]: [streamed],
      [cmd(["deploy"], PRODUCTION)]: [streamed],
    });
    const written = await deploy({ root: dir, run: wrangler.run, log: () => {} });
    expect(readJsonc(written).vars.CERTDESK_ENV).toBe("production");
    expect(wrangler.commands().at(-1)).toBe(cmd(["deploy"], PRODUCTION));
  });

  it("refuses the test-only variables the Worker refuses in production, naming each, before calling wrangler", async () => {
    // The same list as the Worker's own (src/core/config.ts).
    expect(TEST_ONLY_VARIABLES).toEqual(WORKER_TEST_ONLY_VARIABLES);
    const dir = projectWith(withVars(`DNS_API_BASE_URLS = '{"cloudflare": "https://elsewhere.example"}'`, 'ALLOW_PRIVATE_WEBHOOK_TARGETS = "true"'));
    const wrangler = recordedWrangler({});
    const refusal = await deploy({ root: dir, run: wrangler.run, log: () => {} }).catch((error) => error);
    expect(refusal).toBeInstanceOf(DeployError);
    expect(refusal.message).toBe(
      "Refusing to deploy: wrangler.toml sets DNS_API_BASE_URLS, ALLOW_PRIVATE_WEBHOOK_TARGETS in [vars], for tests only; " +
        "the Worker refuses them in production. Remove them.",
    );
    expect(wrangler.commands()).toEqual([]);
  });

  it("refuses a CERTDESK_ENV set as a secret (its value cannot be read back), saying how to delete it, before any change", async () => {
    const dir = projectWith();
    const wrangler = recordedWrangler({ [cmd(["secret", "list"], SOURCE)]: [ok("secret-list-with-certdesk-env.txt")] });
    const refusal = await deploy({ root: dir, run: wrangler.run, log: () => {} }).catch((error) => error);
    expect(refusal).toBeInstanceOf(DeployError);
    expect(refusal.message).toMatch(/^Refusing to deploy: the Worker "certdesk" has CERTDESK_ENV as a secret, whose value cannot be checked/);
    expect(refusal.message).toContain("npx wrangler secret delete CERTDESK_ENV");
    expect(wrangler.commands()).toEqual([cmd(["secret", "list"], SOURCE)]);
    expect(existsSync(join(dir, "wrangler.production.jsonc"))).toBe(false);
  });

  it("tells how to create a Worker that does not exist yet: setting its secrets creates it", async () => {
    const dir = projectWith();
    const wrangler = recordedWrangler({
      [cmd(["secret", "list"], SOURCE)]: [{ code: 1, stdout: "\n", stderr: recorded("secret-list-missing-worker.stderr.txt") }],
    });
    const refusal = await deploy({ root: dir, run: wrangler.run, log: () => {} }).catch((error) => error);
    expect(refusal).toBeInstanceOf(DeployError);
    expect(refusal.message).toContain('The Worker "certdesk" does not exist in this account yet');
    expect(refusal.message).toContain("npx wrangler secret put ADMIN_TOKEN");
    expect(refusal.message).toContain("npx wrangler secret put ENCRYPTION_KEY");
    expect(wrangler.commands()).toHaveLength(1);
  });

  it("quotes wrangler when it is not logged in, without its colour codes, and says how to log in", async () => {
    const dir = projectWith();
    const wrangler = recordedWrangler({
      [cmd(["secret", "list"], SOURCE)]: [ok("secret-list-complete.txt")],
      [cmd(["d1", "list", "--json"], SOURCE)]: [{ code: 1, stdout: "\n", stderr: recorded("d1-list-not-authenticated.stderr.txt") }],
    });
    const failure = await deploy({ root: dir, run: wrangler.run, log: () => {} }).catch((error) => error);
    expect(failure).toBeInstanceOf(DeployError);
    expect(failure.message).toContain("`wrangler d1 list --json` failed (exit 1)");
    expect(failure.message).toContain("it's necessary to set a CLOUDFLARE_API_TOKEN");
    expect(failure.message).toContain("npx wrangler login");
    expect(failure.message).not.toContain("\u001b[");
  });

  it("stops before deploying when a migration fails", async () => {
    const dir = projectWith();
    const wrangler = recordedWrangler({
      ...accountAsRecorded(config.queues),
      [cmd(["d1", "migrations", "apply", "DB", "--remote"], PRODUCTION)]: [{ code: 1, stdout: "", stderr: "" }],
    });
    const failure = await deploy({ root: dir, run: wrangler.run, log: () => {} }).catch((error) => error);
    expect(failure).toBeInstanceOf(DeployError);
    expect(failure.message).toContain("Stopped while applying the migrations to certdesk");
    expect(wrangler.commands()).not.toContain(cmd(["deploy"], PRODUCTION));
  });

  it("writes a configuration wrangler itself accepts: a dry run of it binds the account's ids", () => {
    // Beside wrangler.toml (its relative paths), under a name of this run's own; removed afterwards.
    const name = `wrangler.production.test-${process.pid}.jsonc`;
    const path = join(ROOT, name);
    const outdir = mkdtempSync(join(ROOT, ".tmp", "deploy-dry-run-"));
    dirs.push(outdir);
    const databaseId = parseD1List(recorded("d1-list.txt")).get("certdesk")!;
    const namespaceId = parseKvList(recorded("kv-list.txt")).get("certdesk-challenges")!;
    try {
      const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, "wrangler.toml") });
      const production = {
        ...rawConfig,
        d1_databases: rawConfig.d1_databases!.map((db: object) => ({ ...db, database_id: databaseId })),
        kv_namespaces: rawConfig.kv_namespaces!.map((namespace: object) => ({ ...namespace, id: namespaceId })),
      };
      writeFileSync(path, `// test\n${JSON.stringify(production, null, 2)}\n`);
      const dry = spawnSync(join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--config", name, "--outdir", outdir], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", WRANGLER_SEND_METRICS: "false", CI: "1" },
        timeout: 120_000,
      });
      expect(dry.status, `${dry.stdout}\n${dry.stderr}`).toBe(0);
      expect(dry.stdout).toContain(`env.CHALLENGES (${namespaceId})`);
      expect(dry.stdout).toContain("--dry-run: exiting now.");
    } finally {
      rmSync(path, { force: true });
    }
  });
});

describe("reading wrangler 4.86's output", () => {
  it("finds the queues in the table under the banner, and none past the last page", () => {
    expect(parseQueueTable(recorded("queues-list.txt"))).toEqual(["certdesk-renewals", "other-jobs"]);
    expect(parseQueueTable(recorded("queues-list-2.txt"))).toEqual([]);
  });

  it("reads the JSON lists and the secrets' names", () => {
    expect([...parseD1List(recorded("d1-list.txt")).keys()]).toEqual(["certdesk", "other-app"]);
    expect([...parseKvList(recorded("kv-list.txt")).keys()]).toEqual(["certdesk-challenges", "other-cache"]);
    expect(parseSecretList(recorded("secret-list.txt"))).toEqual(new Set(["ADMIN_TOKEN", "ACME_EAB_KID"]));
  });

  it("refuses output that is not a JSON list, quoting it", () => {
    expect(() => parseD1List("Something else\n")).toThrow(/printed no JSON list:\nSomething else/);
    expect(() => parseSecretList('{"name":"ADMIN_TOKEN"}')).toThrow(/printed no JSON list/);
  });

  it("tells a missing Worker from other failures", () => {
    expect(isWorkerNotFound(recorded("secret-list-missing-worker.stderr.txt"))).toBe(true);
    expect(isWorkerNotFound(recorded("d1-list-not-authenticated.stderr.txt"))).toBe(false);
  });
});
