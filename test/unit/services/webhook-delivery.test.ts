/**
 * Webhook delivery at the service level, with a fake network (DNS-over-HTTPS and the receiver) and a fake queue: the
 * message is signed as Standard Webhooks (checked with the `standardwebhooks` reference library, not this project's
 * code), keeps its `webhook-id` on every retry, backs off on the spec's schedule (each retry sent by the delivery round
 * its wait wakes) and is given up after the last wait, the endpoint is disabled after a 410 or 3 days of failures, the
 * URL is checked again before every delivery, a lost queue message is sent again by a later round, and recording an
 * event never fails what caused it. The outbox is every team's: each test starts with it empty, as rounds take every
 * team's due messages.
 */
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS } from "../../../src/core/time";
import { depsFrom } from "../../../src/deps";
import type { Deps } from "../../../src/services/deps";
import { WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_DELAYS_MS } from "../../../src/services/webhooks/backoff";
import { attemptWebhook } from "../../../src/services/webhooks/delivery";
import { emitCertificateEvent } from "../../../src/services/webhooks/emit";
import type { CertificateFacts } from "../../../src/services/webhooks/events";
import type { WebhookMessage } from "../../../src/services/webhooks/message";
import { consumeWebhookMessages, type QueuedWebhook } from "../../../src/services/webhooks/queue";
import { ROUND_HOLD_MS } from "../../../src/services/webhooks/rounds";
import { sweepWebhooks } from "../../../src/services/webhooks/sweep";
import { recordAttemptStatements } from "../../../src/store/webhooks";
import { newTenant, type Tenant } from "../../support/api";
import { type DohAnswer, emptyOutbox, fakeNetwork, type FakeNetwork, type SentWebhooks, webhookDeps, webhookIsolate } from "../../support/webhook-receiver-fakes";

const RECEIVER_HOST = "receiver.example.com";

interface Setup extends SentWebhooks {
  tenant: Tenant;
  network: FakeNetwork;
  deps: Deps;
  endpointId: string;
  secret: string;
}

beforeEach(emptyOutbox);

/** A team with one endpoint at `https://<host>/hook` (created through the route), and deps whose network is fake. */
async function setup(options: { table?: Record<string, DohAnswer>; events?: string[]; host?: string } = {}): Promise<Setup> {
  const tenant = await newTenant();
  const table = { ...options.table };
  const network = fakeNetwork(table);
  const created = await webhookIsolate(network).request("POST", "/api/v1/webhooks", tenant.token, {
    url: `https://${options.host ?? RECEIVER_HOST}/hook`,
    ...(options.events ? { events: options.events } : {}),
  });
  expect(created.status, created.text).toBe(201);
  const { deps, sent, rounds } = webhookDeps(network);
  return { tenant, network, deps, sent, rounds, endpointId: created.body.id, secret: created.body.secret };
}

let serial = 0x5000;
function facts(teamId: string, overrides: Partial<CertificateFacts> = {}): CertificateFacts {
  serial++;
  return {
    id: `cert_hook_${serial}`,
    teamId,
    projectId: `prj_hook_${serial}`,
    type: "letsencrypt",
    domain: "shop.example.com",
    names: ["shop.example.com", "www.shop.example.com"],
    serial: serial.toString(16),
    fingerprint: "ab".repeat(32),
    issuedAt: Date.UTC(2026, 0, 1),
    expiresAt: Date.UTC(2026, 3, 1),
    ...overrides,
  };
}

/** A queue message as the runtime hands it to the consumer, recording what the consumer did with it. */
function queued(body: WebhookMessage, attempts = 1) {
  const record: { acked: boolean; retried: { delaySeconds?: number } | null } = { acked: false, retried: null };
  const message: QueuedWebhook = {
    body,
    attempts,
    ack: () => void (record.acked = true),
    retry: (options) => void (record.retried = options ?? {}),
  };
  return { message, record };
}

