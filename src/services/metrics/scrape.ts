/**
 * One scrape of `GET /metrics`: a team's certificates, counters, webhook outbox, failing deploy targets and disabled
 * webhook endpoints, or, for the operator, every team's and the service's own counters. Eight or nine statements in one
 * D1 batch and the two aggregate statements beside it (sent at once: one round trip's wait), however many certificates
 * there are; never a query per certificate.
 */
import { METRICS_CERTIFICATE_SERIES_DEFAULT } from "../../core/config";
import type { Database } from "../../db/client";
import { counterRowsQuery } from "../../store/metric-counters";
import { serviceCounterRowsQuery } from "../../store/service-counters";
import { failingTargetCountsQuery } from "../../store/deploy-targets";
import { outboxUsageQuery } from "../../store/webhook-events";
import { disabledEndpointCountsQuery } from "../../store/webhooks";
import { aggregateFamilies, privateAggregateQuery, publicAggregateQuery } from "./certificate-aggregates";
import { certificateFamilies, certificateGaugeRowsQueries, mergeUrgentRows } from "./certificate-gauges";
import { counterFamilies } from "./counter-families";
import { deliveryFamilies } from "./delivery-gauges";
import { type MetricFamily, renderExposition } from "./exposition";
import { serviceCounterFamilies } from "./service-families";
import { webhookOutboxFamilies } from "./webhook-outbox-gauges";

/**
 * The most rows one scrape reads and writes. A certificate's series make six lines (about 1.2 KB): 1,000 of them
 * (METRICS_CERTIFICATE_SERIES) beside the aggregates of thousands of teams keep the operator's scrape of a million
 * certificates under 5 MB and well inside a Worker's memory and CPU. Past the limit, the certificates failing to renew
 * and those nearest expiry keep their series, the rest are left out and `certdesk_metrics_truncated` says so; the
 * aggregates (certificate-aggregates.ts) still count every one. A team token's scrape holds that team alone, under
 * the same limits.
 */
export const SCRAPE_LIMITS = { certificates: METRICS_CERTIFICATE_SERIES_DEFAULT, counterRows: 10_000 } as const;

export interface ScrapeLimits {
  certificates: number;
  counterRows: number;
}

/** Whose metrics: one team's (its id), or every team's (the operator). */
export type ScrapeScope = { teamId: string } | "all";

export async function scrapeMetrics(db: Database, scope: ScrapeScope, now: number, limits: ScrapeLimits = SCRAPE_LIMITS): Promise<string> {
  const teamId = scope === "all" ? null : scope.teamId;
  // One row more than the limit tells whether anything was left out.
  const [failing, soonest, privateSoonest] = certificateGaugeRowsQueries(db, teamId, limits.certificates + 1, now);
  const counters = counterRowsQuery(db, teamId, limits.counterRows + 1);
  // One row per team with anything waiting: bounded like the counters.
  const outbox = outboxUsageQuery(db, teamId, limits.counterRows);
  const failingTargets = failingTargetCountsQuery(db, teamId, limits.counterRows);
  const disabledEndpoints = disabledEndpointCountsQuery(db, teamId, limits.counterRows);
  // The service's own counters belong to no team: only the operator reads them. Their label sets are few (one per stage).
  // The aggregates are statements drizzle cannot put in a batch (raw SQL with parameters): sent beside it.
  const [[failingRows, soonestRows, privateRows, counterRows, outboxRows, failingTargetRows, disabledRows, serviceRows = []], publicGroups, privateGroups] = await Promise.all([
    teamId === null
      ? db.batch([failing, soonest, privateSoonest, counters, outbox, failingTargets, disabledEndpoints, serviceCounterRowsQuery(db, limits.counterRows)])
      : db.batch([failing, soonest, privateSoonest, counters, outbox, failingTargets, disabledEndpoints]),
    publicAggregateQuery(db, teamId, now),
    privateAggregateQuery(db, teamId, now),
  ]);
  const certificateRows = mergeUrgentRows([failingRows, soonestRows, privateRows]);
  const truncated: MetricFamily = {
    name: "certdesk_metrics_truncated",
    help: `1 when this scrape left rows out (part: certificates past ${limits.certificates}, the least urgent left out, every one still counted in the certdesk_certificates_* aggregates; counters past ${limits.counterRows} label sets); a team's own token scrapes that team alone.`,
    type: "gauge",
    samples: [
      { labels: { part: "certificates" }, value: certificateRows.length > limits.certificates ? 1 : 0 },
      { labels: { part: "counters" }, value: counterRows.length > limits.counterRows ? 1 : 0 },
    ],
  };
  return renderExposition([
    ...aggregateFamilies([...publicGroups, ...privateGroups]),
    ...certificateFamilies(certificateRows.slice(0, limits.certificates), now),
    ...counterFamilies(counterRows.slice(0, limits.counterRows)),
    ...webhookOutboxFamilies(outboxRows),
    ...deliveryFamilies(failingTargetRows, disabledRows),
    ...(teamId === null ? serviceCounterFamilies(serviceRows) : []),
    truncated,
  ]);
}
