/** The private CA's webhook events: `ca.created`, `certificate.issued` and `certificate.revoked` with the issuing CA, no key material. */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { newTenant } from "../../support/api";
import { fakeNetwork, webhookIsolate, type WebhookIsolate } from "../../support/webhook-receiver-fakes";
import { uniqueName } from "./private-ca-support";

let isolate: WebhookIsolate;

beforeAll(() => {
  isolate = webhookIsolate(fakeNetwork());
});

async function recorded(endpointId: string) {
  const rows = await env.DB.prepare(
    "SELECT e.payload FROM webhook_outbox o JOIN webhook_events e ON e.id = o.event_id WHERE o.endpoint_id = ? ORDER BY o.created_at, o.rowid",
  )
    .bind(endpointId)
    .all<{ payload: string }>();
  return rows.results.map((row) => JSON.parse(row.payload) as { type: string; data: Record<string, unknown> });
}

describe("private CA events", () => {
  it("announce a CA's creation, and its certificate's issuance and revocation with caId", async () => {
    const t = await newTenant();
    const endpoint = await isolate.request("POST", "/api/v1/webhooks", t.token, { url: "https://hooks.example.com/in", events: ["ca.created", "certificate.issued", "certificate.revoked"] });
    expect(endpoint.status, endpoint.text).toBe(201);
    const ca = await isolate.request("POST", "/api/v1/cas", t.token, { name: uniqueName(), kind: "root", subject: { commonName: "Events Root" }, validityDays: 30 });
    expect(ca.status, ca.text).toBe(201);
    const leaf = await isolate.request("POST", `/api/v1/cas/${ca.body.id}/certificates`, t.token, { profile: "server", dnsNames: ["e.corp.example"] });
    expect(leaf.status, leaf.text).toBe(201);
    const revoked = await isolate.request("POST", `/api/v1/cas/${ca.body.id}/certificates/${leaf.body.id}/revoke`, t.token, { reason: "superseded" });
    expect(revoked.status, revoked.text).toBe(200);
    const events = await recorded(endpoint.body.id);
    expect(events.map((e) => e.type)).toEqual(["ca.created", "certificate.issued", "certificate.revoked"]);
    expect(events[0]!.data).toMatchObject({ caId: ca.body.id, teamId: t.teamId, kind: "root", fingerprint: ca.body.fingerprintSha256 });
    expect(events[1]!.data).toMatchObject({ certificateId: leaf.body.id, caId: ca.body.id, certificateType: "private", serial: leaf.body.serialNumber, names: ["e.corp.example"] });
    expect(events[2]!.data).toMatchObject({ certificateId: leaf.body.id, caId: ca.body.id, reason: "superseded" });
    expect(JSON.stringify(events)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });
});
