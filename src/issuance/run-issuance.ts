/** One issuance job, run under the certificate's lock: re-check, issue, store atomically, or record the failure. */
import { and, eq } from "drizzle-orm";
import { ariCertificateId } from "../acme";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { createDnsProvider, parseDnsCredentials, type DnsProvider, type DnsProviderName } from "../dns";
import type { Config } from "../core/config";
import { challengeRecordName } from "../dns";
import { delegationConfig, delegationRecord, type DelegationRecord } from "../dns/delegation";
import type { IssuanceDeps } from "./deps";
import { AppError } from "../core/errors";
import { type SealingKeys, unseal } from "../crypto/sealing";
import { certifiesRequestKey, checkCertificate } from "../pki";
import { ariColumns } from "../renewal/ari-schedule";
import { renewalDueAt } from "../renewal/policy";
import { materialOf, type CertificateRow } from "../store/certificates";
import { dnsConnectionOf, openDnsConnectionCredentials } from "../store/dns-connections";
import { ACME_TYPE } from "../store/certificate-type";
import { withAcmeAccount } from "./acme-account";
import { isPermanentAcmeFailure, toIssuanceError } from "./acme-errors";
import { dns01Solver } from "./dns01-solver";
import { http01Solver } from "./http01-solver";
import type { IssueOutcome, IssueRequest } from "./issue-request";
import { issueCertificate } from "./issue-certificate";
import { atCa, type CheckpointStore, noCheckpoints } from "./order-checkpoint";
import { type CaChoice, caChoices, isCaSideFailure } from "./ca-fallback";
import { releasedName, releasedNameError, releasedNameStop } from "./ownership";
import { isOrderBudgetExhausted, orderSpend, type OrderSpend } from "./order-budget";
import { preflight } from "./preflight";
import { deferRenewal, recordManualRenewalFailure, recordRenewalFailure, stopRenewal } from "./renewal-record";
import { storeIssued } from "./store-issued";
import { CounterTally, countingAcmeFetch, countRenewal } from "../store/metric-counters";
import { responseLimitOf } from "../outbound/bounded-body";

/** The most one job may take end to end; the Durable Object's alarm restarts a job that outlives it. */
export const JOB_BUDGET_MS = 5 * 60_000;

async function currentCertificate(db: Database, request: IssueRequest): Promise<CertificateRow | null> {
  if (request.certificateId) {
    return (await db.query.certificates.findFirst({ where: and(eq(certificates.id, request.certificateId), eq(certificates.teamId, request.teamId)) })) ?? null;
  }
  if (request.projectId) {
    return (await db.query.certificates.findFirst({ where: eq(certificates.projectId, request.projectId) })) ?? null;
  }
  return null;
}

/**
 * The team's DNS provider for a DNS-01 job (operator base URL included), or null for HTTP-01. A delegated job uses the
 * operator's provider and credentials for the delegation zone as configured now, never credentials of the request.
 */
function dnsProviderFor(config: Config, request: IssueRequest): DnsProvider | null {
  if (request.challengeType === "dns-01" && request.dnsDelegation) {
    const delegation = delegationConfig(config);
    const baseUrl = config.DNS_API_BASE_URLS[delegation.provider];
    return createDnsProvider(delegation.provider, parseDnsCredentials(delegation.provider, delegation.credentials, "ACME_DELEGATION_DNS_CREDENTIALS"), {
      ...(baseUrl ? { baseUrl } : {}),
      responseLimitBytes: responseLimitOf(config),
    });
  }
  if (request.challengeType !== "dns-01" || !request.dnsProvider) return null;
  const name = request.dnsProvider;
  const baseUrl = config.DNS_API_BASE_URLS[name];
  return createDnsProvider(name, parseDnsCredentials(name, request.dnsCredentials ?? {}), { ...(baseUrl ? { baseUrl } : {}), responseLimitBytes: responseLimitOf(config) });
}

/** Delegated DNS-01: the customer's CNAME for each `_acme-challenge` name of the job, keyed by that name. */
async function delegationRecordsFor(config: Config, request: IssueRequest): Promise<Map<string, DelegationRecord> | undefined> {
  if (request.challengeType !== "dns-01" || !request.dnsDelegation) return undefined;
  const { zone } = delegationConfig(config);
  const records = new Map<string, DelegationRecord>();
  for (const name of request.names) {
    const record = await delegationRecord(request.teamId, name, zone);
    records.set(record.recordName, record);
  }
  return records;
}

