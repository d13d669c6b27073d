/**
 * `/api/v1/webhooks`: who may read and change endpoints, what a URL must be (written, and as its name resolves over a
 * fake DNS-over-HTTPS), that the signing secret is shown once and stored sealed, the per-team limit, changing and
 * removing an endpoint, and the deliveries listing. Every refusal changes nothing.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { attemptWebhook } from "../../../src/services/webhooks/delivery";
import { call, newTenant, type Tenant } from "../../support/api";
import { tokenWith } from "../../support/export-checks";
import { fakeNetwork, plantMessage, PUBLIC_ADDRESS, webhookIsolate, type WebhookIsolate } from "../../support/webhook-receiver-fakes";

const RECEIVER = "https://hooks.example.com/certdesk";

let tenant: Tenant;
let stranger: Tenant;
let isolate: WebhookIsolate;

const network = fakeNetwork({
  "internal.example.com": ["10.0.0.1"],
  "mixed.example.com": [PUBLIC_ADDRESS, "192.168.1.20"],
  "v6-loopback.example.com": ["::1"],
  "v6-private.example.com": ["2606:4700:4700::1111", "fd00::7"],
  "metadata.example.com": ["169.254.169.254"],
  "nowhere.example.com": "nxdomain",
  "flaky.example.com": "fail",
});

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
  isolate = webhookIsolate(network);
});

const create = (token: string, json: unknown, on = isolate) => on.request("POST", "/api/v1/webhooks", token, json);
const list = async (t: Tenant = tenant) => (await isolate.request("GET", "/api/v1/webhooks", t.token)).body.endpoints as { id: string; url: string }[];
const auditTargets = async (t: Tenant) => ((await call("GET", "/api/v1/audit-log?limit=200", { token: t.token })).body.events as { target: string }[]).map((e) => e.target);

async function endpoint(t: Tenant = tenant, json: unknown = { url: RECEIVER }) {
  const res = await create(t.token, json);
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; secret: string; events: string[] };
}

describe("scopes", () => {
  it("reads with webhooks:read, changes only with webhooks:write (which implies read), and nothing with other scopes", async () => {
    const created = await endpoint();
    const one = `/api/v1/webhooks/${created.id}`;
    const reader = await tokenWith(tenant, ["webhooks:read"]);
    const writer = await tokenWith(tenant, ["webhooks:write"]);
    const other = await tokenWith(tenant, ["projects:write", "tokens:write", "certs:write", "organization:write", "certificates:export"]);

    for (const [method, path] of [["GET", "/api/v1/webhooks"], ["GET", one], ["GET", `${one}/deliveries`]] as const) {
      expect((await isolate.request(method, path, reader.token)).status, `${method} ${path}`).toBe(200);
      expect((await isolate.request(method, path, writer.token)).status, `${method} ${path}`).toBe(200);
      const refused = await isolate.request(method, path, other.token);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe("This token lacks the webhooks:read scope");
    }
    const before = await list();
    for (const [method, path, json] of [
      ["POST", "/api/v1/webhooks", { url: RECEIVER }],
      ["PATCH", one, { disabled: true }],
      ["DELETE", one, undefined],
    ] as const) {
      for (const token of [reader.token, other.token, tenant.readToken]) {
        const res = await isolate.request(method, path, token, json);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.error).toBe("This token lacks the webhooks:write scope");
      }
    }
    expect(await list()).toEqual(before);
    expect((await isolate.request("PATCH", one, writer.token, { events: ["certificate.expiring"] })).status).toBe(200);
  });

  it("401 without a token; another team's endpoint is a 404 everywhere and is left alone", async () => {
    const created = await endpoint();
    const one = `/api/v1/webhooks/${created.id}`;
    expect((await isolate.request("GET", "/api/v1/webhooks", null)).status).toBe(401);
    for (const [method, path, json] of [
      ["GET", one, undefined],
      ["GET", `${one}/deliveries`, undefined],
      ["PATCH", one, { disabled: true }],
      ["DELETE", one, undefined],
    ] as const) {
      const res = await isolate.request(method, path, stranger.token, json);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.text).not.toContain(tenant.teamId);
    }
    expect((await list(stranger)).map((e) => e.id)).not.toContain(created.id);
    expect((await isolate.request("GET", one, tenant.token)).body).toMatchObject({ id: created.id, disabled: false });
  });

  it("a new team's bootstrap token holds both webhook scopes", async () => {
    const fresh = await newTenant();
    const tokens = await call("GET", "/api/v1/tokens", { token: fresh.token });
    const bootstrap = tokens.body.tokens.find((t: { name: string }) => t.name === "bootstrap");
    expect(bootstrap.scopes).toEqual(expect.arrayContaining(["webhooks:read", "webhooks:write"]));
  });
});

describe("what an endpoint takes", () => {
  const refusals: [string, unknown, string][] = [
    ["no URL", { events: ["certificate.expiring"] }, "url: Required"],
    ["an empty URL", { url: " " }, "url: must not be empty"],
    ["plain http", { url: "http://hooks.example.com/x" }, "url: Must be an https:// URL"],
    ["user info in the URL", { url: "https://user:pass@hooks.example.com/x" }, "url: Must not contain a user name or password"],
    ["a relative URL", { url: "/hooks" }, "url: Must be an absolute URL"],
    ["a private address", { url: "https://10.0.0.1/x" }, "url: Must not point at a private network address"],
    ["loopback", { url: "https://127.0.0.1:8443/x" }, "url: Must not point at a loopback address or localhost"],
    ["localhost", { url: "https://localhost/x" }, "url: Must not point at a loopback address or localhost"],
    ["the metadata service", { url: "https://169.254.169.254/latest" }, "url: Must not point at a cloud metadata service"],
    ["CGNAT", { url: "https://100.64.0.9/x" }, "url: Must not point at a shared (carrier-grade NAT) address"],
    ["IPv4-mapped loopback", { url: "https://[::ffff:127.0.0.1]/x" }, "url: Must not point at a loopback address or localhost"],
    ["a name resolving to 10.0.0.1", { url: "https://internal.example.com/x" }, "url: internal.example.com resolves to 10.0.0.1: Must not point at a private network address"],
    ["a name with one private address among public ones", { url: "https://mixed.example.com/x" }, "url: mixed.example.com resolves to 192.168.1.20: Must not point at a private network address"],
    ["a name resolving to ::1", { url: "https://v6-loopback.example.com/x" }, "url: v6-loopback.example.com resolves to ::1: Must not point at a loopback address or localhost"],
    ["a name resolving to a unique local IPv6 address", { url: "https://v6-private.example.com/x" }, "url: v6-private.example.com resolves to fd00::7: Must not point at a private network address"],
    ["a name resolving to the metadata service", { url: "https://metadata.example.com/x" }, "url: metadata.example.com resolves to 169.254.169.254: Must not point at a cloud metadata service"],
    ["a name that does not resolve", { url: "https://nowhere.example.com/x" }, "url: nowhere.example.com does not resolve to any address"],
    ["an unknown event type", { url: RECEIVER, events: ["certificate.exploded"] }, "events.0: must be one of certificate.issued"],
    ["no event types", { url: RECEIVER, events: [] }, "events: must name at least one event type"],
    ["an unknown field", { url: RECEIVER, secret: "whsec_mine" }, "secret"],
  ];

  it.each(refusals)("refuses %s with a 400 naming the field, and stores nothing", async (_label, json, message) => {
    const t = await newTenant();
    const audited = await auditTargets(t);
    const res = await create(t.token, json);
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: "validation_failed" });
    expect(res.body.error).toContain(message);
    expect(await list(t)).toEqual([]);
    expect(await auditTargets(t)).toEqual(audited);
  });

  it("asks DNS-over-HTTPS for both address families of the name", async () => {
    network.queries.length = 0;
    await endpoint(tenant, { url: "https://checked.example.com/hook" });
    expect(network.queries.sort()).toEqual(["checked.example.com/A", "checked.example.com/AAAA"]);
  });

  it("answers 502 when the resolver fails, and stores nothing (an unchecked name is not trusted)", async () => {
    const t = await newTenant();
    const res = await create(t.token, { url: "https://flaky.example.com/hook" });
    expect(res.status, res.text).toBe(502);
    expect(res.body.error).toMatch(/^url: Could not resolve flaky\.example\.com to check that it is public/);
    expect(await list(t)).toEqual([]);
  });

  it("takes http:// loopback receivers and skips the lookup only where ALLOW_PRIVATE_WEBHOOK_TARGETS is set (a local run)", async () => {
    const t = await newTenant();
    const local = webhookIsolate(network, { ALLOW_PRIVATE_WEBHOOK_TARGETS: "true" });
    network.queries.length = 0;
    const res = await create(t.token, { url: "http://127.0.0.1:9999/hooks" }, local);
    expect(res.status, res.text).toBe(201);
    expect((await create(t.token, { url: "https://internal.example.com/x" }, local)).status).toBe(201);
    expect(network.queries).toEqual([]);
    // The same URL without the switch.
    expect((await create(t.token, { url: "http://127.0.0.1:9999/hooks" })).status).toBe(400);
  });

  it("defaults to every event type, keeps a chosen list in the registry's order, once each", async () => {
    const all = await endpoint();
    expect(all.events).toHaveLength(11);
    expect(all.events).toContain("ca.created");
    expect(all.events).toContain("certificate.renewal_failed");
    const some = await endpoint(tenant, { url: RECEIVER, events: ["certificate.expiring", "certificate.issued", "certificate.expiring"] });
    expect(some.events).toEqual(["certificate.issued", "certificate.expiring"]);
  });
});

describe("the signing secret", () => {
  it("is a whsec_ secret of 32 random bytes, shown in the 201 only, sealed at rest, absent from the audit log", async () => {
    const t = await newTenant();
    const res = await create(t.token, { url: RECEIVER });
    expect(res.status).toBe(201);
    const secret = res.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(secret.slice(6))).toHaveLength(32);
    const other = await create(t.token, { url: RECEIVER });
    expect(other.body.secret).not.toBe(secret);
    const key = secret.slice(6);
    const reads = [
      await isolate.request("GET", "/api/v1/webhooks", t.token),
      await isolate.request("GET", `/api/v1/webhooks/${res.body.id}`, t.token),
      await isolate.request("PATCH", `/api/v1/webhooks/${res.body.id}`, t.token, { events: ["certificate.expired"] }),
      await isolate.request("GET", "/api/v1/audit-log?limit=200", t.token),
    ];
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(read.text).not.toContain(key);
      expect(read.body.secret).toBeUndefined();
    }
    const stored = await env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(res.body.id).first<Record<string, unknown>>();
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(stored!.sealed_secret).toMatch(/^v2\./);
    const audit = reads[3]!.body.events.filter((e: { target: string }) => e.target === res.body.id);
    expect(audit.map((e: { action: string }) => e.action).sort()).toEqual(["PATCH /api/v1/webhooks/:id", "POST /api/v1/webhooks"]);
    expect(audit.find((e: { action: string }) => e.action === "POST /api/v1/webhooks").detail).toEqual({ url: RECEIVER, events: expect.any(Array) });
  });
});

describe("the limit per team", () => {
  it("holds at most WEBHOOK_ENDPOINTS_PER_TEAM endpoints: 409, and nothing more is stored", async () => {
    const t = await newTenant();
    const limited = webhookIsolate(network, { WEBHOOK_ENDPOINTS_PER_TEAM: "3" });
    for (let i = 0; i < 3; i++) expect((await create(t.token, { url: `${RECEIVER}/${i}` }, limited)).status).toBe(201);
    const refused = await create(t.token, { url: `${RECEIVER}/3` }, limited);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "limit_reached", error: "A team can have at most 3 webhook endpoints; delete one before adding another" });
    expect(await list(t)).toHaveLength(3);
    // Another team's endpoints do not count.
    expect((await create(stranger.token, { url: RECEIVER }, limited)).status).toBe(201);
  });

  it("defaults to 20", async () => {
    const t = await newTenant();
    for (let i = 0; i < 20; i++) expect((await create(t.token, { url: `${RECEIVER}/${i}` })).status).toBe(201);
    expect((await create(t.token, { url: RECEIVER })).status).toBe(409);
  });
});

describe("changing and removing an endpoint", () => {
  it("changes events and URL (checked as at creation, the secret kept), and refuses a bad change without changing anything", async () => {
    const created = await endpoint();
    const one = `/api/v1/webhooks/${created.id}`;
    const moved = await isolate.request("PATCH", one, tenant.token, { url: "https://elsewhere.example.net/in", events: ["certificate.revoked"] });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ url: "https://elsewhere.example.net/in", events: ["certificate.revoked"] });
    for (const [json, message] of [
      [{ url: "https://internal.example.com/x" }, "url: internal.example.com resolves to 10.0.0.1"],
      [{ url: "http://elsewhere.example.net/in" }, "url: Must be an https:// URL"],
      [{}, "give url, events or disabled"],
      [{ events: [] }, "events: must name at least one event type"],
      [{ disabled: "yes" }, "disabled"],
      [{ secret: "x" }, "secret"],
    ] as const) {
      const res = await isolate.request("PATCH", one, tenant.token, json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error).toContain(message);
    }
    expect((await isolate.request("GET", one, tenant.token)).body).toMatchObject({ url: "https://elsewhere.example.net/in", events: ["certificate.revoked"], disabled: false });
  });

  it("disables (dropping what waits for it, the reason shown) and enables again", async () => {
    const created = await endpoint();
    const one = `/api/v1/webhooks/${created.id}`;
    await plantMessage({ id: `msg_patch_${created.id}`, endpointId: created.id, teamId: tenant.teamId, eventId: `evt_patch_${created.id}` });
    const off = await isolate.request("PATCH", one, tenant.token, { disabled: true });
    expect(off.body).toMatchObject({ disabled: true, disabledReason: "Disabled through the API", disabledAt: expect.any(String) });
    const waiting = await env.DB.prepare("SELECT count(*) AS n FROM webhook_outbox WHERE endpoint_id = ?").bind(created.id).first<{ n: number }>();
    expect(waiting!.n).toBe(0);
    // The event only that message waited for goes too: it no longer counts against the team's outbox.
    expect(await env.DB.prepare("SELECT id FROM webhook_events WHERE id = ?").bind(`evt_patch_${created.id}`).first()).toBeNull();
    const on = await isolate.request("PATCH", one, tenant.token, { disabled: false });
    expect(on.body).toMatchObject({ disabled: false, disabledReason: null, disabledAt: null, failingSince: null });
  });

  it("removes an endpoint with what waits for it; a second delete is a 404", async () => {
    const created = await endpoint();
    const one = `/api/v1/webhooks/${created.id}`;
    await plantMessage({ id: `msg_delete_${created.id}`, endpointId: created.id, teamId: tenant.teamId, eventId: `evt_delete_${created.id}` });
    const res = await isolate.request("DELETE", one, tenant.token);
    expect(res.status).toBe(200);
    expect((await isolate.request("GET", one, tenant.token)).status).toBe(404);
    expect((await isolate.request("DELETE", one, tenant.token)).status).toBe(404);
    expect(await env.DB.prepare("SELECT id FROM webhook_outbox WHERE endpoint_id = ?").bind(created.id).first()).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM webhook_events WHERE id = ?").bind(`evt_delete_${created.id}`).first()).toBeNull();
    expect((await list()).map((e) => e.id)).not.toContain(created.id);
  });
});

describe("GET /api/v1/webhooks/:id/deliveries", () => {
  it("lists each attempt newest first: message, event, attempt number, status or error, next retry", async () => {
    const created = await endpoint();
    await plantMessage({ id: `msg_listed_${created.id}`, endpointId: created.id, teamId: tenant.teamId, eventId: "evt_listed", payload: '{"type":"certificate.expiring"}' });
    network.receiver.answer(503);
    const first = await attemptWebhook(isolate.deps, { id: `msg_listed_${created.id}`, attempt: 1 });
    expect(first.state).toBe("retrying");
    network.receiver.answer(204);
    const second = await attemptWebhook(isolate.deps, { id: `msg_listed_${created.id}`, attempt: 2, asOf: Date.now() + 60_000 });
    expect(second.state).toBe("delivered");
    const res = await isolate.request("GET", `/api/v1/webhooks/${created.id}/deliveries`, tenant.token);
    expect(res.status).toBe(200);
    expect(res.body.deliveries).toEqual([
      expect.objectContaining({ messageId: `msg_listed_${created.id}`, eventId: "evt_listed", eventType: "certificate.expiring", attempt: 2, outcome: "delivered", statusCode: 204, error: null, nextRetryAt: null }),
      expect.objectContaining({ attempt: 1, outcome: "retrying", statusCode: 503, error: "https://hooks.example.com answered HTTP 503", nextRetryAt: expect.any(String) }),
    ]);
    expect((await isolate.request("GET", `/api/v1/webhooks/${created.id}/deliveries?limit=1`, tenant.token)).body.deliveries).toHaveLength(1);
    expect((await isolate.request("GET", `/api/v1/webhooks/${created.id}/deliveries?limit=0`, tenant.token)).status).toBe(400);
    expect((await isolate.request("GET", `/api/v1/webhooks/${created.id}`, tenant.token)).body).toMatchObject({ lastError: null, failingSince: null, lastDeliveredAt: expect.any(String) });
  });
});
