/**
 * What the deploy reads from wrangler 4.86's output. The shapes come from wrangler's own source (src/d1/list.ts,
 * src/kv/index.ts, src/queues/cli/commands/list.ts, src/secret/index.ts) and recorded runs (test/node/fixtures/):
 *
 * - `wrangler d1 list --json`: a JSON array of the API's databases, `{ uuid, name, created_at, … }`.
 * - `wrangler kv namespace list`: a JSON array of namespaces, `{ id, title, … }`.
 * - `wrangler queues list [--page N]`: a table (cli-table3's box characters) with columns id, name, created_on,
 *   modified_on, producers, consumers; a page past the last prints no table.
 * - `wrangler secret list`: a JSON array `{ name, type }`.
 *
 * Any of them may start with wrangler's banner; errors and warnings go to stderr, in colour even with NO_COLOR.
 */

export class WranglerOutputError extends Error {}

// ECMA-48 control sequences (colours, bold): wrangler's error boxes keep them whatever NO_COLOR says.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function withoutAnsi(text) {
  return text.replace(ANSI, "");
}

/** The JSON array a listing printed, from its first line that opens one. */
export function parseJsonList(stdout, command) {
  const lines = withoutAnsi(stdout).split("\n");
  const start = lines.findIndex((line) => line.trimStart().startsWith("["));
  if (start < 0) throw new WranglerOutputError(`\`${command}\` printed no JSON list:\n${stdout.trim() || "(nothing)"}`);
  let parsed;
  try {
    parsed = JSON.parse(lines.slice(start).join("\n"));
  } catch (error) {
    throw new WranglerOutputError(`\`${command}\` printed something that is not JSON (${error.message}):\n${stdout.trim()}`);
  }
  if (!Array.isArray(parsed)) throw new WranglerOutputError(`\`${command}\` printed JSON that is not a list`);
  return parsed;
}

/** D1 databases by name → id. */
export function parseD1List(stdout) {
  return new Map(parseJsonList(stdout, "wrangler d1 list --json").map((db) => [db.name, db.uuid]));
}

/** KV namespaces by title → id. */
export function parseKvList(stdout) {
  return new Map(parseJsonList(stdout, "wrangler kv namespace list").map((namespace) => [namespace.title, namespace.id]));
}

/** The names of the secrets a Worker has. */
export function parseSecretList(stdout) {
  return new Set(parseJsonList(stdout, "wrangler secret list").map((secret) => secret.name));
}

/** The queue names on one page of `wrangler queues list` (none past the last page). */
export function parseQueueTable(stdout) {
  const rows = withoutAnsi(stdout)
    .split("\n")
    .filter((line) => line.trimStart().startsWith("│"))
    .map((line) => line.trim().slice(1, -1).split("│").map((cell) => cell.trim()));
  if (rows.length === 0) return [];
  const [header, ...data] = rows;
  const column = header.indexOf("name");
  if (column < 0) throw new WranglerOutputError(`\`wrangler queues list\` printed a table without a name column:\n${stdout}`);
  return data.map((cells) => cells[column]).filter((name) => name);
}

/** Whether `wrangler secret list` failed because the Worker does not exist yet. */
export function isWorkerNotFound(stderr) {
  return /Worker "[^"]*"(?: \(env: [^)]*\))? not found/.test(withoutAnsi(stderr));
}
