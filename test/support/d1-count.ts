/**
 * Counts the D1 statements a request makes. The Worker's fetch handler is called directly (as SELF would, in this same
 * isolate) with a copy of the test env whose DB binding counts: deps.ts builds dependencies per env object, so this
 * env gets its own database client and, with it, its own token cache: a Worker isolate of its own. No production code
 * knows about the counting.
 *
 * A statement is one `first`/`all`/`run`/`raw` of a prepared statement, or one member of a `batch`
 * (https://developers.cloudflare.com/d1/worker-api/prepared-statements/, .../d1-database/#batch): what D1 bills and
 * what each costs a round trip (a batch is one round trip for all its members, and is counted per member here).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { depsFrom } from "../../src/deps";
import worker from "../../src/index";
import type { Deps } from "../../src/services/deps";

/** Every statement run through the counted binding, in order, by its SQL. */
export type D1Log = string[];

interface Original {
  statement: D1PreparedStatement;
  sql: string;
}

function countedStatement(statement: D1PreparedStatement, sql: string, log: D1Log, originals: WeakMap<object, Original>) {
  const wrapped = new Proxy(statement, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "bind") {
        return (...args: unknown[]) => countedStatement(value.apply(target, args), sql, log, originals);
      }
      if (property === "first" || property === "all" || property === "run" || property === "raw") {
        return (...args: unknown[]) => {
          log.push(sql);
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  originals.set(wrapped, { statement, sql });
  return wrapped;
}

/** `db` with every statement it runs recorded in `log`. */
export function countedD1(db: D1Database, log: D1Log): D1Database {
  const originals = new WeakMap<object, Original>();
  return new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "prepare") {
        return (sql: string) => countedStatement(value.call(target, sql), sql, log, originals);
      }
      if (property === "batch") {
        // The binding is handed its own statements back, so it sees nothing but what it made.
        return (statements: D1PreparedStatement[]) => {
          for (const statement of statements) log.push(`batch: ${originals.get(statement)?.sql ?? "?"}`);
          return value.call(target, statements.map((statement) => originals.get(statement)?.statement ?? statement));
        };
      }
      if (property === "exec") {
        return (sql: string) => {
          log.push(`exec: ${sql}`);
          return value.call(target, sql);
        };
      }
      return value.bind(target);
    },
  });
}

export interface CountingIsolate {
  /** The statements of every request so far (clear it with `log.length = 0`, or use `count`). */
  log: D1Log;
  /** This isolate's dependencies (its clock can be replaced: `deps.clock = { now: () => … }`). */
  deps: Deps;
  /** Sends a request to the Worker as a client would; answers its status and the D1 statements it ran. */
  request(method: string, path: string, token: string): Promise<{ status: number; body: any; statements: string[] }>;
}

/** A Worker isolate of its own whose D1 statements are counted. */
export function countingIsolate(): CountingIsolate {
  const log: D1Log = [];
  const isolateEnv = { ...env, DB: countedD1(env.DB, log) };
  const deps = depsFrom(isolateEnv);
  return {
    log,
    deps,
    async request(method, path, token) {
      const before = log.length;
      const ctx = createExecutionContext();
      const request = new Request(`https://certdesk.test${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
      // The handler's type wants the cf properties of an incoming request; a test request has none.
      const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, isolateEnv, ctx);
      const text = await response.text();
      await waitOnExecutionContext(ctx);
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      return { status: response.status, body, statements: log.slice(before) };
    },
  };
}