async function outboxRow(id: string) {
  return env.DB.prepare("SELECT * FROM webhook_outbox WHERE id = ?").bind(id).first<{ attempts: number; next_attempt_at: number; event_type: string }>();
}

async function endpointRow(id: string) {
  return env.DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(id).first<Record<string, any>>();
}

describe("a delivery", () => {
  it("is a Standard Webhooks message that the reference library verifies, naming the certificate", async () => {
    const s = await setup();
    const certificate = facts(s.tenant.teamId);
    await emitCertificateEvent(s.deps, "certificate.renewal_failed", certificate, { error: "Could not reach the ACME CA", nextRenewalAt: "2026-03-01T00:00:00Z" });
    expect(s.sent).toEqual([{ id: expect.stringMatching(/^msg_/), attempt: 1, roundId: expect.stringMatching(/^rnd_/), heldUntil: expect.any(Number) }]);
    const { message, record } = queued(s.sent[0]!);
    expect(await consumeWebhookMessages(s.deps, [message])).toMatchObject({ delivered: 1 });
    expect(record).toEqual({ acked: true, retried: null });

    expect(s.network.receiver.deliveries).toHaveLength(1);
    const delivery = s.network.receiver.deliveries[0]!;
    expect(delivery.url).toBe(`https://${RECEIVER_HOST}/hook`);
    expect(delivery.headers["content-type"]).toBe("application/json");
    expect(delivery.headers["webhook-id"]).toBe(s.sent[0]!.id);
    const payload = new Webhook(s.secret).verify(delivery.body, delivery.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload.type).toBe("certificate.renewal_failed");
    expect(Date.parse(payload.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(payload.data).toEqual({
      certificateId: certificate.id,
      domain: "shop.example.com",
      names: ["shop.example.com", "www.shop.example.com"],
      projectId: certificate.projectId,
      teamId: s.tenant.teamId,
      certificateType: "letsencrypt",
      serial: certificate.serial,
      fingerprint: certificate.fingerprint,
      issuedAt: "2026-01-01T00:00:00Z",
      expiresAt: "2026-04-01T00:00:00Z",
      error: "Could not reach the ACME CA",
      nextRenewalAt: "2026-03-01T00:00:00Z",
    });
    // Another secret does not verify it, and neither does a changed body.
    const other = await setup();
    expect(() => new Webhook(other.secret).verify(delivery.body, delivery.headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(s.secret).verify(delivery.body.replace("renewal_failed", "renewed"), delivery.headers)).toThrow(/No matching signature/);
    // Delivered: gone from the outbox, and the endpoint shows it.
    expect(await outboxRow(s.sent[0]!.id)).toBeNull();
    expect(await endpointRow(s.endpointId)).toMatchObject({ last_delivered_at: expect.any(Number), failing_since: null, last_error: null });
  });

  it("after a URL change is signed with a new secret, returned once by the PATCH; the old secret verifies nothing sent there", async () => {
    const s = await setup();
    const isolate = webhookIsolate(s.network);
    const path = `/api/v1/webhooks/${s.endpointId}`;
    const moved = await isolate.request("PATCH", path, s.tenant.token, { url: "https://moved.example.com/hook" });
    expect(moved.status, moved.text).toBe(200);
    const secret = moved.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secret).not.toBe(s.secret);

    await emitCertificateEvent(s.deps, "certificate.uploaded", facts(s.tenant.teamId));
    expect(await consumeWebhookMessages(s.deps, [queued(s.sent[0]!).message])).toMatchObject({ delivered: 1 });
    const delivery = s.network.receiver.deliveries.at(-1)!;
    expect(delivery.url).toBe("https://moved.example.com/hook");
    expect(new Webhook(secret).verify(delivery.body, delivery.headers)).toMatchObject({ type: "certificate.uploaded" });
    expect(() => new Webhook(s.secret).verify(delivery.body, delivery.headers)).toThrow(/No matching signature/);

    // Shown that once: not on reads, not when only the events change (the secret then stays), never in the audit log.
    const events = await isolate.request("PATCH", path, s.tenant.token, { events: ["certificate.uploaded"] });
    expect(events.body.secret).toBeUndefined();
    const same = await isolate.request("PATCH", path, s.tenant.token, { url: "https://moved.example.com/hook" });
    expect(same.body.secret).toBeUndefined();
    await emitCertificateEvent(s.deps, "certificate.uploaded", facts(s.tenant.teamId));
    await consumeWebhookMessages(s.deps, [queued(s.sent[1]!).message]);
    const later = s.network.receiver.deliveries.at(-1)!;
    expect(new Webhook(secret).verify(later.body, later.headers)).toMatchObject({ type: "certificate.uploaded" });
    const reads = [await isolate.request("GET", path, s.tenant.token), await isolate.request("GET", "/api/v1/audit-log?limit=200", s.tenant.token)];
    for (const read of reads) {
      expect(read.body.secret).toBeUndefined();
      expect(read.text).not.toContain(secret.slice(6));
    }
    const audit = reads[1]!.body.events.filter((e: { target: string; action: string }) => e.target === s.endpointId && e.action === "PATCH /api/v1/webhooks/:id");
    expect(audit.map((e: { detail: Record<string, unknown> }) => e.detail.secretRotated ?? false).sort()).toEqual([false, false, true]);
  });

  it("goes only to the endpoints that take its type, and not to a disabled one", async () => {
    const s = await setup({ events: ["certificate.expiring"] });
    await emitCertificateEvent(s.deps, "certificate.uploaded", facts(s.tenant.teamId));
    expect(s.sent).toEqual([]);
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId), { thresholdDays: 30, daysLeft: 29.5 });
    expect(s.sent).toHaveLength(1);
    await env.DB.prepare("UPDATE webhook_endpoints SET disabled_at = 1 WHERE id = ?").bind(s.endpointId).run();
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    expect(s.sent).toHaveLength(1);
    // A message queued before the endpoint was disabled is dropped, unsent.
    const { message, record } = queued(s.sent[0]!);
    expect(await consumeWebhookMessages(s.deps, [message])).toMatchObject({ dropped: 1 });
    expect(record.acked).toBe(true);
    expect(s.network.receiver.deliveries).toEqual([]);
  });

  it("keeps its webhook-id on every retry, waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then is given up", async () => {
    const s = await setup();
    s.network.receiver.answer(503);
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    const body = s.sent[0]!;
    // The test's clock runs ahead of the real one, so each attempt happens on it.
    const start = Date.now() + 60_000;
    let next: WebhookMessage = { ...body, asOf: start };
    let asOf = start;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
      const { message, record } = queued(next);
      await consumeWebhookMessages(s.deps, [message]);
      // Acknowledged either way: the queue does not retry a failed attempt, a round does after the wait.
      expect(record, `attempt ${attempt}`).toEqual({ acked: true, retried: null });
      expect((await outboxRow(body.id))?.attempts ?? WEBHOOK_MAX_ATTEMPTS).toBe(attempt);
      const wake = s.rounds.shift();
      if (attempt < WEBHOOK_MAX_ATTEMPTS) {
        // A round message, sent with the wait as its delay, on the test's clock moved on by it.
        expect(wake, `attempt ${attempt}`).toEqual({ message: { round: true, asOf: asOf + wake!.delaySeconds! * 1000 }, delaySeconds: expect.any(Number) });
        waits.push(wake!.delaySeconds!);
        asOf = wake!.message.asOf!;
        // Nothing is sent before the wait is over; the round it wakes sends the next attempt, with the same webhook-id.
        const sentBefore = s.sent.length;
        await consumeWebhookMessages(s.deps, [queued(wake!.message).message]);
        expect(s.sent.slice(sentBefore)).toEqual([{ id: body.id, attempt: attempt + 1, roundId: expect.stringMatching(/^rnd_/), heldUntil: expect.any(Number), asOf }]);
        next = s.sent.at(-1)!;
      } else {
        expect(wake).toBeUndefined();
      }
    }
    expect(waits).toEqual(WEBHOOK_RETRY_DELAYS_MS.map((ms) => ms / 1000));
    expect(waits).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    // More than a day between the first attempt and the last.
    expect(asOf - start).toBeGreaterThan(DAY_MS);
    const ids = new Set(s.network.receiver.deliveries.map((d) => d.headers["webhook-id"]));
    expect(ids).toEqual(new Set([body.id]));
    expect(s.network.receiver.deliveries).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    expect(await outboxRow(body.id)).toBeNull();
    const attempts = await env.DB.prepare("SELECT attempt, outcome, status_code FROM webhook_attempts WHERE message_id = ? ORDER BY attempt").bind(body.id).all();
    expect(attempts.results.map((a) => a.outcome)).toEqual([...Array(WEBHOOK_MAX_ATTEMPTS - 1).fill("retrying"), "failed"]);
    expect(attempts.results.every((a) => a.status_code === 503)).toBe(true);
    // Failing for a little over a day: not yet long enough to be disabled.
    expect(await endpointRow(s.endpointId)).toMatchObject({ disabled_at: null, last_error: `https://${RECEIVER_HOST} answered HTTP 503` });
  });

  it("honours a receiver's Retry-After when it asks for longer than the schedule", async () => {
    const s = await setup();
    s.network.receiver.answer(429, { "retry-after": "3600" });
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    const { message, record } = queued(s.sent[0]!);
    await consumeWebhookMessages(s.deps, [message]);
    expect(record).toEqual({ acked: true, retried: null });
    expect(s.rounds).toEqual([{ message: { round: true }, delaySeconds: 3600 }]);
  });

  it("does not follow a redirect, and records a connection failure without the receiver's words", async () => {
    const s = await setup();
    s.network.receiver.answer(302, { location: "http://169.254.169.254/latest" });
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    const outcome = await attemptWebhook(s.deps, s.sent[0]!);
    expect(outcome).toMatchObject({ state: "retrying", error: `https://${RECEIVER_HOST} answered HTTP 302: redirects are not followed; set the URL to the final address` });
    expect(s.network.receiver.deliveries).toHaveLength(1);
    s.network.receiver.answer("down");
    const again = await attemptWebhook(s.deps, { ...s.sent[0]!, attempt: 2, asOf: Date.now() + HOUR_MS });
    expect(again).toMatchObject({ state: "retrying", error: `Could not connect to https://${RECEIVER_HOST}` });
  });

  it("is sent once when two queue messages carry the same attempt", async () => {
    const s = await setup();
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    const [a, b] = [queued(s.sent[0]!), queued(s.sent[0]!)];
    const tally = await consumeWebhookMessages(s.deps, [a.message, b.message]);
    expect(tally.delivered).toBe(1);
    expect(tally.gone + tally.superseded + tally.busy).toBe(1);
    expect(a.record.acked && b.record.acked).toBe(true);
    expect(s.network.receiver.deliveries).toHaveLength(1);
  });
});