function solverFor(deps: IssuanceDeps, dnsProvider: DnsProvider | null, delegation?: ReadonlyMap<string, DelegationRecord>) {
  if (dnsProvider === null) return http01Solver(deps.challenges, deps.db);
  return dns01Solver(dnsProvider, {
    resolverUrl: deps.config.DOH_RESOLVER_URL === "none" ? null : deps.config.DOH_RESOLVER_URL,
    responseLimitBytes: responseLimitOf(deps.config),
    // Delegated: the TXT goes to the CNAME's target; the authorization's identifier stays the customer's name.
    ...(delegation ? { recordName: (domain: string) => delegation.get(challengeRecordName(domain))?.recordValue ?? challengeRecordName(domain) } : {}),
  });
}

/** Whether a certificate issued by an earlier job is still the stored, active one, unchanged since `asOf`. */
export async function isStillCurrent(db: Database, certificateId: string, asOf: number): Promise<boolean> {
  const row = await db.query.certificates.findFirst({ where: eq(certificates.id, certificateId) });
  return !!row && row.state === "active" && row.updatedAt <= asOf;
}

/** The owner gave a name up: refuse, and a renewal stops renewing (recorded on its row unless the row changed since). */
async function refuseReleased(db: Database, request: IssueRequest, previous: CertificateRow | null, name: string, stage: "order" | "store", now: number): Promise<IssueOutcome> {
  if (request.kind === "renew" && previous) await stopRenewal(db, previous, releasedNameStop(request, name), now);
  return { state: "failed", error: releasedNameError(request, name, stage).toData() };
}

/** The row changed while the order ran: the newer state wins and the issued certificate is discarded. */
function staleOutcome(request: IssueRequest): IssueOutcome {
  if (request.kind === "renew") {
    return { state: "skipped", reason: "The certificate was deleted, replaced or changed while it was being renewed: the newer state was kept" };
  }
  const error = new AppError("conflict", "The project's certificate changed while this one was being obtained: the newer one was kept and nothing was stored");
  return { state: "failed", error: error.toData() };
}

/** Runs the job; with `checkpoints`, its order is saved step by step and a saved one is resumed (order-checkpoint.ts). */
export async function runIssuance(
  deps: IssuanceDeps,
  request: IssueRequest,
  now: () => number = Date.now,
  checkpoints: CheckpointStore = noCheckpoints,
): Promise<IssueOutcome> {
  // GET /metrics: the job's ACME requests and its renewal outcome are counted in memory and written once, at its end.
  const counts = new CounterTally();
  let outcome: IssueOutcome | undefined;
  try {
    outcome = await runIssuanceOnce({ ...deps, acmeFetch: countingAcmeFetch(counts, request.teamId, deps.acmeFetch, responseLimitOf(deps.config)) }, request, now, checkpoints);
    return outcome;
  } finally {
    if (request.kind === "renew") countRenewal(counts, request.teamId, request.trigger ?? "manual", outcome ?? { state: "error" });
    await counts.flush(deps.db, Date.now());
  }
}

