/**
 * Certificate events reach a team's webhook receiver end to end: the `wrangler dev` Worker records each event, its
 * webhook queue delivers it to a receiver on the Node side (test/support/webhook-receiver.ts), and every delivery is
 * verified here with the `standardwebhooks` reference library. Certificates come from a real Pebble (obtain, renewal
 * by the sweep, a renewal failing while the CA is unreachable, revocation) or are generated here (upload, one about
 * to expire). A receiver that is down gets the event later, under the same `webhook-id`. And one team cannot delay
 * another's events or fill the database: a quiet team's event arrives within 30 s while a hostile team runs 300
 * upload/delete cycles of a certificate with 100 long names against 20 endpoints that answer 500, and the hostile
 * team's outbox stays under its quota (read from /metrics).
 */
import { Webhook } from "standardwebhooks";
// @ts-expect-error -- the package ships no type declarations; `gauge` below gives its result a type.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { beforeAll, describe, expect, it } from "vitest";
import { LIMIT_DEFAULTS } from "../../src/core/config";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { caNetwork, e2e } from "../support/pebble-context";
import { dayMs, makeChain } from "../support/pki-fixtures";
import { receiver, type ReceivedWebhook } from "../support/webhook-receiver-client";

interface Event {
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

interface Endpoint {
  id: string;
  path: string;
  secret: string;
}

let token: string;
let hook: Endpoint;

async function addEndpoint(teamToken: string, label: string): Promise<Endpoint> {
  const { path, url } = receiver.newPath(label);
  const res = await api("POST", "/api/v1/webhooks", teamToken, { url });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id, path, secret: res.body.secret };
}

beforeAll(async () => {
  token = await newTeamToken();
  hook = await addEndpoint(token, "events");
});

/** Every delivery to the endpoint so far, each verified with its secret by the reference library. */
async function verified(endpoint: Endpoint): Promise<{ delivery: ReceivedWebhook; event: Event }[]> {
  const webhook = new Webhook(endpoint.secret);
  return (await receiver.deliveries(endpoint.path)).map((delivery) => ({ delivery, event: webhook.verify(delivery.body, delivery.headers) as Event }));
}

/** Waits for the event of `type` about certificate `certificateId` at the endpoint. */
async function eventFor(endpoint: Endpoint, type: string, certificateId: string, timeoutMs = 30_000): Promise<Event> {
  return eventually(async () => (await verified(endpoint)).map((v) => v.event).find((e) => e.type === type && e.data.certificateId === certificateId), timeoutMs);
}