describe("server-side request forgery at delivery", () => {
  it("checks the name again before sending: once it resolves to a private address, nothing is sent", async () => {
    const table: Record<string, DohAnswer> = {};
    const s = await setup({ table, host: "rebinding.example.com" });
    // The name resolved to a public address when the endpoint was created; now it points inside.
    const network = fakeNetwork({ "rebinding.example.com": ["10.0.0.1"] }, s.network.receiver);
    const { deps, sent } = webhookDeps(network);
    await emitCertificateEvent(deps, "certificate.expiring", facts(s.tenant.teamId));
    const outcome = await attemptWebhook(deps, sent[0]!);
    expect(outcome).toMatchObject({
      state: "retrying",
      error: "Not sent: rebinding.example.com resolves to 10.0.0.1: Must not point at a private network address",
    });
    expect(s.network.receiver.deliveries).toEqual([]);
    expect(network.queries).toContain("rebinding.example.com/A");
  });

  it("sends nothing when the resolver fails, and tries again later", async () => {
    const s = await setup({ host: "dark.example.com" });
    const network = fakeNetwork({ "dark.example.com": "fail" }, s.network.receiver);
    const { deps, sent } = webhookDeps(network);
    await emitCertificateEvent(deps, "certificate.expiring", facts(s.tenant.teamId));
    expect(await attemptWebhook(deps, sent[0]!)).toMatchObject({ state: "retrying", error: expect.stringMatching(/^Not sent: Could not resolve dark\.example\.com/) });
    expect(s.network.receiver.deliveries).toEqual([]);
  });
});

