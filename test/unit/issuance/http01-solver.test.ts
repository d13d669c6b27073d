/** The HTTP-01 solver: D1 then KV on present, both removed on cleanUp, expired rows purged a bounded batch at a time. */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../../src/db/client";
import { acmeChallenges } from "../../../src/db/schema";
import { depsFrom } from "../../../src/deps";
import { http01Key, http01Solver, type Http01Metadata } from "../../../src/issuance/http01-solver";
import type { ChallengeTask } from "../../../src/issuance/solver";
import { PURGE_BATCH, putAcmeChallenge, unexpiredAcmeChallenge } from "../../../src/store/acme-challenges";

const db = () => depsFrom(env).db;

function task(): ChallengeTask {
  const token = `${crypto.randomUUID()}${crypto.randomUUID()}`.replace(/-/g, "").slice(0, 43);
  return { domain: "a.example.com", token, keyAuthorization: `${token}.thumbprint`, dnsTxtValue: "" };
}

/** `kv` with `put` and `delete` replaced, the rest passed through. */
function kvWith(overrides: Partial<Pick<KVNamespace, "put" | "delete">>): KVNamespace {
  return new Proxy(env.CHALLENGES, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof typeof overrides];
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** D1 whose statements matching `failing` throw; every statement's SQL is recorded in `seen`. */
function d1With(failing: RegExp | null, seen: string[] = []): D1Database {
  return new Proxy(env.DB, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          seen.push(query);
          if (failing?.test(query)) throw new Error("D1_ERROR: simulated");
          return target.prepare(query);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("http01Solver", () => {
  it("present writes D1 first, then KV with the write time as metadata; both expire together", async () => {
    const t = task();
    const now = Date.now();
    let rowWhenKvWritten: string | null | undefined;
    const kv = kvWith({
      put: (async (key: string, value: string, options?: KVNamespacePutOptions) => {
        rowWhenKvWritten = await unexpiredAcmeChallenge(db(), t.token, now);
        return env.CHALLENGES.put(key, value, options);
      }) as KVNamespace["put"],
    });
    await http01Solver(kv, db(), () => now).present(t);
    expect(rowWhenKvWritten).toBe(t.keyAuthorization);
    const stored = await env.CHALLENGES.getWithMetadata<Http01Metadata>(http01Key(t.token));
    expect(stored).toMatchObject({ value: t.keyAuthorization, metadata: { writtenAt: now } });
    const row = await db().select().from(acmeChallenges).where(sql`token = ${t.token}`).get();
    expect(row).toEqual({ token: t.token, keyAuthorization: t.keyAuthorization, expiresAt: now + 3600_000 });
  });

  it("present fails, writing nothing to KV, when D1 cannot be written", async () => {
    const t = task();
    const solver = http01Solver(env.CHALLENGES, database(d1With(/^insert into "acme_challenges"/i)));
    await expect(solver.present(t)).rejects.toThrow(/simulated/);
    expect(await env.CHALLENGES.get(http01Key(t.token))).toBeNull();
  });

  it("cleanUp removes both, and removing again is not an error", async () => {
    const t = task();
    const solver = http01Solver(env.CHALLENGES, db());
    await solver.present(t);
    await solver.cleanUp(t);
    expect(await env.CHALLENGES.get(http01Key(t.token))).toBeNull();
    expect(await unexpiredAcmeChallenge(db(), t.token, Date.now())).toBeNull();
    await expect(solver.cleanUp(t)).resolves.toBeUndefined();
  });

  it("cleanUp still removes the D1 row when KV fails, and reports the failure", async () => {
    const t = task();
    await http01Solver(env.CHALLENGES, db()).present(t);
    const kv = kvWith({
      delete: (async () => {
        throw new Error("KV down");
      }) as KVNamespace["delete"],
    });
    await expect(http01Solver(kv, db()).cleanUp(t)).rejects.toThrow(/KV down/);
    expect(await unexpiredAcmeChallenge(db(), t.token, Date.now())).toBeNull();
  });

  it("purges expired rows once per order, at most PURGE_BATCH of them, oldest first", async () => {
    const prefix = `purge${crypto.randomUUID().slice(0, 8)}`;
    const count = PURGE_BATCH + 30;
    // Older than any other test's rows (expiry 1..count ms after the epoch), so they are the ones purged first.
    for (let i = 0; i < count; i += 30) {
      const rows = Array.from({ length: Math.min(30, count - i) }, (_, j) => ({ token: `${prefix}${i + j}`, keyAuthorization: "x", expiresAt: i + j + 1 }));
      await db().insert(acmeChallenges).values(rows);
    }
    const left = async () => (await db().all<{ n: number }>(sql`SELECT count(*) AS n FROM acme_challenges WHERE token LIKE ${`${prefix}%`}`))[0]!.n;
    const seen: string[] = [];
    const solver = http01Solver(env.CHALLENGES, database(d1With(null, seen)));
    await solver.present(task());
    expect(await left()).toBe(count - PURGE_BATCH);
    // The oldest went first.
    expect((await db().all<{ token: string }>(sql`SELECT token FROM acme_challenges WHERE token LIKE ${`${prefix}%`} ORDER BY expires_at LIMIT 1`))[0]!.token).toBe(`${prefix}${PURGE_BATCH}`);
    // A second name of the same order does not purge again.
    await solver.present(task());
    expect(await left()).toBe(count - PURGE_BATCH);
    expect(seen.filter((q) => /DELETE FROM acme_challenges WHERE token IN/.test(q))).toHaveLength(1);
    // The next order purges the rest.
    await http01Solver(env.CHALLENGES, db()).present(task());
    expect(await left()).toBe(0);
  });

  it("a failed purge does not fail present", async () => {
    const t = task();
    const solver = http01Solver(env.CHALLENGES, database(d1With(/DELETE FROM acme_challenges WHERE token IN/)));
    await expect(solver.present(t)).resolves.toBeUndefined();
    expect(await env.CHALLENGES.get(http01Key(t.token))).toBe(t.keyAuthorization);
    expect(await unexpiredAcmeChallenge(db(), t.token, Date.now())).toBe(t.keyAuthorization);
  });

  it("a row is served until it expires, and not after", async () => {
    const t = task();
    await putAcmeChallenge(db(), t.token, t.keyAuthorization, 1_000);
    expect(await unexpiredAcmeChallenge(db(), t.token, 999)).toBe(t.keyAuthorization);
    expect(await unexpiredAcmeChallenge(db(), t.token, 1_000)).toBeNull();
  });
});
