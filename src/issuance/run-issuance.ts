/** One issuance job, run under the certificate's lock: re-check, issue, store atomically, or record the failure. */
import { and, eq } from "drizzle-orm";
import { ariCertificateId, isAcmeProblem, RETRY_POLICY } from "../acme";
import type { Database } from "../db/client";
import { certificates } from "../db/schema";
import { createDnsProvider, parseDnsCredentials } from "../dns";
import type { IssuanceDeps } from "./deps";
import { AppError } from "../core/errors";
import { checkCertificate } from "../pki";
import { renewalDueAt } from "../renewal/policy";
import { materialOf, type CertificateRow } from "../store/certificates";
import { ACME_TYPE } from "../store/certificate-type";
import { forgetAcmeAccount, openAcmeClient } from "./acme-account";
import { isPermanentAcmeFailure, toIssuanceError } from "./acme-errors";
import { dns01Solver } from "./dns01-solver";
import { http01Solver } from "./http01-solver";
import type { IssueOutcome, IssueRequest } from "./issue-request";
import { issueCertificate } from "./issue-certificate";
import { releasedName, releasedNameError, releasedNameStop } from "./ownership";
import { recordRenewalFailure, stopRenewal } from "./renewal-record";
import { storeIssued } from "./store-issued";

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

function solverFor(deps: IssuanceDeps, request: IssueRequest) {
  if (request.challengeType === "http-01") return http01Solver(deps.challenges);
  const { config } = deps;
  const provider = request.dnsProvider!;
  const credentials = parseDnsCredentials(provider, request.dnsCredentials ?? {});
  const baseUrl = config.DNS_API_BASE_URLS[provider];
  return dns01Solver(createDnsProvider(provider, credentials, baseUrl ? { baseUrl } : {}), {
    resolverUrl: config.DOH_RESOLVER_URL === "none" ? null : config.DOH_RESOLVER_URL,
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

export async function runIssuance(deps: IssuanceDeps, request: IssueRequest, now: () => number = Date.now): Promise<IssueOutcome> {
  return await runIssuanceOnce(deps, request, now);
}

async function runIssuanceOnce(deps: IssuanceDeps, request: IssueRequest, now: () => number, accountRecreations = 0): Promise<IssueOutcome> {
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
  try {
    const client = await openAcmeClient(db, {
      teamId: request.teamId,
      directoryUrl: request.directoryUrl,
      email: request.email,
      encryptionKey: config.ENCRYPTION_KEY,
      ...(config.ACME_EAB_KID && config.ACME_EAB_HMAC_KEY
        ? { externalAccountBinding: { kid: config.ACME_EAB_KID, hmacKeyB64url: config.ACME_EAB_HMAC_KEY.replace(/=+$/, "") } }
        : {}),
    });
    let replaces: string | undefined;
    if (request.kind === "renew" && previous && (await client.getDirectory()).renewalInfo) {
      try {
        replaces = ariCertificateId(previous.certificatePem);
      } catch {
        replaces = undefined; // No AKI: the CA cannot match it; renew without `replaces`.
      }
    }
    const result = await issueCertificate(client, solverFor(deps, request), {
      names: request.names,
      keySpec: request.keySpec,
      dryRun: request.dryRun,
      deadline: Date.now() + JOB_BUDGET_MS,
      ...(replaces ? { replaces } : {}),
      ...(request.profile ? { profile: request.profile } : {}),
    });
    if (result.dryRun) return { state: "validated", names: result.validated };

    const checked = await checkCertificate({ certificatePem: result.chainPem, privateKeyPem: result.privateKeyPem, domain: request.names[0] });
    if (!checked.report.valid) throw new AppError("ca_error", `The CA issued an unusable certificate: ${checked.report.error}`);
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
        autoRenew: request.autoRenew,
        renewedFrom: request.kind === "renew" ? (previous?.issuedAt ?? null) : null,
        issuance: {
          challengeType: request.challengeType,
          dnsProvider: request.dnsProvider ?? null,
          keySpec: request.keySpec,
          email: request.email,
          staging: request.staging,
          directoryUrl: request.directoryUrl,
          profile: request.profile ?? null,
        },
        dnsCredentials: request.dnsCredentials ?? null,
        nextRenewalAt: request.autoRenew ? renewalDueAt({ issuedAt, expiresAt, ariWindow }) : null,
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
  } catch (caught) {
    // RFC 8555 §7.3.1: the CA no longer knows the stored account: make a new one (RETRY_POLICY.accountRecreations).
    if (accountRecreations < RETRY_POLICY.accountRecreations && isAcmeProblem(caught, "accountDoesNotExist")) {
      await forgetAcmeAccount(db, request.teamId, request.directoryUrl);
      return runIssuanceOnce(deps, request, now, accountRecreations + 1);
    }
    const error = toIssuanceError(caught, request.directoryUrl);
    if (error.status >= 500 && error.code === "internal") {
      console.error(`issuance ${request.kind} for ${request.names.join(",")} failed: ${caught instanceof Error ? caught.name : typeof caught}`);
    }
    if (request.kind === "renew" && previous) await recordRenewalFailure(db, previous, error, isPermanentAcmeFailure(caught) || isPermanentAcmeFailure(error), now());
    return { state: "failed", error: error.toData() };
  }
}
