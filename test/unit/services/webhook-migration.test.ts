/**
 * Migration 0008 over messages written before it: each event's body moves to webhook_events once, the messages keep
 * their ids, attempts and times, and a message queued before the migration (no round, no hold) still delivers the
 * same signed body. Runs on a database of its own, migrated step by step.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { generateWebhookSecret } from "../../../src/crypto/webhook-signature";
import { database } from "../../../src/db/client";
import { attemptWebhook } from "../../../src/services/webhooks/delivery";
import { sealWebhookSecret } from "../../../src/store/webhooks";
import { fakeNetwork, webhookDeps } from "../../support/webhook-receiver-fakes";

const BEFORE = "0008_webhook_events_once.sql";
const old = () => env.MIGRATION_DB;
const body = JSON.stringify({ type: "certificate.expiring", timestamp: "2026-03-01T00:00:00.000Z", data: { certificateId: "cert_old", names: ["old.example.com"] } });
const secrets: Record<string, string> = {};

beforeAll(async () => {
  const index = env.TEST_MIGRATIONS.findIndex((migration) => migration.name === BEFORE);
  expect(index).toBeGreaterThan(0);
  await applyD1Migrations(old(), env.TEST_MIGRATIONS.slice(0, index));
  const db = old();
  const statements = [db.prepare("INSERT INTO teams (id, slug, name, created_at) VALUES ('team_old', 'old', 'Old', 0)")];
  for (const id of ["whk_old_a", "whk_old_b"]) {
    secrets[id] = generateWebhookSecret();
    const sealed = await sealWebhookSecret(env.ENCRYPTION_KEY, id, secrets[id]!);
    statements.push(
      db
        .prepare("INSERT INTO webhook_endpoints (id, team_id, url, events, sealed_secret, created_at, updated_at) VALUES (?, 'team_old', ?, '[\"certificate.expiring\"]', ?, 0, 0)")
        .bind(id, `https://receiver.example.com/${id}`, sealed),
    );
  }
  // One event to two endpoints, as the old outbox kept it: the body once per message. One message has failed once.
  const insert = "INSERT INTO webhook_outbox (id, event_id, endpoint_id, team_id, event_type, payload, attempts, next_attempt_at, lease_until, created_at) VALUES (?, 'evt_old', ?, 'team_old', 'certificate.expiring', ?, ?, ?, NULL, 1000)";
  statements.push(db.prepare(insert).bind("msg_old_a", "whk_old_a", body, 0, 1000), db.prepare(insert).bind("msg_old_b", "whk_old_b", body, 1, 6000));
  await db.batch(statements);
  await applyD1Migrations(old(), env.TEST_MIGRATIONS);
});

describe("migration 0008", () => {
  it("keeps each event's body once and every message as it was", async () => {
    const events = await old().prepare("SELECT * FROM webhook_events").all();
    expect(events.results).toEqual([{ id: "evt_old", team_id: "team_old", event_type: "certificate.expiring", payload: body, bytes: body.length + 200 + 2 * 350, created_at: 1000 }]);
    const messages = await old().prepare("SELECT * FROM webhook_outbox ORDER BY id").all();
    expect(messages.results).toEqual([
      { id: "msg_old_a", event_id: "evt_old", endpoint_id: "whk_old_a", team_id: "team_old", attempts: 0, next_attempt_at: 1000, lease_until: null, created_at: 1000 },
      { id: "msg_old_b", event_id: "evt_old", endpoint_id: "whk_old_b", team_id: "team_old", attempts: 1, next_attempt_at: 6000, lease_until: null, created_at: 1000 },
    ]);
  });

  it("delivers a message queued before it, with the same body, signed", async () => {
    const network = fakeNetwork();
    const deps = { ...webhookDeps(network).deps, db: database(old()) };
    // The queue message as the old emit sent it: an id and an attempt, no round.
    expect(await attemptWebhook(deps, { id: "msg_old_b", attempt: 2 })).toMatchObject({ state: "delivered" });
    const [delivery] = network.receiver.deliveries;
    expect(delivery!.body).toBe(body);
    expect(delivery!.headers["webhook-id"]).toBe("msg_old_b");
    expect(new Webhook(secrets.whk_old_b!).verify(delivery!.body, delivery!.headers)).toMatchObject({ type: "certificate.expiring" });
    // The other message still waits for it, so the event stays; once delivered too, the event goes.
    expect(await old().prepare("SELECT count(*) AS n FROM webhook_events").first("n")).toBe(1);
    expect(await attemptWebhook(deps, { id: "msg_old_a", attempt: 1 })).toMatchObject({ state: "delivered" });
    expect(await old().prepare("SELECT count(*) AS n FROM webhook_events").first("n")).toBe(0);
  });
});
