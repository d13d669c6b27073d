/**
 * ACME certificates: obtaining, renewing and revoking, each handed to the certificate's issuer (one Durable Object per
 * certificate). The issuer writes the result to D1 itself, so a request records its audit row alone, right before the
 * hand-off (`commit`): a request whose row cannot be written hands nothing over; the outcome is the certificate's status.
 */
import type { DnsProviderName } from "../../dns";
import type { Deps } from "../deps";
import { AppError } from "../../core/errors";
import type { CertificateKeySpec } from "../../pki";
import type { IssueOutcome, IssueRequest } from "../../issuance/issue-request";
import { issuerName } from "../../issuance/issue-request";
import { revocationRefusal } from "../../issuance/revoke";
import { isAcmeCertificate } from "../../store/certificate-type";
import type { CertificateRow } from "../../store/certificates";
import { firstUnheldName } from "../../store/domain-claims";
import { delegationRefusal } from "../../dns/delegation";
import { pendingVerificationError, verifyByDelegation } from "../domain-verification";
import { type Owner, ownerColumns } from "./owner";
import { type SubscriberRevocationReason, revocationCode } from "./revocation-reasons";
import { emitCertificateEvent } from "../webhooks/emit";
import type { CommitChange } from "../change";

export interface ObtainOptions {
  email: string;
  challengeType: "http-01" | "dns-01";
  dnsProvider?: DnsProviderName;
  dnsCredentials?: Record<string, unknown>;
  /** A saved connection of the owner's team (already looked up: `dnsProvider` is its provider), instead of `dnsCredentials`. */
  dnsConnectionId?: string;
  /** DNS-01 through the operator's delegation zone (dns/delegation.ts): no provider or credentials of the customer's. */
  dnsDelegation?: boolean;
  autoRenew: boolean;
  keyType: "rsa" | "ec";
  keySize?: number;
  staging: boolean;
  dryRun: boolean;
  profile?: string;
}

/** How an ACME certificate was obtained, kept on its row so that renewal repeats it (a type, so it reads from the row's JSON record). */
type AcmeIssuance = {
  challengeType: "http-01" | "dns-01";
  dnsProvider: DnsProviderName | null;
  keySpec: CertificateKeySpec;
  email: string | null;
  staging: boolean;
  directoryUrl: string;
  profile?: string | null;
};

/** What a certificate's issuer is keyed by: its owner and names (see issuerName). */
type IssuerTarget = { teamId: string; projectId: string | null; names: string[] };

export function keySpecOf(keyType: "rsa" | "ec", keySize?: number): CertificateKeySpec {
  if (keyType === "ec") return { keyType: "ec", curve: keySize === 384 ? "P-384" : "P-256" };
  return { keyType: "rsa", keySize: keySize === 4096 ? 4096 : keySize === 3072 ? 3072 : 2048 };
}

function issuer(deps: Deps, target: IssuerTarget) {
  return deps.issuer(issuerName(target));
}

/**
 * The issuer's answer, or "pending" when the object was reset under the call (an eviction or a deploy): the job is
 * stored there and its alarm resumes the saved order, so the caller polls status as for any long issuance.
 */
async function issueOrPending(deps: Deps, target: IssuerTarget, request: IssueRequest, wait: number): Promise<IssueOutcome> {
  try {
    return await issuer(deps, target).issue(request, wait);
  } catch (error) {
    const reset = error as { durableObjectReset?: boolean; retryable?: boolean };
    if (error instanceof AppError || !(reset.durableObjectReset || reset.retryable)) throw error;
    return { state: "pending", startedAt: deps.clock.now() };
  }
}

function waitMs(deps: Deps): number {
  return deps.config.ISSUANCE_WAIT_SECONDS * 1000;
}

/** Turns a failed outcome back into the typed error the surfaces render. */
export function throwIfFailed(outcome: IssueOutcome): Exclude<IssueOutcome, { state: "failed" }> {
  if (outcome.state !== "failed") return outcome;
  throw AppError.fromData(outcome.error);
}

