/**
 * `certdesk export` and `sync`: the certificate and its key written into a directory as certbot lays out
 * `/etc/letsencrypt/live/<name>`, the key received only as a JWE sealed to a recipient key kept in that directory.
 */
import { spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { compactDecrypt } from "jose";
import { apiRequest } from "./api.mjs";
import { ApiError, ReloadError } from "./errors.mjs";

/** The recipient key's file: the private half of the P-256 key the exports are sealed to. Never leaves this host. */
export const RECIPIENT_FILE = "recipient.jwk";

const PRIVATE = 0o600;
const PUBLIC = 0o644;

/** Serials compared as the same number whatever their case or leading zeros (the API's hex vs Node's). */
const normalizeSerial = (serial) => serial.toLowerCase().replace(/^0+(?=.)/, "");

/** Writes `content` to `dir/name` through a temporary file in the same directory, then rename(2): readers see the old file or the new one. */
function writeAtomically(dir, name, content, mode) {
  const temp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  // Created with its final mode (wx: never someone else's file), so the key is never readable by others, even briefly.
  const fd = openSync(temp, "wx", mode);
  try {
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, mode);
    renameSync(temp, join(dir, name));
  } catch (error) {
    // No copy of a key left behind under another name.
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The recipient key of `dir`, generated (P-256, 0600) the first time. */
function recipientKey(dir) {
  const path = join(dir, RECIPIENT_FILE);
  let privateKey;
  try {
    privateKey = createPrivateKey({ key: JSON.parse(readFileSync(path, "utf8")), format: "jwk" });
  } catch (error) {
    // Not the parser's message: it quotes the file, and this one holds a private key.
    if (error.code !== "ENOENT") throw new Error(`cannot read the recipient key ${path}: not a private JWK; remove it to make a new one`);
    privateKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    writeAtomically(dir, RECIPIENT_FILE, `${JSON.stringify(privateKey.export({ format: "jwk" }))}\n`, PRIVATE);
  }
  const { kty, crv, x, y } = privateKey.export({ format: "jwk" });
  return { privateKey, recipient: { kty, crv, x, y } };
}

/** The serial of `dir/cert.pem`, or null when there is none (or it cannot be read: then it is replaced). */
function installedSerial(dir) {
  try {
    return normalizeSerial(new X509Certificate(readFileSync(join(dir, "cert.pem"))).serialNumber);
  } catch {
    return null;
  }
}

/**
 * The serial the server holds for the project, from `GET …/certificate` (`projects:read`) so that an unchanged
 * certificate costs no export; null when the token may not read it (then every sync is an export).
 */
async function serverSerial(connection, projectId) {
  try {
    const { body } = await apiRequest(connection, "GET", `/projects/${encodeURIComponent(projectId)}/certificate`);
    if (body === null) throw new ApiError(`project ${projectId} has no certificate yet: \`certdesk obtain\` or an upload gives it one`);
    return normalizeSerial(body.serial);
  } catch (error) {
    if (error instanceof ApiError && error.cause?.status === 403) return null;
    throw error;
  }
}

/** The project's certificate with its key, the key sealed to `dir`'s recipient key and opened here. */
async function sealedExport(connection, projectId, dir) {
  const { privateKey, recipient } = recipientKey(dir);
  const { body } = await apiRequest(connection, "POST", `/projects/${encodeURIComponent(projectId)}/certificate/export`, { recipient });
  if (typeof body?.privateKeyJwe !== "string") throw new ApiError("the server did not seal the key to the recipient (no privateKeyJwe in its answer)");
  try {
    // RFC 7518 §4.6: ECDH-ES direct key agreement; the content is the PKCS#8 PEM under A256GCM.
    const options = { keyManagementAlgorithms: ["ECDH-ES"], contentEncryptionAlgorithms: ["A256GCM"] };
    const { plaintext } = await compactDecrypt(body.privateKeyJwe, privateKey, options);
    return { ...body, keyPem: new TextDecoder().decode(plaintext) };
  } catch (error) {
    throw new ApiError(`cannot decrypt the exported key with ${join(dir, RECIPIENT_FILE)}: ${error.message}`);
  }
}

const withNewline = (pem) => (pem === "" || pem.endsWith("\n") ? pem : `${pem}\n`);

/** fullchain.pem, privkey.pem (0600), cert.pem and chain.pem, each replaced atomically. */
function writeLiveFiles(dir, { certificatePem, chainPem, keyPem }) {
  const leaf = withNewline(certificatePem);
  const chain = withNewline(chainPem);
  // The key first and cert.pem (whose serial `sync` compares) last: once cert.pem changes, the others have.
  writeAtomically(dir, "privkey.pem", keyPem, PRIVATE);
  writeAtomically(dir, "chain.pem", chain, PUBLIC);
  writeAtomically(dir, "fullchain.pem", `${leaf}${chain}`, PUBLIC);
  writeAtomically(dir, "cert.pem", leaf, PUBLIC);
}

function ensureDir(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
}

/** `certdesk export`: writes the files whatever is there; answers a line to print. */
export async function exportCommand(connection, { project, dir }) {
  ensureDir(dir);
  const exported = await sealedExport(connection, project, dir);
  writeLiveFiles(dir, exported);
  return `${dir}: ${exported.names.join(", ")}, serial ${exported.serial}, expires ${exported.expiresAt}`;
}

/** Left in the directory while a reload hook has failed since the files last changed, so the next sync runs it again. */
const RELOAD_PENDING = ".reload-pending";

/**
 * Runs the reload hook through the shell (as certbot's --deploy-hook and acme.sh's --reloadcmd do), its output
 * passed through. A failure is remembered: the next sync retries the hook even though the serial is unchanged.
 */
function runReload(dir, command) {
  const pending = join(dir, RELOAD_PENDING);
  writeAtomically(dir, RELOAD_PENDING, `${command}\n`, PRIVATE);
  const run = spawnSync(command, { shell: true, stdio: "inherit" });
  if (run.error) throw new ReloadError(`the reload hook could not start: ${run.error.message}`);
  if (run.status !== 0) throw new ReloadError(`the reload hook exited with ${run.status ?? `signal ${run.signal}`} (the new files are in place; the next sync runs it again): ${command}`);
  rmSync(pending, { force: true });
}

const reloadPending = (dir) => existsSync(join(dir, RELOAD_PENDING));

/**
 * `certdesk sync`: writes the files and runs the hook only when the server's serial differs from `dir/cert.pem`'s.
 * Answers the lines to print: none when nothing changed.
 */
export async function syncCommand(connection, { project, dir, reload }) {
  ensureDir(dir);
  const installed = installedSerial(dir);
  const wanted = await serverSerial(connection, project);
  const lines = [];
  // Without projects:read (wanted null) the export itself tells the serial: nothing is written when it is the same.
  const exported = installed !== null && installed === wanted ? null : await sealedExport(connection, project, dir);
  if (exported && (installed === null || normalizeSerial(exported.serial) !== installed)) {
    writeLiveFiles(dir, exported);
    lines.push(`${dir}: new certificate for ${exported.names.join(", ")}, serial ${exported.serial}, expires ${exported.expiresAt}`);
  }
  if (reload && (lines.length > 0 || reloadPending(dir))) {
    runReload(dir, reload);
    lines.push(`${dir}: reload hook ran: ${reload}`);
  }
  return lines;
}
