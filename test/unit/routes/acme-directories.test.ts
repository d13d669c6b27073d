/** `/api/v1/acme-directories`: the team's ACME server directories and EAB keys, with scopes, validation and tenant isolation. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, newTenant, type Tenant } from "../../support/api";
import { tokenWith } from "../../support/export-checks";
import { newIntermediate, newRoot, ok, uniqueName } from "./private-ca-support";

const PATH = "/api/v1/acme-directories";

let tenant: Tenant;
let stranger: Tenant;
let caId: string;

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
  const root = await newRoot(tenant);
  caId = (await newIntermediate(tenant, root.id)).id;
});

const body = (extra: Record<string, unknown> = {}) => ({
  name: uniqueName("dir"),
  issuer: { type: "private", caId, profile: "server" },
  authorization: "pre-approved",
  allowedNames: ["*.svc.internal.example", "Build.Example.com"],
  ...extra,
});

const auditOf = async (t: Tenant, target: string) =>
  ((await call("GET", "/api/v1/audit-log?limit=200", { token: t.token })).body.events as { target: string; action: string }[]).filter((e) => e.target === target);

describe("creating a directory", () => {
  it("answers 201 with the directory URL, the default validity, and lower-cased patterns, with an audit row", async () => {
    const dir = await ok("POST", PATH, tenant.token, body(), 201);
    expect(dir).toMatchObject({
      id: expect.stringMatching(/^acmd_/),
      directoryUrl: `https://certdesk.test/acme/${dir.id}/directory`,
      issuer: { type: "private", caId, profile: "server", validityHours: 2160 },
      authorization: "pre-approved",
      allowedNames: ["*.svc.internal.example", "build.example.com"],
    });
    expect(await auditOf(tenant, dir.id)).toEqual([expect.objectContaining({ action: "POST /api/v1/acme-directories" })]);
    expect((await ok("GET", `${PATH}/${dir.id}`, tenant.token)).id).toBe(dir.id);
    expect((await ok("GET", PATH, tenant.token)).directories.map((d: { id: string }) => d.id)).toContain(dir.id);
  });

  it.each([
    ["an unknown CA", () => ({ issuer: { type: "private", caId: "ca_nope", profile: "server" } }), "issuer.caId"],
    ["a relay with challenge authorization", () => ({ issuer: { type: "relay", challengeType: "http-01" }, authorization: "challenge" }), "authorization"],
    ["a bad allowedNames pattern", () => ({ allowedNames: ["a.*.example.com"] }), "allowedNames[0]"],
    ["a URL in allowedNames", () => ({ allowedNames: ["ok.example", "https://x.example/"] }), "allowedNames[1]"],
    ["an unknown profile", () => ({ issuer: { type: "private", caId, profile: "codeSigning" } }), "issuer.profile"],
    ["validity past the maximum", () => ({ issuer: { type: "private", caId, profile: "server", validityHours: 10_000_000 } }), "issuer.validityHours"],
  ])("refuses %s with a 400 naming the field, storing nothing", async (_what, extra, param) => {
    const json = body(extra());
    const res = await call("POST", PATH, { token: tenant.token, json });
    expect(res.status, res.text).toBe(400);
    expect(res.text).toContain(param);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM acme_directories WHERE name = ?").bind(json.name).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it("refuses another team's CA as if it did not exist", async () => {
    const res = await call("POST", PATH, { token: stranger.token, json: body() });
    expect(res.status, res.text).toBe(400);
    expect(res.text).toContain(`CA ${caId} not found`);
  });

  it("answers 409 for a second directory of the same name, and frees the name once deleted", async () => {
    const first = await ok("POST", PATH, tenant.token, body({ name: "same-name" }), 201);
    expect((await call("POST", PATH, { token: tenant.token, json: body({ name: "same-name" }) })).status).toBe(409);
    expect((await call("DELETE", `${PATH}/${first.id}`, { token: tenant.token })).status).toBe(204);
    await ok("POST", PATH, tenant.token, body({ name: "same-name" }), 201);
  });
});

describe("scopes and isolation", () => {
  it("needs acme-server:write to create and acme-server:read to list; another team sees 404", async () => {
    const dir = await ok("POST", PATH, tenant.token, body(), 201);
    const reader = await tokenWith(tenant, ["acme-server:read"]);
    expect((await call("POST", PATH, { token: reader.token, json: body() })).status).toBe(403);
    expect((await call("POST", `${PATH}/${dir.id}/eab-keys`, { token: reader.token })).status).toBe(403);
    expect((await call("GET", `${PATH}/${dir.id}`, { token: reader.token })).status).toBe(200);
    expect((await call("GET", PATH, { token: tenant.readToken })).status).toBe(403);
    expect((await call("GET", PATH, { token: null })).status).toBe(401);
    for (const [method, path] of [
      ["GET", `${PATH}/${dir.id}`],
      ["DELETE", `${PATH}/${dir.id}`],
      ["POST", `${PATH}/${dir.id}/eab-keys`],
      ["GET", `${PATH}/${dir.id}/eab-keys`],
    ] as const) {
      expect((await call(method, path, { token: stranger.token })).status, `${method} ${path}`).toBe(404);
    }
    expect((await ok("GET", PATH, stranger.token)).directories).toEqual([]);
  });
});

describe("EAB keys", () => {
  it("shows the HMAC key once (unpadded base64url, 256 bits), seals it, lists keys without it, and revokes", async () => {
    const dir = await ok("POST", PATH, tenant.token, body(), 201);
    const key = await ok("POST", `${PATH}/${dir.id}/eab-keys`, tenant.token, undefined, 201);
    expect(key).toMatchObject({ keyId: expect.stringMatching(/^eab_/), directoryId: dir.id, accountId: null, revokedAt: null });
    expect(key.hmacKey).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
    const row = await env.DB.prepare("SELECT sealed_hmac_key FROM acme_eab_keys WHERE id = ?").bind(key.keyId).first<{ sealed_hmac_key: string }>();
    expect(row!.sealed_hmac_key).not.toContain(key.hmacKey);
    const list = await call("GET", `${PATH}/${dir.id}/eab-keys`, { token: tenant.token });
    expect(list.body.eabKeys).toEqual([expect.objectContaining({ keyId: key.keyId, revokedAt: null })]);
    expect(list.text).not.toContain(key.hmacKey);
    const revoked = await ok("DELETE", `${PATH}/${dir.id}/eab-keys/${key.keyId}`, tenant.token);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect((await call("DELETE", `${PATH}/${dir.id}/eab-keys/${key.keyId}`, { token: tenant.token })).status).toBe(409);
    expect((await call("DELETE", `${PATH}/${dir.id}/eab-keys/eab_nope`, { token: tenant.token })).status).toBe(404);
    expect(JSON.stringify(await auditOf(tenant, key.keyId))).not.toContain(key.hmacKey);
  });

  it("a deleted directory is a 404 for everything", async () => {
    const dir = await ok("POST", PATH, tenant.token, body(), 201);
    expect((await call("DELETE", `${PATH}/${dir.id}`, { token: tenant.token })).status).toBe(204);
    expect((await call("GET", `${PATH}/${dir.id}`, { token: tenant.token })).status).toBe(404);
    expect((await call("POST", `${PATH}/${dir.id}/eab-keys`, { token: tenant.token })).status).toBe(404);
    expect((await call("DELETE", `${PATH}/${dir.id}`, { token: tenant.token })).status).toBe(404);
  });
});
