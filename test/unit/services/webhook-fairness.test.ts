/**
 * One team cannot fill the shared database or delay another team's events: an event's body is stored once however
 * many endpoints take it; a team's undelivered events are held to WEBHOOK_EVENTS_PER_TEAM and
 * WEBHOOK_OUTBOX_BYTES_PER_TEAM (the oldest dropped, counted in /metrics and the audit log, the change that caused the
 * event unharmed); and delivery rounds take teams in turn, so a quiet team's event is delivered within one round while
 * a hostile team runs 2,000 upload/delete cycles against 20 failing endpoints. The queue here is first in, first out,
 * as Cloudflare Queues delivers, and consumed by hand a batch of 10 at a time.
 */
import { env } from "cloudflare:test";
// @ts-expect-error -- the package ships no type declarations; `metric` below gives its result a type.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { LIMIT_DEFAULTS } from "../../../src/core/config";
import type { Deps } from "../../../src/services/deps";
import { emitCertificateEvent } from "../../../src/services/webhooks/emit";
import type { CertificateFacts } from "../../../src/services/webhooks/events";
import { isRoundMessage, type WebhookMessage } from "../../../src/services/webhooks/message";
import { consumeWebhookMessages, type QueuedWebhook } from "../../../src/services/webhooks/queue";
import { DELIVERY_SLOTS } from "../../../src/services/webhooks/rounds";
import { newProject, newTenant, type Tenant } from "../../support/api";
import { makeChain } from "../../support/pki-fixtures";
import { emptyOutbox, type FakeReceiver, fakeNetwork, webhookIsolate, type WebhookIsolate } from "../../support/webhook-receiver-fakes";

beforeEach(emptyOutbox);

/** A receiver per host: every request recorded; the hostile team's host answers 500 at once, any other 204. */
function receivers(failingHost: string): FakeReceiver {
  const deliveries: FakeReceiver["deliveries"] = [];
  return {
    deliveries,
    answer() {
      throw new Error("answers by host here");
    },
    async handle(request) {
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => void (headers[name] = value));
      deliveries.push({ url: request.url, headers, body: await request.text() });
      return new Response(null, { status: new URL(request.url).host === failingHost ? 500 : 204 });
    },
  };
}

async function addEndpoints(isolate: WebhookIsolate, tenant: Tenant, url: string, count: number): Promise<{ id: string; secret: string }[]> {
  const created = [];
  for (let i = 0; i < count; i++) {
    const res = await isolate.request("POST", "/api/v1/webhooks", tenant.token, { url: `${url}/${i}` });
    expect(res.status, res.text).toBe(201);
    created.push({ id: res.body.id as string, secret: res.body.secret as string });
  }
  return created;
}

interface Usage {
  events: number;
  bytes: number;
}

async function outboxOf(teamId: string): Promise<Usage> {
  const row = await env.DB.prepare("SELECT count(*) AS events, coalesce(sum(bytes), 0) AS bytes FROM webhook_events WHERE team_id = ?").bind(teamId).first<Usage>();
  return row!;
}

