/**
 * `POST /api/v1/webhooks/:id/test`: one signed `ping` sent now to a fake receiver that verifies it with the endpoint's
 * secret; the answer shows what the receiver said (status, the start of its body) or why nothing was delivered, the
 * attempt joins the delivery log, and the endpoint's failure record is left alone.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { webhookVerificationProblem } from "../../../src/crypto/webhook-signature";
import { call, newTenant, type Tenant } from "../../support/api";
import { tokenWith } from "../../support/export-checks";
import { fakeNetwork, webhookIsolate, type FakeReceiver, type WebhookIsolate } from "../../support/webhook-receiver-fakes";

/** A receiver that checks each delivery's signature against `secrets` (by URL) and answers as told. */
function verifyingReceiver(secrets: Map<string, string>) {
  let answer: { status: number; body: string } | "down" = { status: 202, body: "ok" };
  const received: { url: string; verified: string | undefined; headers: Record<string, string>; payload: any }[] = [];
  const receiver: FakeReceiver = {
    deliveries: [],
    answer: () => undefined,
    async handle(request) {
      const body = await request.text();
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => void (headers[name] = value));
      const secret = secrets.get(request.url);
      const wire = { id: headers["webhook-id"] ?? null, timestamp: headers["webhook-timestamp"] ?? null, signature: headers["webhook-signature"] ?? null };
      const problem = secret === undefined ? "no secret for this URL" : await webhookVerificationProblem(secret, wire, body);
      received.push({ url: request.url, verified: problem, headers, payload: JSON.parse(body) });
      if (answer === "down") throw new TypeError("Network connection lost.");
      return new Response(problem ? `bad signature: ${problem}` : answer.body || null, { status: problem ? 401 : answer.status });
    },
  };
  return { receiver, received, set: (next: typeof answer) => void (answer = next) };
}

const secrets = new Map<string, string>();
const fake = verifyingReceiver(secrets);
const table: Record<string, string[]> = {};
const network = fakeNetwork(table, fake.receiver);
let isolate: WebhookIsolate;
let tenant: Tenant;

beforeAll(async () => {
  tenant = await newTenant();
  isolate = webhookIsolate(network);
});

async function endpoint(url: string) {
  const res = await isolate.request("POST", "/api/v1/webhooks", tenant.token, { url, events: ["certificate.renewed"] });
  expect(res.status, res.text).toBe(201);
  secrets.set(url, res.body.secret);
  return res.body as { id: string };
}

const test = (id: string, token = tenant.token) => isolate.request("POST", `/api/v1/webhooks/${id}/test`, token);
const deliveries = async (id: string) => (await isolate.request("GET", `/api/v1/webhooks/${id}/deliveries`, tenant.token)).body.deliveries as any[];
const endpointState = async (id: string) => (await isolate.request("GET", `/api/v1/webhooks/${id}`, tenant.token)).body;

describe("POST /api/v1/webhooks/:id/test", () => {
  it("delivers a ping signed with the endpoint's secret, whatever its events, and shows the receiver's status and body", async () => {
    const url = "https://ok.example.com/hook";
    const created = await endpoint(url);
    fake.set({ status: 202, body: "ok" });
    const res = await test(created.id);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ delivered: true, status: 202, body: "ok", durationMs: expect.any(Number), error: null, eventId: expect.stringMatching(/^evt_/), messageId: expect.stringMatching(/^msg_/) });
    const got = fake.received.at(-1)!;
    expect(got.url).toBe(url);
    expect(got.verified).toBeUndefined();
    expect(got.headers["webhook-id"]).toBe(res.body.messageId);
    expect(got.payload).toEqual({ type: "ping", timestamp: expect.any(String), data: { endpointId: created.id, teamId: tenant.teamId } });
    expect(await deliveries(created.id)).toEqual([
      expect.objectContaining({ messageId: res.body.messageId, eventId: res.body.eventId, eventType: "ping", attempt: 1, outcome: "delivered", statusCode: 202, error: null, nextRetryAt: null }),
    ]);
    const audit = await call("GET", `/api/v1/audit-log?target=${created.id}&action=${encodeURIComponent("POST /api/v1/webhooks/:id/test")}`, { token: tenant.token });
    expect(audit.body.events).toEqual([
      expect.objectContaining({ detail: { eventId: res.body.eventId, messageId: res.body.messageId, delivered: true, status: 202 } }),
    ]);
  });

  it("a receiver's error: delivered false with its status and the first 1024 characters of its body; the endpoint's failure record untouched", async () => {
    const created = await endpoint("https://fails.example.com/hook");
    fake.set({ status: 500, body: `boom ${"é".repeat(2000)}` });
    const res = await test(created.id);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ delivered: false, status: 500, error: "https://fails.example.com answered HTTP 500" });
    expect(res.body.body).toBe(`boom ${"é".repeat(1019)}`);
    expect(await endpointState(created.id)).toMatchObject({ disabled: false, failingSince: null, lastError: null, lastDeliveredAt: null });
    expect((await deliveries(created.id))[0]).toMatchObject({ eventType: "ping", outcome: "failed", statusCode: 500, nextRetryAt: null });
    // Nothing was queued for a retry.
    expect(isolate.sent.filter((m) => m.id === res.body.messageId)).toEqual([]);
  });

  it("an unreachable receiver or a refused address: 200 with the error set and no status", async () => {
    const created = await endpoint("https://down.example.com/hook");
    fake.set("down");
    const down = await test(created.id);
    expect(down.status, down.text).toBe(200);
    expect(down.body).toMatchObject({ delivered: false, status: null, body: "", error: "Could not connect to https://down.example.com" });
    // The name now resolves to a private address: checked again before sending, as every delivery is.
    const rebound = await endpoint("https://rebound.example.com/hook");
    table["rebound.example.com"] = ["10.0.0.1"];
    const before = fake.received.length;
    const refused = await test(rebound.id);
    expect(refused.status, refused.text).toBe(200);
    expect(refused.body).toMatchObject({ delivered: false, status: null, body: "", error: expect.stringMatching(/^Not sent: .*10\.0\.0\.1/) });
    expect(fake.received.length).toBe(before);
    expect((await deliveries(rebound.id))[0]).toMatchObject({ eventType: "ping", outcome: "failed", statusCode: null, error: refused.body.error });
  });

  it("works on a disabled endpoint, which stays disabled", async () => {
    const created = await endpoint("https://disabled.example.com/hook");
    expect((await isolate.request("PATCH", `/api/v1/webhooks/${created.id}`, tenant.token, { disabled: true })).status).toBe(200);
    fake.set({ status: 204, body: "" });
    const res = await test(created.id);
    expect(res.body).toMatchObject({ delivered: true, status: 204, body: "", error: null });
    expect(await endpointState(created.id)).toMatchObject({ disabled: true, disabledReason: "Disabled through the API" });
  });

  it("needs webhooks:write; an unknown or another team's endpoint is a 404, and nothing is sent", async () => {
    const created = await endpoint("https://guarded.example.com/hook");
    const before = fake.received.length;
    const reader = await tokenWith(tenant, ["webhooks:read"]);
    const refused = await test(created.id, reader.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("This token lacks the webhooks:write scope");
    const stranger = await newTenant();
    expect((await test(created.id, stranger.token)).status).toBe(404);
    const unknown = await test("whe_unknown");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("Webhook endpoint whe_unknown not found");
    expect(fake.received.length).toBe(before);
    expect(await deliveries(created.id)).toEqual([]);
  });
});
