/** Deliveries that need someone: failing deploy targets and disabled webhook endpoints, per team, as Prometheus gauges. */
import type { FailingTargetCount } from "../../store/deploy-targets";
import type { DisabledEndpointCount } from "../../store/webhooks";
import type { MetricFamily } from "./exposition";

/** A team with none has no sample (as the outbox gauges): an absent series is 0. */
export function deliveryFamilies(failing: readonly FailingTargetCount[], disabled: readonly DisabledEndpointCount[]): MetricFamily[] {
  return [
    {
      name: "certdesk_deploy_targets_failing",
      help: "Deploy targets whose deliveries are failing (failingSince set: every attempt since has failed), by kind; each is retried on its backoff.",
      type: "gauge",
      samples: failing.map((row) => ({ labels: { team: row.teamSlug, kind: row.kind }, value: row.targets })),
    },
    {
      name: "certdesk_webhook_endpoints_disabled",
      help: "Webhook endpoints that record and receive nothing, by who disabled them (by: api, the team's PATCH; delivery, a 410 Gone or 3 days of failed deliveries).",
      type: "gauge",
      samples: disabled.map((row) => ({ labels: { team: row.teamSlug, by: row.by }, value: row.endpoints })),
    },
  ];
}