describe("disabling an endpoint that fails", () => {
  it("disables at once on 410 Gone, dropping what waits for it", async () => {
    const s = await setup();
    s.network.receiver.answer(410);
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    await emitCertificateEvent(s.deps, "certificate.expired", facts(s.tenant.teamId));
    expect(await attemptWebhook(s.deps, s.sent[0]!)).toMatchObject({ state: "disabled" });
    const endpoint = await endpointRow(s.endpointId);
    expect(endpoint!.disabled_reason).toMatch(/^Disabled: the receiver answered 410 Gone/);
    expect(await outboxRow(s.sent[1]!.id)).toBeNull();
    expect(await attemptWebhook(s.deps, s.sent[1]!)).toEqual({ state: "gone" });
  });

  it("disables after 3 days of nothing but failures, with the reason; a failure after a quiet day starts a new run", async () => {
    const s = await setup();
    s.network.receiver.answer(500);
    const now = Date.now();
    // Failing since almost 3 days, the last failure an hour ago: this failure is still short of 3 days.
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ?, last_failure_at = ? WHERE id = ?")
      .bind(now - 3 * DAY_MS + HOUR_MS, now - HOUR_MS, s.endpointId)
      .run();
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    expect(await attemptWebhook(s.deps, s.sent[0]!)).toMatchObject({ state: "retrying" });
    expect(await endpointRow(s.endpointId)).toMatchObject({ disabled_at: null, failing_since: now - 3 * DAY_MS + HOUR_MS });
    // Two hours later it has failed for 3 days.
    const later = await attemptWebhook(s.deps, { ...s.sent[0]!, attempt: 2, asOf: now + 2 * HOUR_MS });
    expect(later).toMatchObject({ state: "disabled" });
    const endpoint = await endpointRow(s.endpointId);
    expect(endpoint!.disabled_reason).toMatch(/^Disabled: every delivery has failed since \d{4}-\d\d-\d\dT[\d:]+Z; last error: https:\/\/receiver\.example\.com answered HTTP 500$/);
    const shown = await webhookIsolate(s.network).request("GET", `/api/v1/webhooks/${s.endpointId}`, s.tenant.token);
    expect(shown.body).toMatchObject({ disabled: true, disabledReason: endpoint!.disabled_reason });

    // Another endpoint whose last failure was two days ago: this failure starts a new run.
    const t = await setup();
    t.network.receiver.answer(500);
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ?, last_failure_at = ? WHERE id = ?").bind(now - 5 * DAY_MS, now - 2 * DAY_MS, t.endpointId).run();
    await emitCertificateEvent(t.deps, "certificate.expiring", facts(t.tenant.teamId));
    expect(await attemptWebhook(t.deps, t.sent[0]!)).toMatchObject({ state: "retrying" });
    const row = await endpointRow(t.endpointId);
    expect(row!.disabled_at).toBeNull();
    expect(row!.failing_since).toBeGreaterThanOrEqual(now);
  });

  it("a success ends the run of failures", async () => {
    const s = await setup();
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ?, last_failure_at = ?, last_error = 'x' WHERE id = ?").bind(Date.now() - DAY_MS, Date.now() - HOUR_MS, s.endpointId).run();
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    expect(await attemptWebhook(s.deps, s.sent[0]!)).toMatchObject({ state: "delivered" });
    expect(await endpointRow(s.endpointId)).toMatchObject({ failing_since: null, last_error: null });
  });
});

