/**
 * `certdesk`, the command line, run as a user runs it (a Node process) against a real `wrangler dev` of this Worker:
 * login's 0600 file, the certificates table, sync's files, modes and reload hook, and where the key may be written.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorker, MIGRATIONS_TIMEOUT_MS, START_TIMEOUT_MS, startWorker } from "./support/private-ca-worker.mjs";

const CLI = fileURLToPath(new URL("../../cli/certdesk.mjs", import.meta.url));
const DOMAIN = "cli.example.com";

let worker: RunningWorker;
let token: string;
let project: string;
let scratch: string;
let failed = false;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a process of its own, with no CERTDESK_* of this process's environment unless given. */
function certdesk(args: string[], { env = {}, input }: { env?: Record<string, string>; input?: string } = {}): Run {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CERTDESK_")));
  const run = spawnSync(process.execPath, [CLI, ...args], { env: { ...base, ...env }, input, encoding: "utf8", cwd: scratch });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const connected = () => ({ CERTDESK_URL: worker.url, CERTDESK_TOKEN: token });

async function api(method: string, path: string, bearer: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${worker.url}/api/v1${path}`, {
    method,
    // A connection per request, as test/support/http-client.ts explains: a pooled one the Worker's side closed during a
    // pause failed a call here ("other side closed") on a loaded machine.
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", connection: "close" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** A self-signed certificate for DOMAIN with a P-256 key, made now; each call a new key and serial. */
function selfSigned(): { certificate: string; privateKey: string } {
  const dir = mkdtempSync(join(scratch, "openssl-"));
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", `/CN=${DOMAIN}`,
      "-addext", `subjectAltName=DNS:${DOMAIN}`, "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
    { stdio: "ignore" },
  );
  const material = { certificate: readFileSync(join(dir, "cert.pem"), "utf8"), privateKey: readFileSync(join(dir, "key.pem"), "utf8") };
  rmSync(dir, { recursive: true, force: true });
  return material;
}

async function upload(): Promise<{ serial: string; privateKey: string }> {
  const material = selfSigned();
  const stored = await api("POST", `/projects/${project}/certificate/upload`, token, material);
  expect(stored.status, JSON.stringify(stored.json)).toBe(200);
  return { serial: stored.json.certificate.serial, privateKey: material.privateKey };
}

const mode = (path: string) => statSync(path).mode & 0o777;
/** The base64 body of a PEM, which no file but privkey.pem may hold (in any wrapping). */
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "certdesk-cli-"));
  worker = await startWorker("cli");
  const team = await api("POST", "/teams", worker.adminToken, { slug: "cli", name: "CLI" });
  expect(team.status, JSON.stringify(team.json)).toBe(200);
  token = team.json.token;
  const created = await api("POST", "/projects", token, { name: "web", domain: DOMAIN });
  expect(created.status, JSON.stringify(created.json)).toBe(200);
  project = created.json.id;
}, MIGRATIONS_TIMEOUT_MS + START_TIMEOUT_MS);

// Keep the Worker's logs when a test failed.
afterEach(({ task }) => {
  if (task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  await worker?.stop(failed);
  rmSync(scratch, { recursive: true, force: true });
});

describe("certdesk", () => {
  it("login stores the server and token in a 0600 file under XDG_CONFIG_HOME, and the variables win over it", async () => {
    const home = mkdtempSync(join(scratch, "config-"));
    const login = certdesk(["login", "--url", `${worker.url}/`, "--token", "wrong-token"], { env: { XDG_CONFIG_HOME: home } });
    expect(login.status, login.stderr).toBe(0);
    const file = join(home, "certdesk", "config.json");
    expect(mode(file)).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ url: worker.url, token: "wrong-token" });
    expect(login.stdout).not.toContain("wrong-token");

    // The token on stdin replaces the file's, and the file stays 0600.
    const again = certdesk(["login", "--url", worker.url], { env: { XDG_CONFIG_HOME: home }, input: `${token}\n` });
    expect(again.status, again.stderr).toBe(0);
    expect(mode(file)).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).token).toBe(token);

    await upload();
    const listed = certdesk(["certificates"], { env: { XDG_CONFIG_HOME: home } });
    expect(listed.status, listed.stderr).toBe(0);
    const [header, row] = listed.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^NAMES\s+EXPIRES\s+DAYS LEFT\s+STATUS/);
    expect(row).toMatch(new RegExp(`^${DOMAIN.replaceAll(".", "\\.")}\\s+\\S+Z\\s+(29|30)\\s+VALID\\s+uploaded\\s+${project}$`));

    // CERTDESK_TOKEN wins over the file: a wrong one is refused with the API's own words, and is not printed.
    const refused = certdesk(["certificates"], { env: { XDG_CONFIG_HOME: home, CERTDESK_TOKEN: "cd_not-a-real-token" } });
    expect(refused.status).toBe(3);
    expect(refused.stderr).toMatch(/^certdesk: .+\(\w+\)\n$/);
    expect(`${refused.stdout}${refused.stderr}`).not.toContain("cd_not-a-real-token");
  });

  it("sync writes the four files with their modes, then nothing until the serial changes, then rewrites and reloads", async () => {
    const first = await upload();
    const dir = join(scratch, "live", "web");
    const hookLog = join(scratch, "reloads.log");
    const reload = `echo reloaded >> '${hookLog}'`;
    const sync = () => certdesk(["sync", "--project", project, "--dir", dir, "--reload", reload], { env: connected() });
    const reloads = () => (existsSync(hookLog) ? readFileSync(hookLog, "utf8").split("\n").filter(Boolean).length : 0);

    const written = sync();
    expect(written.status, written.stderr).toBe(0);
    expect(written.stdout, JSON.stringify(written)).toContain(first.serial);
    expect(reloads(), JSON.stringify(written)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem", "recipient.jwk"]);
    expect(mode(join(dir, "privkey.pem"))).toBe(0o600);
    expect(mode(join(dir, "recipient.jwk"))).toBe(0o600);
    for (const name of ["cert.pem", "chain.pem", "fullchain.pem"]) expect(mode(join(dir, name))).toBe(0o644);
    const leaf = new X509Certificate(readFileSync(join(dir, "cert.pem")));
    expect(leaf.serialNumber.toLowerCase().replace(/^0+/, "")).toBe(first.serial.toLowerCase().replace(/^0+/, ""));
    expect(readFileSync(join(dir, "fullchain.pem"), "utf8").startsWith(readFileSync(join(dir, "cert.pem"), "utf8"))).toBe(true);
    // The key written is the certificate's: its public half is the leaf's.
    const key = createPrivateKey(readFileSync(join(dir, "privkey.pem")));
    expect(createPublicKey(key).export({ format: "jwk" })).toEqual(leaf.publicKey.export({ format: "jwk" }));

    // Unchanged: silent, no file touched, no hook.
    const before = readdirSync(dir).map((name) => statSync(join(dir, name)).mtimeMs);
    const unchanged = sync();
    expect(unchanged).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(reloads()).toBe(1);
    expect(readdirSync(dir).map((name) => statSync(join(dir, name)).mtimeMs)).toEqual(before);

    // A new certificate (new serial): rewritten, and the hook runs once more.
    const second = await upload();
    const rewritten = sync();
    expect(rewritten.status, rewritten.stderr).toBe(0);
    expect(rewritten.stdout).toContain(second.serial);
    expect(reloads()).toBe(2);
    expect(pemBody(readFileSync(join(dir, "privkey.pem"), "utf8"))).toBe(pemBody(second.privateKey));
    expect(`${rewritten.stdout}${rewritten.stderr}`).not.toContain(pemBody(second.privateKey).slice(0, 40));
  });

  it("a failing reload hook exits 4 with the files in place, and the next sync runs it again", async () => {
    await upload();
    const dir = join(scratch, "live", "failing");
    const marker = join(scratch, "fixed");
    const reload = `test -e '${marker}'`;
    const failedRun = certdesk(["sync", "--project", project, "--dir", dir, "--reload", reload], { env: connected() });
    expect(failedRun.status).toBe(4);
    expect(failedRun.stderr).toContain("reload hook exited with 1");
    expect(existsSync(join(dir, "privkey.pem"))).toBe(true);

    execFileSync("touch", [marker]);
    const retried = certdesk(["sync", "--project", project, "--dir", dir, "--reload", reload], { env: connected() });
    expect(retried.status, retried.stderr).toBe(0);
    expect(retried.stdout).toContain("reload hook ran");
    const quiet = certdesk(["sync", "--project", project, "--dir", dir, "--reload", reload], { env: connected() });
    expect(quiet).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("with certificates:export alone (no projects:read), sync still writes only when the serial changed", async () => {
    const minted = await api("POST", "/tokens", token, { name: "sync-only", scopes: ["certificates:export"] });
    expect(minted.status, JSON.stringify(minted.json)).toBe(200);
    const env = { CERTDESK_URL: worker.url, CERTDESK_TOKEN: minted.json.token };
    const { serial } = await upload();
    const dir = join(scratch, "live", "export-only");
    const hookLog = join(scratch, "export-only-reloads.log");
    const sync = () => certdesk(["sync", "--project", project, "--dir", dir, "--reload", `echo reloaded >> '${hookLog}'`], { env });

    const written = sync();
    expect(written.status, written.stderr).toBe(0);
    expect(written.stdout).toContain(serial);
    const before = statSync(join(dir, "privkey.pem")).mtimeMs;
    expect(sync()).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(statSync(join(dir, "privkey.pem")).mtimeMs).toBe(before);
    expect(readFileSync(hookLog, "utf8")).toBe("reloaded\n");
  });

  it("export leaves the plaintext key in privkey.pem and nowhere else, and says nothing of it", async () => {
    const { privateKey } = await upload();
    const dir = join(scratch, "export");
    const exported = certdesk(["export", "--project", project, "--dir", dir], { env: connected() });
    expect(exported.status, exported.stderr).toBe(0);
    const secret = pemBody(privateKey);
    const holders = readdirSync(dir).filter((name) => pemBody(readFileSync(join(dir, name), "utf8")).includes(secret));
    expect(holders).toEqual(["privkey.pem"]);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(`${exported.stdout}${exported.stderr}`).not.toContain(secret.slice(0, 40));
    expect(`${exported.stdout}${exported.stderr}`).not.toContain(token);
  });

  it("API refusals print the API's message (exit 3), usage mistakes exit 2", async () => {
    await upload();
    const renew = certdesk(["renew", "--project", project], { env: connected() });
    expect(renew.status).toBe(3);
    expect(renew.stderr).toMatch(/^certdesk: .*upload/i);
    expect(renew.stderr).not.toContain(token);

    const missing = certdesk(["export", "--project", "prj_doesnotexist", "--dir", join(scratch, "none")], { env: connected() });
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/^certdesk: .+\(not_found\)\n$/);

    const unreachable = certdesk(["certificates"], { env: { CERTDESK_URL: "http://127.0.0.1:9", CERTDESK_TOKEN: token } });
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).toMatch(/^certdesk: cannot reach http:\/\/127\.0\.0\.1:9: /);
    expect(unreachable.stderr).not.toContain(token);

    expect(certdesk(["sync", "--project", project], { env: connected() }).status).toBe(2);
    expect(certdesk(["frobnicate"], { env: connected() }).status).toBe(2);
    expect(certdesk(["obtain", "--project", project], { env: connected() }).stderr).toContain("--email");
    expect(certdesk(["obtain", "--project", project, "--email", "a@example.com", "--challenge", "tls-alpn-01"], { env: connected() }).status).toBe(2);
    expect(certdesk(["certificates"], { env: { XDG_CONFIG_HOME: mkdtempSync(join(scratch, "empty-")) } }).status).toBe(2);
    // A damaged config file is not quoted back (the parser's message would show the token in it).
    const damaged = mkdtempSync(join(scratch, "damaged-"));
    mkdirSync(join(damaged, "certdesk"));
    writeFileSync(join(damaged, "certdesk", "config.json"), `{"url": "${worker.url}", "token": ${token}}`);
    const broken = certdesk(["certificates"], { env: { XDG_CONFIG_HOME: damaged } });
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain("certdesk login");
    // Node's JSON.parse message quotes a few characters around the fault: those after the token's prefix, here.
    expect(broken.stderr).not.toContain(token.slice(4, 10));

    const help = certdesk(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes[\s\S]*4\s+the reload hook failed/);
  });
});

