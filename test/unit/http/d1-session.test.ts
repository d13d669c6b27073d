/**
 * One D1 session per request (src/http/d1-session.ts): which constraint each method starts from, the x-d1-bookmark
 * header out and back in, the bookmark of a change covering a write made outside the session (a Durable Object's),
 * a malformed bookmark refused before anything runs, and a token missing on a lagging replica read from the primary.
 *
 * Local D1 has sessions and bookmarks but no replicas: every read sees every write. So "a read after a write sees
 * it" holds here whatever the code does; what these tests pin down is what the code asks of D1 (the constraints,
 * the bookmarks handed back and their order) and, with a simulated replica, what it does when a replica lags.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BOOKMARK_HEADER, sessionStart } from "../../../src/http/d1-session";
import type { CertificateIssuerRpc, IssueOutcome } from "../../../src/issuance/issue-request";
import { TOKEN_CACHE_TTL_MS, TokenCache } from "../../../src/services/token-cache";
import { call, newProject, newTenant } from "../../support/api";
import { countingIsolate, NO_SESSION } from "../../support/d1-count";
import { AcmeClient, generateAccountKey } from "../../../src/acme";
import { createCsr } from "../../../src/pki/csr";
import { newDirectory } from "../acme-server/server-support";

const tokenRead = (sql: string) => /from "api_tokens"/.test(sql);
/** D1's bookmarks are hyphen-separated hex groups, sortable as strings (developers.cloudflare.com/d1/reference/time-travel/#bookmarks). */
const BOOKMARK = /^[0-9a-f]+(-[0-9a-f]+)+$/;

describe("sessionStart: what each request's session starts from", () => {
  it.each([
    ["GET", undefined, "first-unconstrained"],
    ["HEAD", undefined, "first-unconstrained"],
    ["OPTIONS", undefined, "first-unconstrained"],
    ["get", undefined, "first-unconstrained"],
    ["POST", undefined, "first-primary"],
    ["PUT", undefined, "first-primary"],
    ["PATCH", undefined, "first-primary"],
    ["DELETE", undefined, "first-primary"],
    // An empty header is none: Cloudflare's example answers `getBookmark() ?? ""`, which a client may echo back.
    ["GET", "", "first-unconstrained"],
    ["GET", "  ", "first-unconstrained"],
    ["GET", "00000000-00000007-00000000-00000000000000000000000000000000", "00000000-00000007-00000000-00000000000000000000000000000000"],
    ["GET", " 00000085-0000024C-00004c6d-8e61117bf38d7adb71b934ebbf891683 ", "00000085-0000024C-00004c6d-8e61117bf38d7adb71b934ebbf891683"],
    // A change reads the primary, which is at least as new as any bookmark.
    ["POST", "00000000-00000007-00000000-00000000000000000000000000000000", "first-primary"],
  ])("%s with %j starts from %s", (method, header, start) => {
    expect(sessionStart(method, header)).toBe(start);
  });

  it.each([["garbage"], ["first-primary"], ["first-unconstrained"], ["0000-zz"], ["00000000"], ["00000000-0000, 00000000-0001"], [`0-${"a".repeat(127)}`]])(
    "refuses the bookmark %j with a 400 whatever the method",
    (header) => {
      for (const method of ["GET", "POST"]) {
        expect(() => sessionStart(method, header)).toThrow(expect.objectContaining({ code: "bad_request", status: 400, param: BOOKMARK_HEADER }));
      }
    },
  );
});