describe("at least once", () => {
  it("a message whose queue message was lost is sent again by a later round, with the same webhook-id", async () => {
    const s = await setup();
    await emitCertificateEvent(s.deps, "certificate.expiring", facts(s.tenant.teamId));
    const lost = s.sent[0]!;
    // Held for its queue message: a sweep meanwhile leaves it to that message.
    const early = await sweepWebhooks(s.deps, Date.now());
    expect(early.ids).not.toContain(lost.id);
    // Once the hold has run out, the sweep's round takes it again.
    const later: Deps = { ...s.deps, clock: { now: () => Date.now() + ROUND_HOLD_MS + 1000 } };
    const asOf = Date.now() + ROUND_HOLD_MS + 1000;
    const tick = await sweepWebhooks(later, asOf);
    expect(tick.ids).toContain(lost.id);
    const resent = s.sent.filter((m) => m.id === lost.id);
    expect(resent).toEqual([lost, { id: lost.id, attempt: 1, roundId: expect.stringMatching(/^rnd_/), heldUntil: expect.any(Number), asOf }]);
    expect(resent[1]!.heldUntil).toBeGreaterThan(lost.heldUntil!);
    await consumeWebhookMessages(later, [queued(resent[1]!).message]);
    expect(s.network.receiver.deliveries.map((d) => d.headers["webhook-id"])).toEqual([lost.id]);
    // The original message, arriving late, finds the message delivered.
    const late = queued(lost);
    expect(await consumeWebhookMessages(s.deps, [late.message])).toMatchObject({ gone: 1 });
    expect(s.network.receiver.deliveries).toHaveLength(1);
  });

  it("a refused queue send leaves the message in the outbox; recording an event never throws", async () => {
    const s = await setup();
    const refusing: Deps = {
      ...s.deps,
      webhookQueue: {
        sendBatch: async () => {
          throw new Error("Queue send failed");
        },
      },
    };
    await expect(emitCertificateEvent(refusing, "certificate.expiring", facts(s.tenant.teamId))).resolves.toBeUndefined();
    const waiting = await env.DB.prepare("SELECT id, lease_until FROM webhook_outbox WHERE endpoint_id = ?").bind(s.endpointId).all();
    // Given back at once: the next round takes it.
    expect(waiting.results).toEqual([{ id: expect.stringMatching(/^msg_/), lease_until: null }]);
    const broken: Deps = { ...depsFrom(env), db: { select: () => { throw new Error("D1_ERROR: no such table"); } } as unknown as Deps["db"] };
    await expect(emitCertificateEvent(broken, "certificate.expiring", facts(s.tenant.teamId))).resolves.toBeUndefined();
  });

  it("keeps only the newest attempts of an endpoint", async () => {
    const s = await setup();
    const db = depsFrom(env).db;
    for (let i = 1; i <= 5; i++) {
      const row = { id: `att_keep_${s.endpointId}_${i}`, endpointId: s.endpointId, messageId: "msg_keep", eventId: "evt_keep", eventType: "certificate.expiring", attempt: i, outcome: "retrying", statusCode: 500, error: "x", at: 1_000 + i, nextRetryAt: null };
      const [insert, prune] = recordAttemptStatements(db, row, 3);
      await db.batch([insert, prune]);
    }
    const kept = await env.DB.prepare("SELECT attempt FROM webhook_attempts WHERE endpoint_id = ? ORDER BY attempt").bind(s.endpointId).all();
    expect(kept.results.map((r) => r.attempt)).toEqual([3, 4, 5]);
  });
});
