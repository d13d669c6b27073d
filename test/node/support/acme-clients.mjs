/**
 * certbot, lego and dehydrated (Debian's packages, unmodified) as ACME clients of a server under test: each in a
 * directory of its own (HOME too: nothing under /etc or the user's home is read or written), with External Account
 * Binding (RFC 8555 §7.3.4), trusting an HTTPS server's CA by the client's documented variable, answering http-01 on
 * a given port itself. Every run has a timeout and is killed as a process group; a failed run prints its log's tail.
 * Caddy is in acme-caddy.mjs.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { spawnLogged, stopProcess } from "../../../scripts/pebble/processes.mjs";

const DEFAULT_TIMEOUT_MS = 90_000;
const LOG_TAIL_LINES = 40;

/**
 * Runs one client command to its end (or its timeout) with stdout+stderr in `logFile`. Returns
 * { ok, exitCode, timedOut, seconds, logFile, logTail }; on failure the tail is also printed, so CI shows the cause.
 */
export async function runClient(label, command, args, { env, cwd, logFile, timeoutMs = DEFAULT_TIMEOUT_MS, running }) {
  const started = performance.now();
  const handle = spawnLogged(label, command, args, { env, cwd, logFile });
  running?.add(handle);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopProcess(handle, 2000);
  }, timeoutMs);
  const exitCode = await handle.exited;
  clearTimeout(timer);
  // Whatever the client left behind in its group (certbot's standalone server, a curl) goes with it.
  await stopProcess(handle);
  running?.delete(handle);
  const seconds = (performance.now() - started) / 1000;
  const ok = exitCode === 0 && !timedOut;
  const lastLines = ok ? "" : logTail(logFile);
  if (ok) console.log(`[${label}] done in ${seconds.toFixed(2)} s`);
  else console.error(`[${label}] ${timedOut ? `timed out after ${timeoutMs} ms` : `exited ${exitCode}`}; last lines of ${logFile}:\n${lastLines}`);
  return { ok, exitCode, timedOut, seconds, logFile, logTail: lastLines };
}

/** The last lines of a client's log, to print when it failed. */
export function logTail(file, lines = LOG_TAIL_LINES) {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** What every client wrapper shares: its directories, the environment it runs with, the runs still going. */
function clientBase(name, { dir, caCert, timeoutMs }, caVariable) {
  const logs = join(dir, "logs");
  mkdirSync(logs, { recursive: true });
  const running = new Set();
  let runs = 0;
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, "xdg-config"), XDG_DATA_HOME: join(dir, "xdg-data"), XDG_CACHE_HOME: join(dir, "xdg-cache") };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.LEGO_CA_CERTIFICATES;
  delete env.CURL_CA_BUNDLE;
  if (caCert) env[caVariable] = caCert;
  return {
    name,
    dir,
    run(operation, command, args, options = {}) {
      const label = `${name} ${operation} #${++runs}`;
      return runClient(label, command, args, { env, cwd: dir, logFile: join(logs, `${String(runs).padStart(2, "0")}-${operation}.log`), timeoutMs, running, ...options });
    },
    async stop() {
      await Promise.all([...running].map((handle) => stopProcess(handle)));
    },
  };
}

/** Paths of what a client wrote, when the run succeeded and the files are there. */
function withFiles(result, files) {
  if (!result.ok) return result;
  const absent = Object.values(files).filter((path) => !existsSync(path));
  if (absent.length === 0) return { ...result, files };
  const logTail = logTail(result.logFile);
  console.error(`[${result.logFile}] exited 0 but did not write ${absent.join(", ")}:\n${logTail}`);
  return { ...result, ok: false, logTail };
}

/**
 * certbot: `certonly --standalone` (its own http-01 server on `http01Port`), `renew --force-renewal`, `revoke`.
 * It trusts an HTTPS directory's CA through REQUESTS_CA_BUNDLE (Python requests' documented variable).
 */
export function certbotClient({ directoryUrl, eab, caCert, http01Port, dir, timeoutMs, binary = "certbot" }) {
  const base = clientBase("certbot", { dir, caCert, timeoutMs }, "REQUESTS_CA_BUNDLE");
  const dirs = ["--config-dir", join(dir, "config"), "--work-dir", join(dir, "work"), "--logs-dir", join(dir, "logs", "certbot")];
  const common = ["--non-interactive", "--server", directoryUrl, ...dirs];
  const live = (names) => {
    const folder = join(dir, "config", "live", names[0]);
    return { certificate: join(folder, "cert.pem"), key: join(folder, "privkey.pem"), chain: join(folder, "chain.pem"), fullchain: join(folder, "fullchain.pem") };
  };
  return {
    ...base,
    async obtain(names) {
      const args = [
        "certonly", ...common, "--agree-tos", "--register-unsafely-without-email",
        "--eab-kid", eab.keyId, "--eab-hmac-key", eab.hmacKey,
        "--standalone", "--preferred-challenges", "http", "--http-01-port", String(http01Port), "--http-01-address", "127.0.0.1",
        "--key-type", "ecdsa", "--elliptic-curve", "secp256r1", "--cert-name", names[0],
        ...names.flatMap((name) => ["-d", name]),
      ];
      return withFiles(await base.run("obtain", binary, args), live(names));
    },
    /** A forced renewal with the settings certbot saved at obtain (server, standalone port); no random sleep. */
    async renew(names) {
      const args = ["renew", ...common, "--cert-name", names[0], "--force-renewal", "--no-random-sleep-on-renew"];
      return withFiles(await base.run("renew", binary, args), live(names));
    },
    /** Revokes (with the account key) the certificate certbot holds for these names, keeping its files. */
    async revoke(names) {
      const args = ["revoke", ...common, "--cert-path", live(names).certificate, "--reason", "superseded", "--no-delete-after-revoke"];
      return base.run("revoke", binary, args);
    },
  };
}