describe("the x-d1-bookmark header", () => {
  it("a read starts first-unconstrained and answers a bookmark, on success and on error alike", async () => {
    const tenant = await newTenant();
    const isolate = countingIsolate();
    const ok = await isolate.request("GET", "/api/v1/projects", tenant.readToken);
    expect(ok.status).toBe(200);
    expect(ok.sessions).toEqual(["first-unconstrained"]);
    expect(ok.via.every((where) => where === "first-unconstrained")).toBe(true);
    expect(ok.headers.get(BOOKMARK_HEADER)).toMatch(BOOKMARK);

    const head = await isolate.request("HEAD", "/api/v1/projects", tenant.readToken);
    expect(head.status).toBe(200);
    expect(head.sessions).toEqual(["first-unconstrained"]);
    expect(head.headers.get(BOOKMARK_HEADER)).toMatch(BOOKMARK);

    const missing = await isolate.request("GET", "/api/v1/projects/prj_nope", tenant.readToken);
    expect(missing.status).toBe(404);
    expect(missing.headers.get(BOOKMARK_HEADER)).toMatch(BOOKMARK);
  });

  it("an answer whose session ran no query has none", async () => {
    const isolate = countingIsolate();
    const res = await isolate.request("GET", "/health", "unused");
    expect(res.status).toBe(200);
    expect(res.statements).toEqual([]);
    expect(res.headers.has(BOOKMARK_HEADER)).toBe(false);
  });

  it("a change refused before any D1 read (a malformed token, no route) asks nothing of the primary and answers no bookmark", async () => {
    const tenant = await newTenant();
    const isolate = countingIsolate();
    const refused = [
      await isolate.request("POST", "/api/v1/projects", "not-a-token", { json: { name: "never-made", domain: null } }),
      await isolate.request("DELETE", "/api/v1/projects/prj_nope", `cdk_${"A".repeat(42)}`),
      await isolate.request("POST", "/api/v1/no-such-route", tenant.token, { json: {} }),
      await isolate.request("PUT", "/v8/no-such-route", tenant.token, { json: {} }),
    ];
    expect(refused.map((res) => res.status)).toEqual([401, 401, 404, 404]);
    for (const res of refused) {
      expect(res.statements).toEqual([]);
      // The request's session was opened, never used; no probe of the primary's bookmark followed it.
      expect(res.sessions).toEqual(["first-primary"]);
      expect(res.headers.has(BOOKMARK_HEADER)).toBe(false);
    }
  });

  it("the HTTP-01 route reads the primary, with no session, as it does ahead of the app", async () => {
    const isolate = countingIsolate();
    // HEAD is not answered ahead of the app (src/index.ts), so it goes through provideDeps.
    const res = await isolate.request("HEAD", `/.well-known/acme-challenge/${"t".repeat(43)}`, "unused");
    expect(res.status).toBe(404);
    expect(res.sessions).toEqual([]);
    expect(res.via.every((where) => where === NO_SESSION)).toBe(true);
    expect(res.headers.has(BOOKMARK_HEADER)).toBe(false);
  });

  it("the ACME server reads the primary, with no session, no bookmark probe and no bookmark answered", async () => {
    const { directoryUrl, eab } = await newDirectory(await newTenant());
    const isolate = countingIsolate();
    const answers: Response[] = [];
    const client = new AcmeClient({
      directoryUrl,
      accountKey: await generateAccountKey(),
      fetch: async (input, init) => {
        const res = await isolate.fetch(input, init);
        answers.push(res);
        return res;
      },
      sleep: async () => {},
    });
    await client.createAccount({ termsOfServiceAgreed: true, externalAccountBinding: { kid: eab.keyId, hmacKeyB64url: eab.hmacKey } });
    const order = await client.newOrder({ identifiers: ["api.svc.internal.example"] });
    const certKeys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const finalized = await client.finalizeOrder(order, await createCsr(certKeys, ["api.svc.internal.example"]));
    expect((await client.downloadCertificate(finalized.certificate!)).pem).toContain("BEGIN CERTIFICATE");
    // The directory, newAccount, newOrder, finalize and the certificate (each answer brings the next nonce).
    expect(answers.length).toBeGreaterThanOrEqual(5);
    expect(isolate.log.length).toBeGreaterThan(0);
    // No session was opened, so each statement ran on the binding itself: the primary.
    expect(isolate.sessions).toEqual([]);
    expect(isolate.log).not.toContain("SELECT 1");
    for (const res of answers) expect(res.headers.has(BOOKMARK_HEADER)).toBe(false);
  });

  it("a change starts first-primary and answers the primary's bookmark after the handler: one statement more", async () => {
    const tenant = await newTenant();
    const isolate = countingIsolate();
    const res = await isolate.request("POST", "/api/v1/projects", tenant.token, { json: { name: "bookmarked", domain: null } });
    expect(res.status).toBe(200);
    // The request's session, then the probe of the primary's bookmark.
    expect(res.sessions).toEqual(["first-primary", "first-primary"]);
    expect(res.statements.at(-1)).toBe("SELECT 1");
    expect(res.statements.filter((sql) => sql === "SELECT 1")).toHaveLength(1);
    expect(res.headers.get(BOOKMARK_HEADER)).toMatch(BOOKMARK);

    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const other = await isolate.request(method, "/api/v1/projects/prj_nope", tenant.token, { json: { name: "x" } });
      expect(other.sessions[0], method).toBe("first-primary");
    }
  });

  it("a bookmark sent back starts the read's session, which sees the write that answered it", async () => {
    const tenant = await newTenant();
    const isolate = countingIsolate();
    const created = await isolate.request("POST", "/api/v1/projects", tenant.token, { json: { name: "read-my-write", domain: null } });
    expect(created.status).toBe(200);
    const bookmark = created.headers.get(BOOKMARK_HEADER)!;
    const read = await isolate.request("GET", `/api/v1/projects/${created.body.id}`, tenant.readToken, { headers: { [BOOKMARK_HEADER]: bookmark } });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.body.id, name: "read-my-write" });
    expect(read.sessions).toEqual([bookmark]);
    // The answer's bookmark is never older than the one sent (D1 keeps the latest it has seen).
    expect(read.headers.get(BOOKMARK_HEADER)! >= bookmark).toBe(true);
  });

  it("the bookmark of a change covers a write a Durable Object made during it, outside the request's session", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const opened: D1DatabaseSession[] = [];
    const isolate = countingIsolate(
      (db) =>
        new Proxy(db, {
          get(target, property) {
            if (property !== "withSession") {
              const value = Reflect.get(target, property, target);
              return typeof value === "function" ? value.bind(target) : value;
            }
            return (start?: string) => {
              const session = target.withSession(start);
              opened.push(session);
              return session;
            };
          },
        }),
    );
    // As the CertificateIssuer object does: it writes D1 with its own binding (no session of the request), then
    // answers. It fails here (no CA), so the route writes nothing after it: the request's session ends before it.
    let objectWrite: string | null = null;
    isolate.deps.issuer = () =>
      ({
        async issue(): Promise<IssueOutcome> {
          const own = env.DB.withSession("first-primary");
          await own.prepare("UPDATE projects SET name = ? WHERE id = ?").bind("renamed-by-object", project.id).run();
          objectWrite = own.getBookmark();
          return { state: "failed", error: { code: "ca_unreachable", message: "no CA here", status: 503, retryable: true } };
        },
      }) as unknown as CertificateIssuerRpc;
    const res = await isolate.request("POST", `/api/v1/projects/${project.id}/certificate/obtain`, tenant.token, {
      json: { email: "admin@example.com", challengeType: "http-01" },
    });
    expect(res.status).toBe(503);
    const answered = res.headers.get(BOOKMARK_HEADER)!;
    const [session, probe] = opened;
    expect(objectWrite).toMatch(BOOKMARK);
    // The session's own bookmark predates the object's write: answering it could send the client's next read to a
    // replica without that write. The answer is the primary's, taken after the handler, which covers it.
    expect(session!.getBookmark()! < objectWrite!).toBe(true);
    expect(answered >= objectWrite!).toBe(true);
    expect(answered).toBe(probe!.getBookmark());
    const read = await isolate.request("GET", `/api/v1/projects/${project.id}`, tenant.readToken, { headers: { [BOOKMARK_HEADER]: answered } });
    expect(read.body.name).toBe("renamed-by-object");
  });

  it("a malformed bookmark is a 400 in the surface's error shape, before any D1 statement: nothing is written", async () => {
    const tenant = await newTenant();
    const isolate = countingIsolate();
    const headers = { [BOOKMARK_HEADER]: "not-a-bookmark" };
    const res = await isolate.request("POST", "/api/v1/projects", tenant.token, { headers, json: { name: "never-made", domain: null } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      code: "bad_request",
      error: "The x-d1-bookmark header must be the value of an earlier answer's x-d1-bookmark header, or absent",
    });
    expect(res.statements).toEqual([]);
    expect(res.sessions).toEqual([]);
    expect(res.headers.has(BOOKMARK_HEADER)).toBe(false);
    const list = await call("GET", "/api/v1/projects", { token: tenant.token });
    expect(list.body.projects.map((p: { name: string }) => p.name)).not.toContain("never-made");
    // Reads too, and in each surface's own error shape.
    expect((await isolate.request("GET", "/api/v1/projects", tenant.token, { headers })).status).toBe(400);
    const vercel = await isolate.request("GET", "/v8/certs", tenant.token, { headers });
    expect(vercel.status).toBe(400);
    expect(vercel.body.error.code).toBe("bad_request");
  });
});

