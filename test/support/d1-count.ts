/**
 * Counts the D1 statements a request makes. The Worker's fetch handler is called directly (as SELF would, in this same
 * isolate) with a copy of the test env whose DB binding counts: deps.ts builds dependencies per env object, so this
 * env gets its own database client and, with it, its own token cache: a Worker isolate of its own. No production code
 * knows about the counting. The app runs each request's queries through a session of the binding
 * (src/http/d1-session.ts): sessions made from the counted binding count too, and what each was started from, and
 * which statement ran where, is recorded.
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

/** Where a statement ran: on the binding itself (the primary), or on a session started from this argument. */
export const NO_SESSION = "no session";

/** What the counting records; `log` and `via` grow together, one entry per statement. */
export interface D1Recording {
  log: D1Log;
  /** For each statement of `log`, where it ran: NO_SESSION, or the `withSession` argument of its session. */
  via: string[];
  /** Each `withSession` argument, in order ("(none)" for none). */
  sessions: string[];
}

interface Original {
  statement: D1PreparedStatement;
  sql: string;
}

type RecordStatement = (sql: string) => void;

function countedStatement(statement: D1PreparedStatement, sql: string, record: RecordStatement, originals: WeakMap<object, Original>) {
  const wrapped = new Proxy(statement, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "bind") {
        return (...args: unknown[]) => countedStatement(value.apply(target, args), sql, record, originals);
      }
      if (property === "first" || property === "all" || property === "run" || property === "raw") {
        return (...args: unknown[]) => {
          record(sql);
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  originals.set(wrapped, { statement, sql });
  return wrapped;
}

/** The binding, or one of its sessions: what the counting wraps. */
type D1Client = D1Database | D1DatabaseSession;

/** `client` with every statement it runs recorded as run `where`. */
function countedClient<T extends D1Client>(client: T, recording: D1Recording, where: string): T {
  const originals = new WeakMap<object, Original>();
  const record: RecordStatement = (sql) => {
    recording.log.push(sql);
    recording.via.push(where);
  };
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "withSession") {
        // A session of the counted binding counts as the binding does (its statements are its own, so its own map).
        return (start?: string) => {
          recording.sessions.push(start ?? "(none)");
          return countedClient(value.call(target, start) as D1DatabaseSession, recording, start ?? "(none)");
        };
      }
      if (property === "prepare") {
        return (sql: string) => countedStatement(value.call(target, sql), sql, record, originals);
      }
      if (property === "batch") {
        // The client is handed its own statements back, so it sees nothing but what it made.
        return (statements: D1PreparedStatement[]) => {
          for (const statement of statements) record(`batch: ${originals.get(statement)?.sql ?? "?"}`);
          return value.call(target, statements.map((statement) => originals.get(statement)?.statement ?? statement));
        };
      }
      if (property === "exec") {
        return (sql: string) => {
          record(`exec: ${sql}`);
          return value.call(target, sql);
        };
      }
      return value.bind(target);
    },
  });
}

/** `db` with every statement it runs, its sessions' included, recorded in `recording` (see D1Recording). */
export function countedD1(db: D1Database, recording: D1Recording): D1Database;
/** `db` with every statement it runs, its sessions' included, recorded in `log`. */
export function countedD1(db: D1Database, log: D1Log): D1Database;
export function countedD1(db: D1Database, into: D1Recording | D1Log): D1Database {
  const recording = Array.isArray(into) ? { log: into, via: [], sessions: [] } : into;
  return countedClient(db, recording, NO_SESSION);
}

export interface CountedResponse {
  status: number;
  body: any;
  headers: Headers;
  /** The statements the request ran, in order. */
  statements: string[];
  /** Where each of `statements` ran: NO_SESSION (the primary), or its session's `withSession` argument. */
  via: string[];
  /** The `withSession` arguments of the sessions the request opened, in order. */
  sessions: string[];
}

export interface CountingIsolate {
  /** The statements of every request so far (clear it with `log.length = 0`, or use `count`). */
  log: D1Log;
  /** What each D1 session of every request so far was started from (`withSession`'s argument), in order. */
  sessions: string[];
  /** This isolate's dependencies (its clock can be replaced: `deps.clock = { now: () => … }`). */
  deps: Deps;
  /**
   * Sends a request to the Worker as a client would; answers its status, headers, and the D1 statements and sessions
   * it ran. `init` adds headers and a JSON body.
   */
  request(
    method: string,
    path: string,
    token: string,
    init?: { headers?: Record<string, string>; json?: unknown },
  ): Promise<CountedResponse>;
  /** The Worker's fetch handler on this isolate's env, shaped as `fetch` (for a client that takes one, e.g. src/acme's). */
  fetch: typeof fetch;
}

/**
 * A Worker isolate of its own whose D1 statements are counted. `binding` may put something between the counting and
 * the test's D1 (a simulated replica, say); the counting sees what the Worker sends.
 */
export function countingIsolate(binding: (db: D1Database) => D1Database = (db) => db): CountingIsolate {
  const recording: D1Recording = { log: [], via: [], sessions: [] };
  const isolateEnv = { ...env, DB: countedD1(binding(env.DB), recording) };
  const deps = depsFrom(isolateEnv);
  /** The Worker's answer to `request`, and the wait for what it left running (`waitUntil`), to call once the body is read. */
  const handle = async (request: Request) => {
    const ctx = createExecutionContext();
    // The handler's type wants the cf properties of an incoming request; a test request has none.
    const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, isolateEnv, ctx);
    return { response, settled: () => waitOnExecutionContext(ctx) };
  };
  return {
    log: recording.log,
    sessions: recording.sessions,
    deps,
    async request(method, path, token, init = {}) {
      const before = recording.log.length;
      const sessionsBefore = recording.sessions.length;
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, ...init.headers };
      let requestBody: string | undefined;
      if (init.json !== undefined) {
        headers["Content-Type"] = "application/json";
        requestBody = JSON.stringify(init.json);
      }
      const { response, settled } = await handle(new Request(`https://certdesk.test${path}`, { method, headers, body: requestBody }));
      const text = await response.text();
      await settled();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      return {
        status: response.status,
        body,
        headers: response.headers,
        statements: recording.log.slice(before),
        via: recording.via.slice(before),
        sessions: recording.sessions.slice(sessionsBefore),
      };
    },
    async fetch(input, init) {
      const { response, settled } = await handle(new Request(input, init));
      // A null-body status (Fetch standard) takes no body, not even an empty one.
      const body = response.body === null || [101, 204, 205, 304].includes(response.status) ? null : await response.arrayBuffer();
      await settled();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  };
}
