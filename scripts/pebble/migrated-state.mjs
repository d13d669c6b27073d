/**
 * One migrated local D1 per set of migrations, copied into each test run's state directory. `wrangler d1 migrations
 * apply` starts a local runtime per migration (seconds each, minutes on a loaded machine), and a test run starts
 * several `wrangler dev`s (e2e, browser, each node file): applying once and copying the database files makes every
 * later start cost a file copy. The key is a hash of migrations/*.sql, so a changed or added migration makes a new one.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { REPO_ROOT } from "./test-ca.mjs";

const CACHE_ROOT = join(REPO_ROOT, ".tmp", "migrated-d1");
const COMPLETE = "complete";

function migrationsKey() {
  const dir = join(REPO_ROOT, "migrations");
  const hash = createHash("sha256");
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".sql")).sort()) {
    hash.update(name).update("\0").update(readFileSync(join(dir, name))).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * Fills `persistTo` with a migrated D1: a copy of the cached one when it exists, else `apply(dir)` into a fresh
 * directory that becomes the cache. Concurrent callers (the lanes are separate processes) wait for the one holding
 * the lock rather than apply again. The lock records when its holder's own timeout ends: past that (a holder that
 * died), it is taken over.
 */
export async function withMigratedState({ persistTo, timeoutMs, apply }) {
  const cached = join(CACHE_ROOT, migrationsKey());
  const lock = `${cached}.lock`;
  mkdirSync(CACHE_ROOT, { recursive: true });
  for (;;) {
    if (existsSync(join(cached, COMPLETE))) return copyState(cached, persistTo);
    if (takeLock(lock, Date.now() + timeoutMs)) break;
    await sleep(250);
  }
  try {
    if (existsSync(join(cached, COMPLETE))) return copyState(cached, persistTo);
    const building = `${cached}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    await apply(building);
    writeFileSync(join(building, COMPLETE), new Date().toISOString());
    rmSync(cached, { recursive: true, force: true });
    renameSync(building, cached);
    copyState(cached, persistTo);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const LOCK_DEADLINE = "deadline";
// Time for a new holder to write its deadline after creating the lock.
const LOCK_GRACE_MS = 5_000;

function takeLock(lock, holdUntil) {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, LOCK_DEADLINE), String(holdUntil));
    return true;
  } catch (error) {
    if (error.code !== "EEXIST") throw error;
  }
  try {
    const written = Number(readFileSync(join(lock, LOCK_DEADLINE), "utf8"));
    const deadline = written > 0 ? written : statSync(lock).mtimeMs + LOCK_GRACE_MS;
    if (Date.now() > deadline + LOCK_GRACE_MS) rmSync(lock, { recursive: true, force: true });
  } catch {
    // The holder removed it meanwhile, or is still writing its deadline: the next round sees which.
  }
  return false;
}

function copyState(cached, persistTo) {
  mkdirSync(persistTo, { recursive: true });
  // The database files (WAL included: no process holds them, so SQLite replays it on open), not the marker.
  cpSync(join(cached, "v3"), join(persistTo, "v3"), { recursive: true });
}