/** What an obtain's audit row says: the request as given, never the DNS credentials. */
function obtainDetail(names: string[], options: ObtainOptions): Record<string, unknown> {
  const { challengeType, dnsProvider, dnsConnectionId, dnsDelegation, keyType, keySize, staging, dryRun, autoRenew, profile } = options;
  return { names, challengeType, dnsProvider: dnsProvider ?? null, ...(dnsConnectionId ? { dnsConnectionId } : {}), ...(dnsDelegation ? { dnsDelegation } : {}), keyType, keySize: keySize ?? null, staging, dryRun, autoRenew, profile: profile ?? null };
}

/**
 * With verified claims a project may have a domain its team does not hold yet: refused here, before the CA is called,
 * with the TXT record to create (the issuer's own check under the certificate's lock would call it a released name).
 */
async function refuseUnverifiedNames(deps: Deps, teamId: string, names: readonly string[], delegated: boolean): Promise<void> {
  let unheld = await firstUnheldName(deps.db, teamId, names);
  if (unheld === null) return;
  if (delegated) {
    // A delegated obtain: the `_acme-challenge` CNAME in place proves control and verifies the name (domain-verification.ts).
    const outcome = await verifyByDelegation(deps, teamId, unheld);
    if (outcome !== null && typeof outcome === "object") throw delegationRefusal(outcome.record, outcome.check);
    if (outcome === "conflict") throw new AppError("domain_taken", `Domain ${unheld} is already in use by another team`, { param: "domain" });
    if (outcome === "verified") {
      unheld = await firstUnheldName(deps.db, teamId, names);
      if (unheld === null) return;
    }
  }
  throw (
    (await pendingVerificationError(deps.db, teamId, unheld)) ??
    new AppError("domain_not_configured", `The team does not hold ${unheld}: verify the project's domain first (GET /api/v1/projects/{id}/domain)`)
  );
}

