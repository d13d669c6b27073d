/**
 * Counters for one issuance job inside workerd: every outbound fetch (the job reaches `fetch` through the global at
 * call time: AcmeClient, the DNS adapters, the DoH lookups), every D1 call and statement, every KV call, and every
 * checkpoint the job saves (what the Durable Object keeps in its own storage). Nothing here changes what the job
 * does; the benchmark's own requests (challtestsrv, the HTTP-01 responder) go through `realFetch` and are not counted.
 */

/** The runtime's fetch, before any wrapping: for the benchmark's own requests. */
export const realFetch: typeof fetch = globalThis.fetch.bind(globalThis);

export interface FetchRecord {
  group: string;
  kind: string;
  method: string;
  status: number | "error";
}

export interface Tally {
  fetches: FetchRecord[];
  /** D1 round trips (run/all/first/raw/exec, or one batch) and the statements they carried, by "VERB table". */
  d1Calls: number;
  d1Statements: Record<string, number>;
  kv: Record<string, number>;
  checkpoint: Record<string, number>;
}

export function newTally(): Tally {
  return { fetches: [], d1Calls: 0, d1Statements: {}, kv: {}, checkpoint: {} };
}

const bump = (record: Record<string, number>, key: string, by = 1) => void (record[key] = (record[key] ?? 0) + by);

/** How a URL is counted: which service, and what the request is. */
export interface Classifier {
  (url: URL, method: string): { group: string; kind: string };
}

/** Replaces globalThis.fetch with a counting one until the returned function is called. */
export function countFetches(tally: Tally, classify: Classifier): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const { group, kind } = classify(new URL(request.url), request.method);
    const record: FetchRecord = { group, kind, method: request.method, status: "error" };
    tally.fetches.push(record);
    const response = await original(request);
    record.status = response.status;
    return response;
  }) as typeof fetch;
  return () => void (globalThis.fetch = original);
}

/** "SELECT certificates", "INSERT acme_accounts", …: the verb and the first table a statement names. */
export function statementLabel(sql: string): string {
  const text = sql.replace(/\s+/g, " ").trim();
  const verb = (/^\w+/.exec(text)?.[0] ?? "?").toUpperCase();
  const tables = [...text.matchAll(/\b(?:from|into|update|join)\s+["`]?(\w+)/gi)].map((m) => m[1]!).filter((t) => t !== "json_each");
  return tables[0] ? `${verb} ${tables[0]}` : verb;
}

/** The D1 binding with every round trip counted; statements stay the runtime's own (batch gets the originals back). */
export function countingD1(db: D1Database, tally: Tally): D1Database {
  const wrapped = new WeakMap<object, { original: D1PreparedStatement; label: string }>();
  const wrap = (statement: D1PreparedStatement, label: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        if (property === "bind") return (...values: unknown[]) => wrap(target.bind(...values), label);
        if (property === "run" || property === "all" || property === "first" || property === "raw") {
          return (...args: unknown[]) => {
            tally.d1Calls++;
            bump(tally.d1Statements, label);
            return (target[property] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    wrapped.set(proxy, { original: statement, label });
    return proxy;
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql), statementLabel(sql));
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          tally.d1Calls++;
          for (const s of statements) bump(tally.d1Statements, `${wrapped.get(s)?.label ?? "?"} (in a batch)`);
          return target.batch(statements.map((s) => wrapped.get(s)?.original ?? s));
        };
      }
      if (property === "exec") {
        return (sql: string) => {
          tally.d1Calls++;
          bump(tally.d1Statements, `exec ${statementLabel(sql)}`);
          return target.exec(sql);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The KV binding with every call counted. HTTP-01 answers written or deleted here are also handed to the benchmark's
 * responder (global-setup.ts), which plays the challenge route for Pebble; that request is the benchmark's, not counted.
 */
export function countingKv(kv: KVNamespace, tally: Tally, http01ControlUrl: string): KVNamespace {
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        bump(tally.kv, String(property));
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        const key = typeof args[0] === "string" ? args[0] : "";
        if (key.startsWith("http-01:") && (property === "put" || property === "delete")) {
          const token = key.slice("http-01:".length);
          const mirrored = await realFetch(`${http01ControlUrl}/token/${token}`, {
            method: property === "put" ? "PUT" : "DELETE",
            ...(property === "put" ? { body: String(args[1]) } : {}),
          });
          await mirrored.arrayBuffer();
          if (!mirrored.ok) throw new Error(`HTTP-01 responder: ${mirrored.status}`);
        }
        return result;
      };
    },
  });
}

/** What the Durable Object's checkpoint store does (objects/checkpoint-storage.ts: one storage call each), in memory. */
export function countingCheckpoints<T>(tally: Tally) {
  let saved: T | null = null;
  return {
    load: async () => (bump(tally.checkpoint, "load"), saved),
    save: async (checkpoint: T) => void (bump(tally.checkpoint, "save"), (saved = structuredClone(checkpoint))),
    clear: async () => void (bump(tally.checkpoint, "clear"), (saved = null)),
  };
}
