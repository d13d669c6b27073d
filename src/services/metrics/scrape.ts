/**
 * One scrape of `GET /metrics`: a team's certificates, counters, webhook outbox, failing deploy targets and disabled
 * webhook endpoints, or, for the operator, every team's and the service's own counters. Five or six statements in one
 * D1 batch (one round trip), however many certificates there are; never a query per certificate.
 */
import type { Database } from "../../db/client";
import { counterRowsQuery } from "../../store/metric-counters";
import { serviceCounterRowsQuery } from "../../store/service-counters";
import { failingTargetCountsQuery } from "../../store/deploy-targets";
import { outboxUsageQuery } from "../../store/webhook-events";
import { disabledEndpointCountsQuery } from "../../store/webhooks";
import { certificateFamilies, certificateGaugeRowsQuery } from "./certificate-gauges";
import { counterFamilies } from "./counter-families";
import { deliveryFamilies } from "./delivery-gauges";
import { type MetricFamily, renderExposition } from "./exposition";
import { serviceCounterFamilies } from "./service-families";
import { webhookOutboxFamilies } from "./webhook-outbox-gauges";

/**
 * The most rows one scrape reads and writes. A certificate makes six lines (about 1 KB), so the operator's scrape of
 * a large service stays around 5 MB and well inside a Worker's memory and CPU; past the limit the rest (in team id, then
 * creation order) is left out and `certdesk_metrics_truncated` says so. A team token's scrape holds that team
 * alone, under the same limits.
 */
export const SCRAPE_LIMITS = { certificates: 5_000, counterRows: 10_000 } as const;

export interface ScrapeLimits {
  certificates: number;
  counterRows: number;
}

/** Whose metrics: one team's (its id), or every team's (the operator). */
export type ScrapeScope = { teamId: string } | "all";

export async function scrapeMetrics(db: Database, scope: ScrapeScope, now: number, limits: ScrapeLimits = SCRAPE_LIMITS): Promise<string> {
  const teamId = scope === "all" ? null : scope.teamId;
  // One row more than the limit tells whether anything was left out.
  const certificates = certificateGaugeRowsQuery(db, teamId, limits.certificates + 1, now);
  const counters = counterRowsQuery(db, teamId, limits.counterRows + 1);
  // One row per team with anything waiting: bounded like the counters.
  const outbox = outboxUsageQuery(db, teamId, limits.counterRows);
  const failingTargets = failingTargetCountsQuery(db, teamId, limits.counterRows);
  const disabledEndpoints = disabledEndpointCountsQuery(db, teamId, limits.counterRows);
  // The service's own counters belong to no team: only the operator reads them. Their label sets are few (one per stage).
  const [certificateRows, counterRows, outboxRows, failingRows, disabledRows, serviceRows = []] =
    teamId === null
      ? await db.batch([certificates, counters, outbox, failingTargets, disabledEndpoints, serviceCounterRowsQuery(db, limits.counterRows)])
      : await db.batch([certificates, counters, outbox, failingTargets, disabledEndpoints]);
  const truncated: MetricFamily = {
    name: "certdesk_metrics_truncated",
    help: `1 when this scrape left rows out (part: certificates past ${limits.certificates}, counters past ${limits.counterRows} label sets); a team's own token scrapes that team alone.`,
    type: "gauge",
    samples: [
      { labels: { part: "certificates" }, value: certificateRows.length > limits.certificates ? 1 : 0 },
      { labels: { part: "counters" }, value: counterRows.length > limits.counterRows ? 1 : 0 },
    ],
  };
  return renderExposition([
    ...certificateFamilies(certificateRows.slice(0, limits.certificates), now),
    ...counterFamilies(counterRows.slice(0, limits.counterRows)),
    ...webhookOutboxFamilies(outboxRows),
    ...deliveryFamilies(failingRows, disabledRows),
    ...(teamId === null ? serviceCounterFamilies(serviceRows) : []),
    truncated,
  ]);
}