/** Hands the request to the owner's issuer, recorded first (`commit`). */
export async function obtainAcmeCertificate(deps: Deps, owner: Owner, names: string[], options: ObtainOptions, commit: CommitChange): Promise<IssueOutcome> {
  if (options.challengeType === "http-01" && names.some((n) => n.startsWith("*."))) {
    // RFC 8555 §7.1.3 and CA policy: wildcard names can only be validated over DNS.
    throw new AppError("bad_request", "Wildcard names need challengeType dns-01", { param: "challengeType" });
  }
  if (deps.config.DOMAIN_VERIFICATION === "required") await refuseUnverifiedNames(deps, owner.teamId, names, options.dnsDelegation === true);
  // Fair use: every order reaches the CA, whose limits all teams share.
  await deps.limits.takeCaCall(owner.teamId);
  const config = deps.config;
  const target = { ...ownerColumns(owner), names };
  const request: IssueRequest = {
    kind: "obtain",
    ...target,
    challengeType: options.challengeType,
    ...(options.dnsProvider ? { dnsProvider: options.dnsProvider } : {}),
    ...(options.dnsCredentials ? { dnsCredentials: options.dnsCredentials } : {}),
    ...(options.dnsConnectionId ? { dnsConnectionId: options.dnsConnectionId } : {}),
    ...(options.dnsDelegation ? { dnsDelegation: true } : {}),
    keySpec: keySpecOf(options.keyType, options.keySize),
    email: options.email,
    directoryUrl: options.staging ? config.ACME_STAGING_DIRECTORY_URL : config.ACME_DIRECTORY_URL,
    staging: options.staging,
    dryRun: options.dryRun,
    autoRenew: options.autoRenew,
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const projectId = owner.kind === "project" ? owner.projectId : "";
  await commit({ teamId: owner.teamId, statements: [], target: projectId, detail: obtainDetail(names, options) });
  return issueOrPending(deps, target, request, waitMs(deps));
}

/** Who asks for a renewal: a request (recorded through its `commit`), or the renewal queue's consumer. */
export type RenewalTrigger = { trigger: "manual"; commit: CommitChange } | { trigger: "sweep"; asOf?: number; waitMs?: number };

/** Renews an ACME certificate the way it was obtained (same challenge, provider and key type); `waitMs` as `issue` takes it. */
export async function renewAcmeCertificate(deps: Deps, row: CertificateRow, by: RenewalTrigger): Promise<IssueOutcome> {
  const { trigger } = by;
  const asOf = (by.trigger === "sweep" ? by.asOf : undefined) ?? Date.now();
  if (!isAcmeCertificate(row) || !row.issuance) {
    throw new AppError("not_renewable", "A custom certificate is renewed by uploading its successor");
  }
  if (row.state === "revoked") throw new AppError("not_renewable", "A revoked certificate cannot be renewed; obtain a new one");
  // Relayed for an ACME client of Certdesk's own server: only that client holds the key a renewal would need.
  if ((row.issuance as { relayedFor?: unknown }).relayedFor) {
    throw new AppError("not_renewable", "This certificate was relayed for an ACME client, which keeps its key: the client renews it through its ACME directory");
  }
  // A manual renew spends the team's allowance; the sweep's renewals are paced by the sweep itself.
  if (trigger === "manual") await deps.limits.takeCaCall(row.teamId);
  const how = row.issuance as AcmeIssuance;
  // No credentials in the request: the issuer opens them from the row, or from its connection, under its lock (run-issuance.ts).
  const request: IssueRequest = {
    kind: "renew",
    teamId: row.teamId,
    projectId: row.projectId,
    names: row.names,
    challengeType: how.challengeType,
    ...(how.dnsProvider ? { dnsProvider: how.dnsProvider } : {}),
    ...(row.dnsConnectionId ? { dnsConnectionId: row.dnsConnectionId } : {}),
    // Delegated: the operator's credentials as configured now; nothing of the customer's is needed.
    ...(row.dnsDelegation ? { dnsDelegation: true } : {}),
    keySpec: how.keySpec,
    email: how.email,
    directoryUrl: how.directoryUrl,
    staging: how.staging,
    dryRun: false,
    autoRenew: row.autoRenew,
    ...(how.profile ? { profile: how.profile } : {}),
    certificateId: row.id,
    trigger,
    asOf,
  };
  if (by.trigger === "sweep") return issueOrPending(deps, row, request, by.waitMs ?? 0);
  await by.commit({ teamId: row.teamId, statements: [], target: row.id, detail: { projectId: row.projectId, names: row.names, serial: row.serial } });
  return issueOrPending(deps, row, request, waitMs(deps));
}

/** Revokes at the CA (RFC 8555 §7.6), recorded first (`commit`); the instant it was recorded as revoked. */
export async function revokeAcmeCertificate(deps: Deps, row: CertificateRow, reason: SubscriberRevocationReason, commit: CommitChange): Promise<number> {
  // Refused before anything is recorded; the issuer checks again under the certificate's lock.
  const refusal = revocationRefusal(row);
  if (refusal) throw refusal;
  const detail = { projectId: row.projectId, names: row.names, serial: row.serial, reason };
  await commit({ teamId: row.teamId, statements: [], target: row.id, detail });
  const outcome = await issuer(deps, row).revoke(row.teamId, row.id, revocationCode(reason));
  if (!outcome.ok) throw AppError.fromData(outcome.error);
  await emitCertificateEvent(deps, "certificate.revoked", row, { reason, revokedAt: new Date(outcome.revokedAt).toISOString() });
  return outcome.revokedAt;
}

/** Whether an issuance for the owner's names is running, and how the last one ended. */
export async function issuanceProgress(deps: Deps, owner: Owner, names: string[]) {
  return issuer(deps, { ...ownerColumns(owner), names }).progress();
}
