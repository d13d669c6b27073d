/** What callers ask the per-certificate issuer for, and what they get back (plain data: it crosses RPC). */
import type { DnsProviderName } from "../dns";
import type { AppErrorData } from "../core/errors";
import type { CertificateKeySpec } from "../pki";
import type { OrderStep } from "./order-checkpoint";

export interface IssueRequest {
  kind: "obtain" | "renew";
  teamId: string;
  /** The owning project (native API); null for team-level certificates (Vercel). */
  projectId: string | null;
  names: string[];
  challengeType: "http-01" | "dns-01";
  dnsProvider?: DnsProviderName;
  /** Plaintext only in flight; sealed before anything is persisted. */
  dnsCredentials?: Record<string, unknown>;
  /**
   * DNS-01 through the team's saved connection: the issuer opens its credentials from D1 under the lock (so the
   * request carries none) and the certificate records the id, so its renewals use whatever the connection holds then.
   */
  dnsConnectionId?: string;
  /**
   * DNS-01 through the operator's delegation zone (dns/delegation.ts): the customer's `_acme-challenge` CNAME points
   * there, the TXT is written with the operator's credentials (config ACME_DELEGATION_*), and the request carries none.
   */
  dnsDelegation?: boolean;
  keySpec: CertificateKeySpec;
  email: string | null;
  directoryUrl: string;
  staging: boolean;
  dryRun: boolean;
  autoRenew: boolean;
  /** ACME profile to ask the CA for (draft-ietf-acme-profiles). */
  profile?: string;
  /** renew: the certificate being replaced. */
  certificateId?: string;
  /** renew: a sweep renews only what is still due once the lock is held; a manual renew always runs. */
  trigger?: "manual" | "sweep";
  /** The sweep's clock (ms): "due" and retry times are judged against it, so tests can move time. */
  asOf?: number;
  /**
   * An order of Certdesk's own ACME server relayed to this CA (services/acme-server/relay.ts): finalized with the
   * client's CSR (base64 DER) so no key is made or stored here, and that order settled when the job ends.
   */
  relay?: RelayedOrder;
}

export interface RelayedOrder {
  csr: string;
  directoryId: string;
  orderId: string;
}

export type IssueOutcome =
  | { state: "issued"; certificateId: string; renewedFrom: number | null }
  | { state: "validated"; names: string[] }
  | { state: "pending"; startedAt: number }
  | { state: "skipped"; reason: string }
  | { state: "failed"; error: AppErrorData };

export type RevokeOutcome = { ok: true; revokedAt: number } | { ok: false; error: AppErrorData };

/** The last finished job of an issuer: identical requests arriving soon after get its outcome. */
export interface FinishedJob {
  fingerprint: string;
  finishedAt: number;
  outcome: IssueOutcome;
}

export interface IssuerProgress {
  running: boolean;
  startedAt: number | null;
  last: FinishedJob | null;
}

/** What the per-certificate Durable Object (CertificateIssuer) answers over RPC. */
export interface CertificateIssuerRpc {
  /** Runs (or joins) the job and waits for it at most `waitMs`; past that the outcome is "pending". */
  issue(request: IssueRequest, waitMs: number): Promise<IssueOutcome>;
  revoke(teamId: string, certificateId: string, reason: number): Promise<RevokeOutcome>;
  progress(): Promise<IssuerProgress>;
  /** The project's certificate changed: deliver it to the project's deploy targets soon (from the object's alarm). */
  deliverSoon(projectId: string, trigger: string): Promise<void>;
  /** Tests only (refused, false, unless CERTDESK_ENV is "test"): reset the object once the next job saves `after`. */
  armCrash(after: OrderStep): Promise<boolean>;
}

/** The Durable Object that serializes work on one certificate: its project, or its set of names. */
export function issuerName(target: { teamId: string; projectId: string | null; names: string[] }): string {
  return target.projectId ? `project:${target.projectId}` : `team:${target.teamId}:${[...target.names].sort().join(",")}`;
}

/** Two requests that would produce the same certificate. */
export function requestFingerprint(request: IssueRequest): string {
  const { kind, names, challengeType, dnsProvider, dnsConnectionId, dnsDelegation, keySpec, directoryUrl, dryRun, profile, relay } = request;
  // A relayed order is its own job: another order's CSR (another client's key) must never be answered with this certificate.
  const relayedOrder = relay?.orderId;
  return JSON.stringify({ kind, names: [...names].sort(), challengeType, dnsProvider, dnsConnectionId, dnsDelegation, keySpec, directoryUrl, dryRun, profile, relayedOrder });
}