async function runIssuanceOnce(
  deps: IssuanceDeps,
  request: IssueRequest,
  now: () => number,
  checkpoints: CheckpointStore,
): Promise<IssueOutcome> {
  const { db, config } = deps;
  const previous = await currentCertificate(db, request);
  if (request.kind === "renew") {
    // Re-check under the lock: the work may have been done, or undone, while this request waited.
    if (!previous) return { state: "skipped", reason: "The certificate no longer exists" };
    if (previous.state === "revoked") return { state: "skipped", reason: "The certificate is revoked" };
    if (request.trigger === "sweep" && (previous.nextRenewalAt === null || previous.nextRenewalAt > now())) {
      return { state: "skipped", reason: "Not due for renewal" };
    }
  }
  // Before the CA sees anything: a name given up while this job waited may already be another team's.
  const released = await releasedName(db, request);
  if (released !== null) return refuseReleased(db, request, previous, released, "order", now());
  const job = await withStoredCredentials(db, config.ENCRYPTION_KEY, request, previous);
  if (job instanceof AppError) {
    // The connection was deleted (or the row names one of another team): nothing can be presented, so no order.
    if (request.kind === "renew" && previous) await recordRenewalFailure(db, previous, job, true, now());
    return { state: "failed", error: job.toData() };
  }
  let failure: { error: AppError; permanent: boolean } | undefined;
  for (const ca of caChoices(config, request.directoryUrl)) {
    // Once per CA: an account the CA forgot is made again and the order retried, but only one order is placed.
    const budget = orderSpend(deps.orderBudget, { teamId: request.teamId, directoryUrl: ca.directoryUrl, names: request.names });
    try {
      return await issueAt(deps, job, previous, ca, now, checkpoints, budget);
    } catch (caught) {
      const error = toIssuanceError(caught, ca.directoryUrl);
      if (error.status >= 500 && error.code === "internal") {
        console.error(`issuance ${request.kind} for ${request.names.join(",")} failed: ${caught instanceof Error ? caught.name : typeof caught}`);
      }
      failure = { error, permanent: isPermanentAcmeFailure(caught) || isPermanentAcmeFailure(error) };
      // Only the CA's own failures are worth another CA; a failed validation or a refusal would fail there too.
      if (!isCaSideFailure(error)) break;
    }
  }
  const { error, permanent } = failure!;
  if (isOrderBudgetExhausted(error)) {
    // Not a failure, as nothing was ordered: a sweep renewal waits for the budget (the sweep takes it again when it
    // has room); a caller (obtain, manual renew) gets the 429 and the row stays as it was.
    if (request.kind !== "renew" || request.trigger !== "sweep" || !previous) return { state: "failed", error: error.toData() };
    await deferRenewal(db, previous, error.message, now() + (error.retryAfter ?? 60) * 1000, now());
    return { state: "skipped", reason: error.message };
  }
  if (request.kind === "renew" && previous) {
    // Only a renewal that was due moves the schedule: a manual one ahead of it leaves automatic renewal as it was.
    const due = previous.nextRenewalAt !== null && previous.nextRenewalAt <= now();
    if (request.trigger !== "sweep" && !due) await recordManualRenewalFailure(db, previous, error, now());
    else await recordRenewalFailure(db, previous, error, permanent, now());
  }
  return { state: "failed", error: error.toData() };
}

/**
 * One order at one CA, through to the stored certificate. A CA that no longer knows the stored account gets a new one
 * (withAcmeAccount); every other failure is thrown for the caller to judge.
 */
