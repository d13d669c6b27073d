/** A throwaway test CA and a localhost certificate for Pebble's HTTPS listeners, generated with openssl into .tmp/pebble/ca. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const PEBBLE_TMP = join(REPO_ROOT, ".tmp", "pebble");
const CA_DIR = join(PEBBLE_TMP, "ca");
/** Regenerate when the certificates expire within this many seconds (they are made for 30 days). */
const MIN_REMAINING_SECONDS = 3 * 24 * 3600;

/** Paths of the test CA and the localhost server certificate (which lists 127.0.0.1 and ::1 too). */
export function testCaPaths(dir = CA_DIR) {
  return { dir, caCert: join(dir, "ca.pem"), caKey: join(dir, "ca.key"), cert: join(dir, "localhost.pem"), key: join(dir, "localhost.key") };
}

/** Reuses a valid CA or generates a fresh one (atomically, so concurrent runs do not see half-written files). */
export function ensureTestCa() {
  const paths = testCaPaths();
  if (isUsable(paths)) return paths;
  mkdirSync(PEBBLE_TMP, { recursive: true });
  const staging = join(PEBBLE_TMP, `ca-new-${process.pid}-${randomBytes(4).toString("hex")}`);
  mkdirSync(staging, { recursive: true });
  try {
    generate(testCaPaths(staging));
    if (existsSync(CA_DIR)) {
      if (isUsable(paths)) return paths; // another run won the race
      renameSync(CA_DIR, join(PEBBLE_TMP, `ca-old-${Date.now()}`));
    }
    try {
      renameSync(staging, CA_DIR);
    } catch (error) {
      if (!isUsable(paths)) throw error;
    }
    return paths;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function isUsable(paths) {
  if (![paths.caCert, paths.cert, paths.key].every((p) => existsSync(p))) return false;
  try {
    for (const cert of [paths.caCert, paths.cert]) {
      execFileSync("openssl", ["x509", "-checkend", String(MIN_REMAINING_SECONDS), "-noout", "-in", cert], { stdio: "ignore" });
    }
    return true;
  } catch {
    return false;
  }
}

function generate(paths) {
  const openssl = (...args) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  const tag = randomBytes(4).toString("hex");
  openssl(
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", paths.caKey, "-out", paths.caCert, "-days", "30",
    "-subj", `/CN=certdesk test CA ${tag} (not for production)`,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  );
  const csr = join(paths.dir, "localhost.csr");
  openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", paths.key, "-out", csr, "-subj", "/CN=localhost");
  const ext = join(paths.dir, "localhost.ext");
  writeFileSync(
    ext,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
    ].join("\n") + "\n",
  );
  openssl(
    "x509", "-req", "-in", csr, "-CA", paths.caCert, "-CAkey", paths.caKey,
    "-set_serial", `0x${randomBytes(12).toString("hex")}`, "-days", "30", "-extfile", ext, "-out", paths.cert,
  );
  rmSync(csr, { force: true });
  rmSync(ext, { force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(ensureTestCa().caCert);
}