const certificate = async (projectId: string) => (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
const status = async (projectId: string) => (await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).body;
const renewalSweep = (asOf: number) => api("POST", "/api/v1/admin/renewal-sweep", e2e().adminToken, { asOf: new Date(asOf).toISOString() });
const webhookSweep = (asOf: number) => api("POST", "/api/v1/admin/webhook-sweep", e2e().adminToken, { asOf: new Date(asOf).toISOString() });

async function upload(teamToken: string, projectId: string, domain: string, dates: { notBefore?: Date; notAfter?: Date } = {}) {
  const chain = await makeChain({ names: [domain], ...dates });
  const res = await api("POST", `/api/v1/projects/${projectId}/certificate/upload`, teamToken, { certificate: chain.chainPem, privateKey: chain.keyPem });
  expect(res.status, res.text).toBe(200);
  return res.body.certificate as { id: string; serial: string; expiresAt: string };
}

async function obtained(label: string) {
  const domain = freshDomain(label);
  const projectId = await newProject(token, domain);
  const res = await obtainHttp01(token, projectId);
  expect(res.status, res.text).toBe(200);
  return { domain, projectId, cert: await certificate(projectId) };
}

describe("certificate events at a Standard Webhooks receiver", () => {
  it("an uploaded certificate", async () => {
    const domain = freshDomain("hook-upload");
    const projectId = await newProject(token, domain);
    const cert = await upload(token, projectId, domain);
    const event = await eventFor(hook, "certificate.uploaded", cert.id);
    expect(event.data).toMatchObject({ certificateId: cert.id, domain, names: [domain], projectId, certificateType: "custom", serial: cert.serial, expiresAt: cert.expiresAt });
    expect(typeof event.data.teamId).toBe("string");
    expect(Date.parse(event.timestamp)).toBeGreaterThan(Date.now() - 120_000);
  });

  it("an obtained certificate, and its revocation", async () => {
    const { domain, projectId, cert } = await obtained("hook-obtain");
    const issued = await eventFor(hook, "certificate.issued", cert.id);
    expect(issued.data).toMatchObject({ domain, projectId, certificateType: "letsencrypt", serial: cert.serial });
    const revoked = await api("POST", `/api/v1/projects/${projectId}/certificate/revoke`, token, { reason: "superseded" });
    expect(revoked.status, revoked.text).toBe(200);
    expect((await eventFor(hook, "certificate.revoked", cert.id)).data).toMatchObject({ reason: "superseded", revokedAt: expect.any(String) });
  });

  it("a certificate renewed by the sweep", async () => {
    const { projectId, cert } = await obtained("hook-renew");
    const dueAt = Date.parse((await status(projectId)).nextRenewalAt);
    const tick = await renewalSweep(dueAt + 1000);
    expect(tick.body.ids).toContain(cert.id);
    const renewed = await eventFor(hook, "certificate.renewed", cert.id, 60_000);
    const after = await certificate(projectId);
    expect(after.serial).not.toBe(cert.serial);
    expect(renewed.data).toMatchObject({ certificateId: cert.id, serial: after.serial, expiresAt: after.expiresAt });
  });

  it("a renewal that fails while the CA cannot be reached", async () => {
    const { projectId, cert } = await obtained("hook-fail");
    const dueAt = Date.parse((await status(projectId)).nextRenewalAt);
    await caNetwork.cut();
    await caNetwork.refuse(60_000);
    try {
      const tick = await renewalSweep(dueAt + 1000);
      expect(tick.body.ids).toContain(cert.id);
      const failed = await eventFor(hook, "certificate.renewal_failed", cert.id, 90_000);
      expect(failed.data.error).toMatch(/^Could not reach the ACME CA/);
      expect(failed.data).toMatchObject({ serial: cert.serial, trigger: "sweep", nextRenewalAt: expect.any(String) });
    } finally {
      await caNetwork.clear();
    }
    expect((await certificate(projectId)).serial).toBe(cert.serial);
  }, 150_000);

  it("a certificate about to expire, announced by the expiry scan once", async () => {
    const domain = freshDomain("hook-expiring");
    const projectId = await newProject(token, domain);
    const now = Date.now();
    // An 85-day certificate with 5 days left: its 7-day notice (scaled: 85/90 of 7 days) is due.
    const cert = await upload(token, projectId, domain, { notBefore: new Date(now - 80 * dayMs), notAfter: new Date(now + 5 * dayMs) });
    const tick = await webhookSweep(now);
    expect(tick.status, tick.text).toBe(200);
    expect(tick.body.announced).toBeGreaterThanOrEqual(1);
    const expiring = await eventFor(hook, "certificate.expiring", cert.id);
    expect(expiring.data.thresholdDays).toBeCloseTo((7 * 85) / 90, 1);
    expect(expiring.data.daysLeft).toBeCloseTo(5, 0);
    // The same tick again announces nothing new for it.
    await webhookSweep(Date.now());
    await new Promise((r) => setTimeout(r, 2000));
    expect((await verified(hook)).filter((v) => v.event.type === "certificate.expiring" && v.event.data.certificateId === cert.id)).toHaveLength(1);
  });
});

describe("a receiver that is down", () => {
  it("gets the event later, with the same webhook-id, after a 503 or a closed connection", async () => {
    const teamToken = await newTeamToken();
    const unavailable = await addEndpoint(teamToken, "down");
    const closed = await addEndpoint(teamToken, "closed");
    await receiver.mode(unavailable.path, "down");
    await receiver.mode(closed.path, "closed");
    const domain = freshDomain("hook-down");
    const projectId = await newProject(teamToken, domain);
    const cert = await upload(teamToken, projectId, domain);

    // The first attempt, and the queue's retry 5 seconds later, both fail.
    for (const endpoint of [unavailable, closed]) await eventually(async () => ((await receiver.deliveries(endpoint.path)).length >= 2 ? true : undefined), 60_000);
    await receiver.mode(unavailable.path, "ok");
    await receiver.mode(closed.path, "ok");
    // The next retry is 5 minutes away: the sweep, run as of an hour later, sends it now.
    const tick = await webhookSweep(Date.now() + 3_600_000);
    expect(tick.status, tick.text).toBe(200);

    for (const endpoint of [unavailable, closed]) {
      const history = await eventually(async () => {
        const res = await api("GET", `/api/v1/webhooks/${endpoint.id}/deliveries`, teamToken);
        return res.body.deliveries.some((d: { outcome: string }) => d.outcome === "delivered") ? (res.body.deliveries as any[]) : undefined;
      }, 60_000);
      const uploaded = history.filter((d) => d.eventType === "certificate.uploaded");
      expect(new Set(uploaded.map((d) => d.messageId)).size).toBe(1);
      expect(uploaded[0]).toMatchObject({ outcome: "delivered", statusCode: 204, attempt: uploaded.length });
      const failures = uploaded.slice(1);
      expect(failures.length).toBeGreaterThanOrEqual(2);
      for (const failure of failures) {
        expect(failure.outcome).toBe("retrying");
        if (endpoint === unavailable) expect(failure).toMatchObject({ statusCode: 503, error: expect.stringMatching(/answered HTTP 503$/) });
        else expect(failure).toMatchObject({ statusCode: null, error: expect.stringMatching(/^Could not connect to http:\/\/127\.0\.0\.1:\d+$/) });
      }
      // Every request the receiver saw carried the same webhook-id, and the last verifies with the reference library.
      const received = await receiver.deliveries(endpoint.path);
      expect(new Set(received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([uploaded[0].messageId]));
      const last = received.at(-1)!;
      expect((new Webhook(endpoint.secret).verify(last.body, last.headers) as Event).data.certificateId).toBe(cert.id);
      const shown = (await api("GET", `/api/v1/webhooks/${endpoint.id}`, teamToken)).body;
      expect(shown).toMatchObject({ disabled: false, failingSince: null, lastError: null, lastDeliveredAt: expect.any(String) });
    }
  }, 150_000);
});

describe("one team cannot delay another's events", () => {
  /** A sample of `name` in the team's own /metrics, or 0 when the team has none. */
  async function gauge(teamToken: string, name: string): Promise<number> {
    const res = await api("GET", "/metrics", teamToken);
    expect(res.status, res.text).toBe(200);
    const family = (parsePrometheusTextFormat(res.text) as { name: string; metrics: { value: string }[] }[]).find((f) => f.name === name);
    return Number(family?.metrics[0]?.value ?? 0);
  }

  it("a quiet team's event arrives within 30 s while a hostile team runs 300 upload/delete cycles against 20 failing endpoints", async () => {
    const [hostileToken, quietToken] = await Promise.all([newTeamToken(), newTeamToken()]);
    const sinks = await Promise.all(Array.from({ length: 20 }, () => addEndpoint(hostileToken, "sink")));
    await Promise.all(sinks.map((sink) => receiver.mode(sink.path, "error")));
    const quietHook = await addEndpoint(quietToken, "quiet");
    // A hundred long names the hostile team holds (its project's wildcard), uploaded with skipValidation.
    const zone = freshDomain("hostile");
    await newProject(hostileToken, `*.${zone}`);
    const names = Array.from({ length: 100 }, (_, i) => `service-${i}-with-a-long-descriptive-label.${zone}`);
    const chain = await makeChain({ names });
    const quietDomain = freshDomain("quiet");
    const quietProject = await newProject(quietToken, quietDomain);

    let cyclesDone = 0;
    async function cycles(count: number): Promise<void> {
      for (let i = 0; i < count; i++) {
        const put = await api("PUT", "/v8/certs", hostileToken, { cert: chain.chainPem, key: chain.keyPem, ca: "", skipValidation: true });
        expect(put.status, put.text).toBe(200);
        const removed = await api("DELETE", `/v8/certs/${put.body.id}`, hostileToken);
        expect(removed.status, removed.text).toBe(200);
        cyclesDone++;
      }
    }
    // Ten clients at once, 30 cycles each.
    const hostile = Promise.all(Array.from({ length: 10 }, () => cycles(30)));

    // Once the hostile team's messages fill the delivery slots and hundreds more wait, the quiet team uploads.
    await eventually(async () => (cyclesDone >= 60 ? true : undefined), 120_000);
    const sentAt = Date.now();
    const cert = await upload(quietToken, quietProject, quietDomain);
    const event = await eventFor(quietHook, "certificate.uploaded", cert.id, 30_000);
    const waited = Date.now() - sentAt;
    expect(event.data).toMatchObject({ certificateId: cert.id, domain: quietDomain });
    expect(waited).toBeLessThan(30_000);
    expect(cyclesDone).toBeLessThan(300);

    await hostile;
    expect(cyclesDone).toBe(300);
    // 600 events of about 15 KB each (a ~7 KB body, and 20 messages): the oldest were dropped to stay under the quota.
    expect(await gauge(hostileToken, "certdesk_webhook_events_dropped_total")).toBeGreaterThan(0);
    const bytes = await gauge(hostileToken, "certdesk_webhook_outbox_bytes");
    expect(bytes).toBeGreaterThan(LIMIT_DEFAULTS.WEBHOOK_OUTBOX_BYTES_PER_TEAM / 2);
    expect(bytes).toBeLessThanOrEqual(LIMIT_DEFAULTS.WEBHOOK_OUTBOX_BYTES_PER_TEAM);
    expect(await gauge(hostileToken, "certdesk_webhook_outbox_events")).toBeLessThanOrEqual(LIMIT_DEFAULTS.WEBHOOK_EVENTS_PER_TEAM);
    // The sinks are removed with what waits for them, so later tests of this run do not share the slots with them.
    await Promise.all(sinks.map((sink) => api("DELETE", `/api/v1/webhooks/${sink.id}`, hostileToken)));
  }, 240_000);
});
