/** Test helpers: a team with a webhook endpoint, and the events recorded for an endpoint, read from the outbox. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { newTenant, type Tenant } from "./api";
import type { WebhookIsolate } from "./webhook-receiver-fakes";

export interface RecordedEvent {
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

/** A new team with one endpoint taking `events` (default all), added through the isolate's API. */
export async function teamWithEndpoint(isolate: WebhookIsolate, events?: string[]): Promise<{ tenant: Tenant; endpointId: string }> {
  const tenant = await newTenant();
  const res = await isolate.request("POST", "/api/v1/webhooks", tenant.token, { url: "https://hooks.example.com/in", ...(events ? { events } : {}) });
  expect(res.status, res.text).toBe(201);
  return { tenant, endpointId: res.body.id };
}

/** The events recorded for the endpoint, oldest first (each message's event body). */
export async function recordedEvents(endpointId: string): Promise<RecordedEvent[]> {
  const rows = await env.DB.prepare(
    "SELECT e.payload FROM webhook_outbox o JOIN webhook_events e ON e.id = o.event_id WHERE o.endpoint_id = ? ORDER BY o.created_at, o.rowid",
  )
    .bind(endpointId)
    .all<{ payload: string }>();
  return rows.results.map((row) => JSON.parse(row.payload) as RecordedEvent);
}
