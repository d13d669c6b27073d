/** Where `certdesk` finds its server and token: CERTDESK_URL / CERTDESK_TOKEN first, then the 0600 file `login` wrote. */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { UsageError } from "./errors.mjs";

/** `$XDG_CONFIG_HOME/certdesk/config.json`, `~/.config` when unset or not absolute (XDG Base Directory Specification). */
export function configPath(env = process.env) {
  const base = env.XDG_CONFIG_HOME?.startsWith("/") ? env.XDG_CONFIG_HOME : join(homedir(), ".config");
  return join(base, "certdesk", "config.json");
}

/** The server's base URL as typed, checked and without a trailing slash. */
export function normalizeUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be a URL such as https://certdesk.example.com (got "${url}")`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new UsageError("--url must be an http or https URL");
  return parsed.href.replace(/\/+$/, "");
}

/** Writes url and token to the config file, 0600 from its first byte (a temporary file renamed over the old one). */
export function saveConfig(url, token, env = process.env) {
  const path = configPath(env);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.config.json.${randomBytes(6).toString("hex")}`);
  writeFileSync(temp, `${JSON.stringify({ url, token }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
  return path;
}

function readConfigFile(env) {
  try {
    return JSON.parse(readFileSync(configPath(env), "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return {};
    // The parser's message would quote the file, token included: say only what to do.
    throw new UsageError(`cannot read ${configPath(env)} (${error.code ?? "not JSON"}): run \`certdesk login\` again`);
  }
}

/** The server and token to use: each variable wins over the file. */
export function loadConnection(env = process.env) {
  const file = env.CERTDESK_URL && env.CERTDESK_TOKEN ? {} : readConfigFile(env);
  const url = env.CERTDESK_URL || file.url;
  const token = env.CERTDESK_TOKEN || file.token;
  if (!url || !token) throw new UsageError("no server or token: run `certdesk login --url <url>` or set CERTDESK_URL and CERTDESK_TOKEN");
  return { url: normalizeUrl(url), token };
}
