/**
 * One cron tick: the renewal sweep, the deploy sweep, the ARI refresh, the webhook sweep, the private certificates'
 * renewal, the private CAs' CRL refresh and the renewal of client certificates issued by the teams' CAs and the pending domain verifications, in that
 * order, each on
 * its own. A stage that throws is logged and counted (`certdesk_cron_stage_failures_total{stage}`), and the stages
 * after it still run: a target that breaks its delivery, or a CA that is down, holds back no renewal, ARI refresh or
 * webhook of anyone else.
 */
import { countServiceEvent } from "../store/service-counters";
import { refreshRenewalInfo } from "./ari-refresh";
import { renewDueClientCertificates } from "./client-certificate-renewal";
import { sweepDueDeployments } from "./deploy-targets/sweep";
import type { Deps } from "./deps";
import { sweepDueCertificates } from "./renewal-sweep";
import { renewDuePrivateCertificates } from "./private-ca/auto-renew";
import { refreshDueCrls } from "./private-ca/crl-refresh";
import { sweepWebhooks } from "./webhooks/sweep";
import { verifyPendingDomains } from "./domain-verification";

export const CRON_STAGES = ["renewal_sweep", "deploy_sweep", "ari_refresh", "webhook_sweep", "private_renewal", "crl_refresh", "client_certificate_renewal", "domain_verification"] as const;
export type CronStage = (typeof CRON_STAGES)[number];

/** How the log names each stage. */
const LABELS: Record<CronStage, string> = {
  renewal_sweep: "renewal sweep",
  deploy_sweep: "deploy sweep",
  ari_refresh: "ARI refresh",
  webhook_sweep: "webhook sweep",
  private_renewal: "private renewal",
  crl_refresh: "CRL refresh",
  client_certificate_renewal: "client certificate renewal",
  domain_verification: "domain verification",
};

export type StageReport = { stage: CronStage; ok: true; summary: string } | { stage: CronStage; ok: false; error: string };

/** What each stage does at `asOf`, as the line its log says. */
const STAGES: Record<CronStage, (deps: Deps, asOf: number) => Promise<string>> = {
  async renewal_sweep(deps, asOf) {
    const r = await sweepDueCertificates(deps, asOf);
    return `${r.due} due, ${r.enqueued} enqueued, ${r.failed} not sent`;
  },
  // Deliveries a failed target is owed, and any an issuance or upload could not hand off.
  async deploy_sweep(deps, asOf) {
    const r = await sweepDueDeployments(deps, asOf);
    return `${r.due} due, ${r.delivered} delivered, ${r.failed} failed`;
  },
  // RFC 9773 renewal information the CA asked to be fetched again; after the sweeps, so a slow CA delays neither. A
  // window moved earlier moves nextRenewalAt, which the next tick's renewal sweep acts on.
  async ari_refresh(deps, asOf) {
    const r = await refreshRenewalInfo(deps, asOf);
    return `${r.due} due, ${r.refreshed} refreshed, ${r.moved} moved, ${r.failed} failed`;
  },
  // Expiry notices that have come, and messages whose queue message was lost.
  async webhook_sweep(deps, asOf) {
    const r = await sweepWebhooks(deps, asOf);
    return `${r.announced} expiry notices, ${r.due} overdue, ${r.enqueued} enqueued, ${r.failed} not sent`;
  },
  // Private certificates with autoRenew at two thirds of their lifetime: services/private-ca/auto-renew.ts.
  async private_renewal(deps, asOf) {
    const r = await renewDuePrivateCertificates(deps, asOf);
    return `${r.due} due, ${r.renewed} renewed, ${r.stopped} stopped, ${r.failed} failed`;
  },
  // Private CAs' CRLs a day old, re-signed well before their nextUpdate (7 days): services/private-ca/crl-refresh.ts.
  async crl_refresh(deps, asOf) {
    const r = await refreshDueCrls(deps, asOf);
    return `${r.due} due, ${r.refreshed} re-signed, ${r.failed} failed`;
  },
  // Egress client certificates of the teams' CAs (services/client-certificate-renewal.ts): signed here, no CA to call.
  async client_certificate_renewal(deps, asOf) {
    const r = await renewDueClientCertificates(deps, asOf);
    return `${r.due} due, ${r.renewed} renewed, ${r.stopped} stopped, ${r.failed} failed`;
  },
  // Pending proofs of control (DOMAIN_VERIFICATION=required): the TXT records looked up, least recently checked first.
  async domain_verification(deps, asOf) {
    const r = await verifyPendingDomains(deps, asOf);
    return `${r.due} due, ${r.verified} verified, ${r.conflicts} taken by another team, ${r.failed} failed`;
  },
};

/** Runs every stage at `asOf`, one after another; never throws. */
export async function runCronTick(deps: Deps, asOf: number): Promise<StageReport[]> {
  const reports: StageReport[] = [];
  for (const stage of CRON_STAGES) reports.push(await runStage(deps, stage, asOf));
  return reports;
}

async function runStage(deps: Deps, stage: CronStage, asOf: number): Promise<StageReport> {
  const label = LABELS[stage];
  try {
    const summary = await STAGES[stage](deps, asOf);
    console.log(`${label}: ${summary}`);
    return { stage, ok: true, summary };
  } catch (error) {
    const message = describeError(error);
    console.error(`${label} failed: ${message}`);
    await countServiceEvent(deps.db, "cron_stage_failures", { stage }, deps.clock.now());
    return { stage, ok: false, error: message };
  }
}

/**
 * What went wrong, in a line: the driver's own error when the query builder wrapped it (drizzle's "Failed query: …"
 * carries the whole statement and its parameters, which have no place in a log), cut at 300 characters.
 */
function describeError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
