/** What each team's webhook outbox holds, against its limits (services/webhooks/emit.ts), as Prometheus gauges. */
import type { OutboxUsage } from "../../store/webhook-events";
import type { MetricFamily } from "./exposition";

/** Two gauges per team with undelivered events; a team with none has no sample (its outbox is empty). */
export function webhookOutboxFamilies(rows: readonly OutboxUsage[]): MetricFamily[] {
  return [
    {
      name: "certdesk_webhook_outbox_events",
      help: "Webhook events of the team not yet delivered to every endpoint (at most WEBHOOK_EVENTS_PER_TEAM).",
      type: "gauge",
      samples: rows.map((row) => ({ labels: { team: row.teamSlug }, value: row.events })),
    },
    {
      name: "certdesk_webhook_outbox_bytes",
      help: "Bytes those events take in D1, each body once and a row per message, as counted against WEBHOOK_OUTBOX_BYTES_PER_TEAM.",
      type: "gauge",
      samples: rows.map((row) => ({ labels: { team: row.teamSlug }, value: row.bytes })),
    },
  ];
}