describe("the token cache and a lagging replica", () => {
  it("remembers a revoke through this isolate for a TTL, so that its lookups go to the primary meanwhile", () => {
    const cache = new TokenCache();
    cache.set("h", { teamId: "team_1", tokenId: "tok_1", scopes: [], expiresAt: null, lastUsedAt: null, cachedAt: 0 }, cache.mark());
    expect(cache.revokedHere("h", 1)).toBe(false);
    cache.revoke("h", 1_000);
    expect(cache.get("h", 1_001)).toBeUndefined();
    expect(cache.revokedHere("h", 1_000 + TOKEN_CACHE_TTL_MS - 1)).toBe(true);
    // A clock stepped back errs on the primary's side.
    expect(cache.revokedHere("h", 500)).toBe(true);
    expect(cache.revokedHere("h", 1_000 + TOKEN_CACHE_TTL_MS)).toBe(false);
    // As bounded as the entries.
    const small = new TokenCache(TOKEN_CACHE_TTL_MS, 2);
    for (const hash of ["a", "b", "c"]) small.revoke(hash, 0);
    expect(["a", "b", "c"].map((hash) => small.revokedHere(hash, 1))).toEqual([false, true, true]);
  });

  it("stays per isolate: a new session per request does not empty it", async () => {
    const tenant = await newTenant();
    const isolate = countingIsolate();
    expect((await isolate.request("GET", "/api/v1/team", tenant.readToken)).statements.filter(tokenRead)).toHaveLength(1);
    const again = await isolate.request("GET", "/api/v1/team", tenant.readToken);
    expect(again.sessions).toEqual(["first-unconstrained"]);
    expect(again.statements.filter(tokenRead)).toEqual([]);
  });

  /**
   * The binding as seen from a location whose replica has not yet received the `api_tokens` rows: a session that
   * may read a replica ("first-unconstrained" or a bookmark) finds none, while the binding itself (no session: the
   * primary) and a "first-primary" session read the real table.
   */
  function laggingTokens(db: D1Database): D1Database {
    const empty = (statement: D1PreparedStatement): D1PreparedStatement =>
      new Proxy(statement, {
        get(target, property) {
          if (property === "bind") return (...args: unknown[]) => empty(target.bind(...args));
          if (property === "first") return async () => null;
          if (property === "raw") return async () => [];
          if (property === "all") return async () => ({ success: true, meta: {}, results: [] });
          return Reflect.get(target, property, target);
        },
      });
    const lagging = (session: D1DatabaseSession): D1DatabaseSession =>
      new Proxy(session, {
        get(target, property) {
          if (property === "prepare") {
            return (sql: string) => (tokenRead(sql) ? empty(target.prepare(sql)) : target.prepare(sql));
          }
          const value = Reflect.get(target, property, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    return new Proxy(db, {
      get(target, property) {
        if (property === "withSession") {
          return (start?: string) => (start === "first-primary" ? target.withSession(start) : lagging(target.withSession(start)));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  it("a token the replica does not have yet is read from the primary before any 401, then cached", async () => {
    const tenant = await newTenant();
    const created = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: "fresh", scopes: ["projects:read"] } });
    expect(created.status).toBe(200);
    const isolate = countingIsolate(laggingTokens);
    // The simulated replica really lacks it.
    const replica = laggingTokens(env.DB).withSession("first-unconstrained");
    expect(await replica.prepare('select * from "api_tokens" where "id" = ?').bind(created.body.id).first()).toBeNull();

    const res = await isolate.request("GET", "/api/v1/projects", created.body.token);
    expect(res.status).toBe(200);
    const reads = res.statements.flatMap((sql, i) => (tokenRead(sql) ? [res.via[i]] : []));
    expect(reads).toEqual(["first-unconstrained", NO_SESSION]);
    // Cached from the primary's answer: the next read costs the route's query only.
    const next = await isolate.request("GET", "/api/v1/projects", created.body.token);
    expect(next.status).toBe(200);
    expect(next.statements).toHaveLength(1);
  });

  it("an unknown token is still a 401, after one read on the session and one on the primary", async () => {
    const isolate = countingIsolate(laggingTokens);
    const res = await isolate.request("GET", "/api/v1/projects", `cdk_${"B".repeat(43)}`);
    expect(res.status).toBe(401);
    expect(res.via).toEqual(["first-unconstrained", NO_SESSION]);
  });

  it("a change's session reads the primary first, so a miss there is final: no second read", async () => {
    const isolate = countingIsolate(laggingTokens);
    const res = await isolate.request("POST", "/api/v1/projects", `cdk_${"C".repeat(43)}`, { json: { name: "x", domain: null } });
    expect(res.status).toBe(401);
    expect(res.statements.filter(tokenRead)).toHaveLength(1);
    expect(res.via[0]).toBe("first-primary");
  });
});