async function issueAt(
  deps: IssuanceDeps,
  request: IssueRequest,
  previous: CertificateRow | null,
  ca: CaChoice,
  now: () => number,
  checkpoints: CheckpointStore,
  budget: OrderSpend,
): Promise<IssueOutcome> {
  const { db, config } = deps;
  const account = {
    teamId: request.teamId,
    directoryUrl: ca.directoryUrl,
    email: request.email,
    encryptionKey: config.ENCRYPTION_KEY,
    ...(ca.externalAccountBinding ? { externalAccountBinding: ca.externalAccountBinding } : {}),
    ...(deps.acmeFetch ? { fetch: deps.acmeFetch } : {}),
    responseLimitBytes: responseLimitOf(config),
  };
  return withAcmeAccount(db, account, async (client) => {
    // CAA and the DNS-01 credentials, before any order (preflight.ts): a refusal places none.
    // One provider for the preflight and the solver: the zones the preflight finds are not looked up again.
    const dnsProvider = dnsProviderFor(config, request);
    const delegation = await delegationRecordsFor(config, request);
    await preflight(deps, request, await client.getDirectory(), dnsProvider, delegation);
    let replaces: string | undefined;
    if (request.kind === "renew" && previous && (await client.getDirectory()).renewalInfo) {
      try {
        replaces = ariCertificateId(previous.certificatePem);
      } catch {
        replaces = undefined; // No AKI: the CA cannot match it; renew without `replaces`.
      }
    }
    // An order naming the certificate it replaces is exempt from the CA's order limits (order-budget.ts).
    const result = await issueCertificate(client, solverFor(deps, dnsProvider, delegation), {
      names: request.names,
      ...(replaces ? {} : { beforeNewOrder: budget.spend, newOrderUnanswered: budget.giveBack }),
      keySpec: request.keySpec,
      dryRun: request.dryRun,
      deadline: Date.now() + JOB_BUDGET_MS,
      ...(replaces ? { replaces } : {}),
      ...(request.profile ? { profile: request.profile } : {}),
      ...(request.relay ? { csr: request.relay.csr } : {}),
    }, atCa(checkpoints, ca.directoryUrl));
    if (result.dryRun) return { state: "validated", names: result.validated };

    const checked = await checkCertificate({ certificatePem: result.chainPem, privateKeyPem: result.privateKeyPem, domain: request.names[0] });
    if (!checked.report.valid) throw new AppError("ca_error", `The CA issued an unusable certificate: ${checked.report.error}`);
    if (request.relay && !certifiesRequestKey(checked.leafPem, request.relay.csr)) {
      throw new AppError("ca_error", "The CA issued a certificate for another key than the CSR's", { retryable: false });
    }
    const issuedAt = checked.notBefore.getTime();
    const expiresAt = checked.notAfter.getTime();
    const ari = await client.getRenewalInfo(checked.leafPem).catch(() => null);
    const ariWindow = ari ? { start: ari.suggestedWindow.start.getTime(), end: ari.suggestedWindow.end.getTime() } : null;
    const stored = await storeIssued(
      db,
      config.ENCRYPTION_KEY,
      request,
      previous,
      {
        teamId: request.teamId,
        projectId: request.projectId,
        type: ACME_TYPE,
        domain: request.names[0]!,
        ...materialOf(checked),
        // Relayed: the client's CSR, so there is no key here to store.
        privateKeyPem: result.privateKeyPem,
        autoRenew: request.autoRenew,
        renewedFrom: request.kind === "renew" ? (previous?.issuedAt ?? null) : null,
        issuance: {
          challengeType: request.challengeType,
          // Delegated: no provider of the customer's; renewals use the operator's as configured then.
          dnsProvider: request.dnsDelegation ? null : (request.dnsProvider ?? null),
          keySpec: request.keySpec,
          email: request.email,
          staging: request.staging,
          // The CA that issued it: renewals try it first (ca-fallback.ts).
          directoryUrl: ca.directoryUrl,
          profile: request.profile ?? null,
          // Relayed for Certdesk's own ACME server: its client renews it there (renewal here is refused).
          ...(request.relay ? { relayedFor: { directoryId: request.relay.directoryId, orderId: request.relay.orderId } } : {}),
        },
        // Through a connection the row keeps its id, never a copy of its credentials.
        dnsCredentials: request.dnsConnectionId ? null : (request.dnsCredentials ?? null),
        dnsConnectionId: request.dnsConnectionId ?? null,
        dnsDelegation: request.dnsDelegation === true,
        nextRenewalAt: request.autoRenew ? renewalDueAt({ issuedAt, expiresAt, ariWindow }) : null,
        // RFC 9773 §4.3.2: kept with the next check, which the cron's ARI refresh (services/ari-refresh) makes.
        ari: ari ? ariColumns(ari, now()) : null,
        lastRenewAttempt: request.kind === "renew" ? now() : null,
      },
      now(),
    );
    switch (stored.state) {
      case "stored":
        return { state: "issued", certificateId: stored.row.id, renewedFrom: stored.row.renewedFrom };
      case "stale":
        return staleOutcome(request);
      case "released":
        return refuseReleased(db, request, previous, (await releasedName(db, request)) ?? request.names[0]!, "store", now());
    }
  });
}

/**
 * A renewal names its certificate only: the DNS-01 credentials are opened from the row under the lock (sealed with
 * `<id>:dns`), never carried in the request or sealed again into the object's storage. A certificate obtained through
 * a saved connection (`dnsConnectionId`, on the request or the row) opens the connection's credentials as they are now,
 * so a rotation reaches every certificate that uses it; its provider is the connection's.
 */
export async function withStoredCredentials(db: Database, keys: SealingKeys, request: IssueRequest, previous: CertificateRow | null): Promise<IssueRequest | AppError> {
  // Delegated: the operator's credentials come from the configuration when the provider is made (dnsProviderFor).
  if (request.dnsCredentials || request.challengeType !== "dns-01" || request.dnsDelegation) return request;
  const connectionId = request.dnsConnectionId ?? (request.kind === "renew" ? previous?.dnsConnectionId : null);
  if (connectionId) {
    const connection = await dnsConnectionOf(db, request.teamId, connectionId);
    if (!connection) {
      return new AppError("validation_failed", `DNS connection ${connectionId} no longer exists: obtain the certificate again with other DNS credentials`, {
        param: "dnsConnectionId",
        retryable: false,
      });
    }
    const dnsCredentials = await openDnsConnectionCredentials(keys, connection);
    return { ...request, dnsConnectionId: connection.id, dnsProvider: connection.provider as DnsProviderName, dnsCredentials };
  }
  if (request.kind !== "renew" || !previous?.sealedDnsCredentials) return request;
  const dnsCredentials = JSON.parse(await unseal(keys, previous.sealedDnsCredentials, `${previous.id}:dns`)) as Record<string, unknown>;
  return { ...request, dnsCredentials };
}