/** The samples of one family in a /metrics answer, by their labels. */
function metric(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const family = (parsePrometheusTextFormat(text) as { name: string; metrics: { labels?: Record<string, string>; value: string }[] }[]).find((f) => f.name === name);
  return (family?.metrics ?? []).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

describe("storage", () => {
  it("stores an event's body once, however many endpoints take it; each gets the same signed bytes", async () => {
    const network = fakeNetwork();
    const isolate = webhookIsolate(network);
    const tenant = await newTenant();
    const endpoints = await addEndpoints(isolate, tenant, "https://many.example.com/in", 20);
    const project = await newProject(tenant);
    const chain = await makeChain({ names: [project.domain!] });
    const res = await isolate.request("POST", `/api/v1/projects/${project.id}/certificate/upload`, tenant.token, { certificate: chain.chainPem, privateKey: chain.keyPem });
    expect(res.status, res.text).toBe(200);

    const events = await env.DB.prepare("SELECT id, payload, bytes FROM webhook_events WHERE team_id = ?").bind(tenant.teamId).all<{ id: string; payload: string; bytes: number }>();
    expect(events.results).toHaveLength(1);
    const [event] = events.results;
    const messages = await env.DB.prepare("SELECT * FROM webhook_outbox WHERE event_id = ?").bind(event!.id).all<Record<string, unknown>>();
    expect(messages.results).toHaveLength(20);
    // A message is ids, counters and times: no copy of the body.
    for (const message of messages.results) expect(Object.values(message).some((value) => typeof value === "string" && value.includes(project.domain!))).toBe(false);
    const stored = await env.DB.prepare("SELECT sum(length(payload)) AS n FROM webhook_events WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(stored!.n).toBe(event!.payload.length);
    expect(event!.bytes).toBeLessThan(2 * event!.payload.length + 20 * 400);

    // Every endpoint gets that one body, under its own webhook-id and signature.
    const round = isolate.sent.filter((m) => messages.results.some((row) => row.id === m.id));
    expect(round).toHaveLength(20);
    await consumeWebhookMessages(isolate.deps, round.map((body) => queued(body)));
    expect(network.receiver.deliveries).toHaveLength(20);
    for (const delivery of network.receiver.deliveries) {
      const secret = endpoints[Number(new URL(delivery.url).pathname.split("/").at(-1))]!.secret;
      expect(new Webhook(secret).verify(delivery.body, delivery.headers)).toMatchObject({ type: "certificate.uploaded" });
      expect(delivery.body).toBe(event!.payload);
    }
    // Delivered everywhere: the event goes with its last message.
    expect(await outboxOf(tenant.teamId)).toEqual({ events: 0, bytes: 0 });
  });
});

describe("each team's budget", () => {
  async function uploadAndDelete(isolate: WebhookIsolate, tenant: Tenant, cycles: number): Promise<void> {
    const project = await newProject(tenant);
    const chain = await makeChain({ names: [project.domain!] });
    for (let i = 0; i < cycles; i++) {
      const up = await isolate.request("POST", `/api/v1/projects/${project.id}/certificate/upload`, tenant.token, { certificate: chain.chainPem, privateKey: chain.keyPem });
      expect(up.status, up.text).toBe(200);
      const down = await isolate.request("DELETE", `/api/v1/projects/${project.id}/certificate`, tenant.token);
      expect(down.status, down.text).toBe(200);
    }
  }

  it("past WEBHOOK_EVENTS_PER_TEAM, drops the oldest undelivered events, says so in /metrics and the audit log; every change stands", async () => {
    const network = fakeNetwork();
    const isolate = webhookIsolate(network, { WEBHOOK_EVENTS_PER_TEAM: "3" });
    const tenant = await newTenant();
    await addEndpoints(isolate, tenant, "https://budget.example.com/in", 2);
    await uploadAndDelete(isolate, tenant, 3);

    // Six events (three uploads, three deletions): the newest three wait, the oldest three were dropped.
    const kept = await env.DB.prepare("SELECT event_type FROM webhook_events WHERE team_id = ? ORDER BY created_at, id").bind(tenant.teamId).all<{ event_type: string }>();
    expect(kept.results.map((e) => e.event_type)).toEqual(["certificate.deleted", "certificate.uploaded", "certificate.deleted"]);
    const messages = await env.DB.prepare("SELECT count(*) AS n FROM webhook_outbox WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(messages!.n).toBe(6);

    const scrape = await isolate.request("GET", "/metrics", tenant.readToken);
    expect(scrape.status).toBe(200);
    expect(metric(scrape.text, "certdesk_webhook_events_dropped_total")).toEqual([{ labels: { team: tenant.slug }, value: 3 }]);
    expect(metric(scrape.text, "certdesk_webhook_outbox_events")).toEqual([{ labels: { team: tenant.slug }, value: 3 }]);
    const usage = await outboxOf(tenant.teamId);
    expect(metric(scrape.text, "certdesk_webhook_outbox_bytes")).toEqual([{ labels: { team: tenant.slug }, value: usage.bytes }]);

    const log = await isolate.request("GET", "/api/v1/audit-log", tenant.token);
    const drops = (log.body.events as { actor: string; action: string; detail: Record<string, any> }[]).filter((e) => e.action === "DROP webhook events");
    expect(drops).toHaveLength(3);
    for (const drop of drops) {
      expect(drop).toMatchObject({ actor: "webhooks", detail: { dropped: 1, messages: 2, limits: { events: 3, bytes: LIMIT_DEFAULTS.WEBHOOK_OUTBOX_BYTES_PER_TEAM } } });
      expect(drop.detail.for).toEqual({ id: expect.stringMatching(/^evt_/), type: expect.stringMatching(/^certificate\.(uploaded|deleted)$/) });
    }
  });

  it("past WEBHOOK_OUTBOX_BYTES_PER_TEAM, keeps the team's outbox under its bytes", async () => {
    const quota = 12_000;
    const network = fakeNetwork();
    const isolate = webhookIsolate(network, { WEBHOOK_OUTBOX_BYTES_PER_TEAM: String(quota) });
    const tenant = await newTenant();
    await addEndpoints(isolate, tenant, "https://bytes.example.com/in", 3);
    await uploadAndDelete(isolate, tenant, 10);
    const usage = await outboxOf(tenant.teamId);
    expect(usage.bytes).toBeLessThanOrEqual(quota);
    expect(usage.events).toBeGreaterThan(1);
    const dropped = await env.DB.prepare("SELECT value FROM metric_counters WHERE team_id = ? AND name = 'webhook_events_dropped'").bind(tenant.teamId).first<{ value: number }>();
    expect(dropped!.value).toBe(20 - usage.events);
  });
});

/** A queue message as the runtime hands it to the consumer. */
function queued(body: WebhookMessage): QueuedWebhook {
  return { body, attempts: 1, ack: () => undefined, retry: () => undefined };
}

/**
 * The webhook queue as Cloudflare Queues runs it, first in, first out, consumed a batch of 10 at a time by hand.
 * Delayed messages (a round after a backoff of 5 s or more) are set aside: the test takes well under a backoff.
 */
function fifoQueue() {
  const waiting: WebhookMessage[] = [];
  const delayed: WebhookMessage[] = [];
  const queue: Deps["webhookQueue"] = {
    async sendBatch(messages) {
      for (const { body, delaySeconds } of messages) (delaySeconds ? delayed : waiting).push(body);
    },
  };
  return { queue, waiting, delayed };
}

describe("delivery takes teams in turn", () => {
  it("a quiet team's event arrives within one delivery round while a hostile team runs 2,000 upload/delete cycles against 20 failing endpoints", async () => {
    const network = fakeNetwork({}, receivers("hostile.example.com"));
    const isolate = webhookIsolate(network);
    const fifo = fifoQueue();
    const deps: Deps = { ...isolate.deps, webhookQueue: fifo.queue };
    const [hostile, quiet] = await Promise.all([newTenant(), newTenant()]);
    await addEndpoints(isolate, hostile, "https://hostile.example.com/sink", 20);
    const [quietEndpoint] = await addEndpoints(isolate, quiet, "https://quiet.example.com/in", 1);
    isolate.sent.length = 0;

    // About a hundred long names per certificate, as `skipValidation` lets through: each event's body is ~8 KB.
    const names = Array.from({ length: 100 }, (_, i) => `service-${i}-with-a-long-descriptive-label.hostile-team.example.com`);
    const facts = (teamId: string, i: number, hostNames: string[]): CertificateFacts => ({
      id: `cert_cycle_${teamId}_${i}`,
      teamId,
      projectId: null,
      type: "custom",
      domain: hostNames[0]!,
      names: hostNames,
      serial: i.toString(16),
      fingerprint: "cd".repeat(32),
      issuedAt: Date.UTC(2026, 0, 1),
      expiresAt: Date.UTC(2026, 3, 1),
    });
    let consumed = 0;
    async function consumeBatch(): Promise<void> {
      const batch = fifo.waiting.splice(0, 10);
      consumed += batch.length;
      if (batch.length > 0) await consumeWebhookMessages(deps, batch.map(queued));
    }
    const quietDelivered = () => network.receiver.deliveries.some((d) => new URL(d.url).host === "quiet.example.com");
    const budget = { bytes: LIMIT_DEFAULTS.WEBHOOK_OUTBOX_BYTES_PER_TEAM, events: LIMIT_DEFAULTS.WEBHOOK_EVENTS_PER_TEAM };
    let peak: Usage = { events: 0, bytes: 0 };
    let quietAt: number | null = null;
    let mostQueued = 0;
    const queuedAttempts = () => fifo.waiting.filter((m) => !isRoundMessage(m)).length;
    let consumedForQuiet: number | null = null;

    for (let cycle = 0; cycle < 2_000; cycle++) {
      await emitCertificateEvent(deps, "certificate.uploaded", facts(hostile.teamId, cycle, names));
      await emitCertificateEvent(deps, "certificate.deleted", facts(hostile.teamId, cycle, names));
      // The consumer runs a batch every ten cycles: far behind the hostile team's 400 messages in that time.
      mostQueued = Math.max(mostQueued, queuedAttempts());
      if (cycle % 10 === 9) await consumeBatch();
      if (cycle === 1_000) {
        // Every slot is taken by hostile messages and thousands more are due: the worst moment for an event to arrive.
        await emitCertificateEvent(deps, "certificate.expiring", facts(quiet.teamId, cycle, ["quiet.example.org"]), { thresholdDays: 7, daysLeft: 6.9 });
        quietAt = consumed;
      }
      if (quietAt !== null && consumedForQuiet === null && quietDelivered()) consumedForQuiet = consumed - quietAt;
      if (cycle % 100 === 99) {
        const usage = await outboxOf(hostile.teamId);
        peak = { events: Math.max(peak.events, usage.events), bytes: Math.max(peak.bytes, usage.bytes) };
      }
    }

    // Within one round: the batch that freed a slot, then at most the slots' worth of messages sent before it, though
    // thousands of the hostile team's were due.
    expect(consumedForQuiet).not.toBeNull();
    expect(consumedForQuiet!).toBeLessThanOrEqual(DELIVERY_SLOTS + 2 * 10);
    const delivery = network.receiver.deliveries.find((d) => new URL(d.url).host === "quiet.example.com")!;
    // The signature is checked as of when it was sent: standardwebhooks refuses a timestamp over 5 minutes from its
    // clock, and 2,000 cycles on a loaded machine can take longer than that.
    vi.setSystemTime(new Date(Number(delivery.headers["webhook-timestamp"]) * 1000));
    try {
      expect(new Webhook(quietEndpoint!.secret).verify(delivery.body, delivery.headers)).toMatchObject({ type: "certificate.expiring" });
    } finally {
      vi.useRealTimers();
    }
    // The queue never held more than the slots, though the hostile team's oldest events (and the messages of them
    // already queued) were dropped by the thousand: its backlog waited in its own outbox.
    expect(mostQueued).toBeGreaterThan(0);
    expect(mostQueued).toBeLessThanOrEqual(DELIVERY_SLOTS);

    // The hostile team's outbox stayed under its quota, its oldest events dropped and counted.
    expect(peak.bytes).toBeGreaterThan(budget.bytes / 2);
    expect(peak.bytes).toBeLessThanOrEqual(budget.bytes);
    expect(peak.events).toBeLessThanOrEqual(budget.events);
    const dropped = await env.DB.prepare("SELECT value FROM metric_counters WHERE team_id = ? AND name = 'webhook_events_dropped'").bind(hostile.teamId).first<{ value: number }>();
    expect(dropped!.value).toBeGreaterThan(3_000);
    // The quiet team lost nothing.
    expect(await outboxOf(quiet.teamId)).toEqual({ events: 0, bytes: 0 });
  }, 600_000);
});
