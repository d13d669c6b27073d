/** Locates the pebble and pebble-challtestsrv binaries (Debian package `pebble`, or PEBBLE_BIN / PEBBLE_CHALLTESTSRV_BIN). */
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

export const PEBBLE_MISSING_MESSAGE = "Pebble is not installed: run `apt-get install -y pebble` (Debian) to run the end-to-end ACME tests";

/** { pebble, challtestsrv } absolute paths, or null when either is missing. */
export function findPebbleBinaries(env = process.env) {
  const pebble = env.PEBBLE_BIN || which("pebble", env);
  const challtestsrv = env.PEBBLE_CHALLTESTSRV_BIN || which("pebble-challtestsrv", env);
  if (!pebble || !challtestsrv || !executable(pebble) || !executable(challtestsrv)) return null;
  return { pebble, challtestsrv };
}

/** The absolute path of an executable `name` on PATH (or /usr/bin, /usr/local/bin, ~/go/bin), or null. */
export function which(name, env = process.env) {
  const dirs = [...(env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin", join(homedir(), "go", "bin")];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
