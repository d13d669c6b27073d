/** The counters of `GET /metrics` (kept in D1 by store/metric-counters.ts), as Prometheus counter families. */
import type { CounterName, CounterRow } from "../../store/metric-counters";
import type { MetricFamily, Sample } from "./exposition";

/** Each stored counter's family, in the order they are written. */
const FAMILIES: Record<CounterName, Omit<MetricFamily, "samples">> = {
  renewal_attempts: {
    name: "certdesk_renewal_attempts_total",
    help: "Renewals that reached the CA step, by trigger (sweep or manual) and result (issued, failed; error: the job stopped unexpectedly; undelivered: the renewal queue gave up handing it over).",
    type: "counter",
  },
  renewal_failures: {
    name: "certdesk_renewal_failures_total",
    help: "Renewals that did not issue, by trigger and reason (the error code of the API's errors, e.g. ca_unreachable, challenge_failed; or undelivered).",
    type: "counter",
  },
  acme_requests: {
    name: "certdesk_acme_requests_total",
    help: "HTTP requests of issuance jobs to ACME CAs, repeats included, by CA host, action (the RFC 8555 request: directory, newNonce, newAccount, newOrder, challenge, finalize, postAsGet, renewalInfo…), method and status (the HTTP status, or error when no answer came).",
    type: "counter",
  },
  webhook_events_dropped: {
    name: "certdesk_webhook_events_dropped_total",
    help: "Undelivered webhook events dropped, oldest first, to keep the team's outbox within WEBHOOK_EVENTS_PER_TEAM and WEBHOOK_OUTBOX_BYTES_PER_TEAM (each drop is also in the team's audit log).",
    type: "counter",
  },
  acme_server_operations: {
    name: "certdesk_acme_server_operations_total",
    help: "Requests to the team's ACME server directories, by directory (its id), operation (newOrder, finalize, revokeCert) and outcome (created, issued, revoked; or the ACME problem type answered, e.g. rejectedIdentifier, badCSR, badNonce).",
    type: "counter",
  },
};

/** The rows as families; each sample is labelled with its team's slug first. A row of an unknown counter is left out. */
export function counterFamilies(rows: readonly CounterRow[]): MetricFamily[] {
  const samples: Record<string, Sample[]> = {};
  for (const row of rows) {
    if (!Object.hasOwn(FAMILIES, row.name)) continue;
    const labels = { team: row.teamSlug, ...(JSON.parse(row.labels) as Record<string, string>) };
    (samples[row.name] ??= []).push({ labels, value: row.value });
  }
  return (Object.keys(FAMILIES) as CounterName[]).map((name) => ({ ...FAMILIES[name], samples: samples[name] ?? [] }));
}