/**
 * lego: `run --http` (its own http-01 server on `http01Port`), `renew` (forced by a renewal window longer than any
 * certificate), `revoke`. It trusts an HTTPS directory's CA through LEGO_CA_CERTIFICATES.
 */
export function legoClient({ directoryUrl, eab, caCert, http01Port, dir, timeoutMs, binary = "lego" }) {
  const base = clientBase("lego", { dir, caCert, timeoutMs }, "LEGO_CA_CERTIFICATES");
  const global = (names) => [
    "--server", directoryUrl, "--path", join(dir, "data"), "--accept-tos", "--email", "acme-client-test@example.com",
    "--eab", "--kid", eab.keyId, "--hmac", eab.hmacKey,
    "--http", "--http.port", `127.0.0.1:${http01Port}`, "--key-type", "ec256",
    ...names.flatMap((name) => ["--domains", name]),
  ];
  // lego names its files after the first domain; `<name>.crt` holds the leaf followed by its issuers.
  const files = (names) => {
    const folder = join(dir, "data", "certificates");
    const stem = names[0].replace(/\*/g, "_");
    return { certificate: join(folder, `${stem}.crt`), key: join(folder, `${stem}.key`), chain: join(folder, `${stem}.issuer.crt`), fullchain: join(folder, `${stem}.crt`) };
  };
  return {
    ...base,
    async obtain(names) {
      return withFiles(await base.run("obtain", binary, [...global(names), "run"]), files(names));
    },
    async renew(names) {
      return withFiles(await base.run("renew", binary, [...global(names), "renew", "--days", "36500", "--no-random-sleep"]), files(names));
    },
    async revoke(names) {
      return base.run("revoke", binary, [...global(names), "revoke", "--keep"]);
    },
  };
}

/**
 * dehydrated: its config file carries the CA, EAB_KID/EAB_HMAC_KEY and the WELLKNOWN directory, which a small Node
 * server here serves on `http01Port` while a run lasts (dehydrated only writes the tokens). It talks through curl,
 * which trusts an HTTPS directory's CA through CURL_CA_BUNDLE.
 */
export function dehydratedClient({ directoryUrl, eab, caCert, http01Port, dir, timeoutMs, binary = "dehydrated" }) {
  const base = clientBase("dehydrated", { dir, caCert, timeoutMs }, "CURL_CA_BUNDLE");
  const wellKnown = join(dir, "well-known");
  mkdirSync(wellKnown, { recursive: true });
  const config = join(dir, "config");
  const quote = (value) => `"${String(value).replace(/["\\$`]/g, "\\$&")}"`;
  writeFileSync(
    config,
    [
      `CA=${quote(directoryUrl)}`,
      `BASEDIR=${quote(dir)}`,
      `WELLKNOWN=${quote(wellKnown)}`,
      `DOMAINS_TXT=${quote(join(dir, "domains.txt"))}`,
      'CHALLENGETYPE="http-01"',
      'KEY_ALGO="prime256v1"',
      // The account key is RSA of this size (dehydrated 0.7 has no EC account keys): 2048 is quicker to make than its 4096.
      'KEYSIZE="2048"',
      `EAB_KID=${quote(eab.keyId)}`,
      `EAB_HMAC_KEY=${quote(eab.hmacKey)}`,
    ].join("\n") + "\n",
  );
  const files = (names) => {
    const folder = join(dir, "certs", names[0]);
    return { certificate: join(folder, "cert.pem"), key: join(folder, "privkey.pem"), chain: join(folder, "chain.pem"), fullchain: join(folder, "fullchain.pem") };
  };
  // The first --cron run registers the account (with EAB) itself when given --accept-terms: one start fewer.
  const issue = async (operation, names, extra) => {
    const server = await serveWellKnown(wellKnown, http01Port);
    try {
      const args = ["--config", config, "--cron", "--accept-terms", ...extra, ...names.flatMap((name) => ["--domain", name])];
      return withFiles(await base.run(operation, binary, args), files(names));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  };
  return {
    ...base,
    obtain: (names) => issue("obtain", names, []),
    renew: (names) => issue("renew", names, ["--force"]),
    revoke: (names) => base.run("revoke", binary, ["--config", config, "--revoke", files(names).certificate]),
  };
}

/** Serves `<dir>/<token>` at /.well-known/acme-challenge/<token> on 127.0.0.1:`port` (RFC 8555 §8.3), nothing else. */
function serveWellKnown(dir, port) {
  const server = createServer((request, response) => {
    const match = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(request.url ?? "");
    const file = match ? join(dir, match[1]) : undefined;
    if (!file || !readdirSync(dir).includes(match[1])) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
