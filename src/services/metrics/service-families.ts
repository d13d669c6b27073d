/** The service's own counters (store/service-counters.ts) as Prometheus counter families: the operator's scrape only. */
import type { ServiceCounterName, ServiceCounterRow } from "../../store/service-counters";
import type { MetricFamily, Sample } from "./exposition";

const FAMILIES: Record<ServiceCounterName, Omit<MetricFamily, "samples">> = {
  cron_stage_failures: {
    name: "certdesk_cron_stage_failures_total",
    help: "Cron ticks in which a stage failed, by stage (renewal_sweep, deploy_sweep, ari_refresh, webhook_sweep, private_renewal, crl_refresh, client_certificate_renewal, domain_verification); the other stages of that tick still ran.",
    type: "counter",
  },
};

/** The rows as families, every family listed even with no sample; a row of an unknown counter is left out. */
export function serviceCounterFamilies(rows: readonly ServiceCounterRow[]): MetricFamily[] {
  const samples: Record<string, Sample[]> = {};
  for (const row of rows) {
    if (!Object.hasOwn(FAMILIES, row.name)) continue;
    (samples[row.name] ??= []).push({ labels: JSON.parse(row.labels) as Record<string, string>, value: row.value });
  }
  return (Object.keys(FAMILIES) as ServiceCounterName[]).map((name) => ({ ...FAMILIES[name], samples: samples[name] ?? [] }));
}
