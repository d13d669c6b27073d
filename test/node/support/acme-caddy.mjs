/**
 * Caddy (Debian's package, unmodified) serving a site whose certificate it obtains from the directory under test:
 * global `acme_ca` + `acme_eab` (and `acme_ca_root` for an HTTPS directory), its own XDG dirs and HOME, no admin
 * endpoint, http-01 answered by Caddy itself on its `http_port`. `caddy run` is a long-lived process: `serve`
 * resolves once the certificate and key are in Caddy's storage, and `stop` kills its process group.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnLogged, stopProcess } from "../../../scripts/pebble/processes.mjs";
import { logTail } from "./acme-clients.mjs";

const DEFAULT_TIMEOUT_MS = 90_000;

/** Caddyfile quoting: a double-quoted token with its quotes and backslashes escaped. */
const quote = (value) => `"${String(value).replace(/["\\]/g, "\\$&")}"`;

export function caddyClient({ directoryUrl, eab, caCert, http01Port, httpsPort, dir, timeoutMs = DEFAULT_TIMEOUT_MS, binary = "caddy" }) {
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, "config"), XDG_DATA_HOME: join(dir, "data") };
  const caddyfile = join(dir, "Caddyfile");
  const logFile = join(dir, "caddy.log");
  let handle;

  /** Where Caddy keeps `<name>.crt` and `<name>.key` (under a folder named after the issuer), or null. */
  const stored = (name) => {
    const root = join(dir, "data", "caddy", "certificates");
    if (!existsSync(root)) return null;
    for (const issuer of readdirSync(root)) {
      const folder = join(root, issuer, name);
      const files = { certificate: join(folder, `${name}.crt`), key: join(folder, `${name}.key`) };
      if (existsSync(files.certificate) && existsSync(files.key) && statSync(files.certificate).size > 0) return { ...files, fullchain: files.certificate };
    }
    return null;
  };

  return {
    name: "caddy",
    dir,
    logFile,
    /**
     * Writes the Caddyfile (one site per name answering `body`), starts Caddy and waits for every certificate.
     * Returns { ok, seconds, files: { [name]: { certificate, key, fullchain } }, logTail }.
     */
    async serve(names, body = "served by caddy") {
      const global = [
        "admin off",
        "skip_install_trust",
        `http_port ${http01Port}`,
        `https_port ${httpsPort}`,
        `acme_ca ${quote(directoryUrl)}`,
        ...(caCert ? [`acme_ca_root ${quote(caCert)}`] : []),
        `acme_eab {\n\t\tkey_id ${quote(eab.keyId)}\n\t\tmac_key ${quote(eab.hmacKey)}\n\t}`,
        "email acme-client-test@example.com",
      ];
      const sites = names.map((name) => `${name} {\n\trespond ${quote(body)}\n}`);
      writeFileSync(caddyfile, `{\n${global.map((line) => `\t${line}`).join("\n")}\n}\n\n${sites.join("\n\n")}\n`);
      const started = performance.now();
      handle = spawnLogged("caddy", binary, ["run", "--config", caddyfile, "--adapter", "caddyfile"], { env, cwd: dir, logFile });
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && handle.exitCode === undefined) {
        const files = Object.fromEntries(names.map((name) => [name, stored(name)]));
        if (Object.values(files).every(Boolean)) return { ok: true, seconds: (performance.now() - started) / 1000, files, logFile, logTail: "" };
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const reason = handle.exitCode === undefined ? `no certificate within ${timeoutMs} ms` : `exited ${handle.exitCode}`;
      const tail = logTail(logFile);
      console.error(`[caddy] ${reason}; last lines of ${logFile}:\n${tail}`);
      return { ok: false, seconds: (performance.now() - started) / 1000, files: {}, logFile, logTail: tail };
    },
    async stop() {
      await stopProcess(handle);
      handle = undefined;
    },
  };
}
