/**
 * A `relay` directory's finalize: the client's CSR goes to the public CA (ACME_DIRECTORY_URL, then the fallbacks) on
 * the team's own ACME account, through the certificate's issuer (the Durable Object that runs every obtain), which
 * proves control over http-01 (the challenge route) or dns-01 (the directory's DNS connection or the delegation zone).
 * The order is `processing` meanwhile (RFC 8555 §7.4: the client polls it); the issuer settles it when the job ends:
 * `valid` with the public CA's chain stored as a team certificate holding no key, or `invalid` with an ACME problem.
 */
import { AcmeServerProblem, type AcmeProblemType, problemDocument } from "../../acme-server/problems";
import { AppError, type AppErrorData, type ErrorCode } from "../../core/errors";
import type { Database } from "../../db/client";
import { type IssueOutcome, type IssueRequest, issuerName } from "../../issuance/issue-request";
import type { CertificateKeySpec } from "../../pki";
import type { AcmeServerAccountRow } from "../../store/acme-server-accounts";
import { acmeOrderStatusIs, type AcmeOrderRow, moveOrder, orderById } from "../../store/acme-server-orders";
import type { Deps } from "../deps";
import { certificateSerialHex } from "./certificates";
import { accountActor, type AcmeServerContext } from "./context";
import { finalizableCsr } from "./finalize";

/** How long finalize waits for the public CA before answering `processing` (the job goes on in the issuer; clients poll). */
const RELAY_WAIT_MS = 5_000;

/** The issuer's failures as the ACME problems a client of ours understands; anything else is `serverInternal`. */
const RELAY_PROBLEMS: Partial<Record<ErrorCode, AcmeProblemType>> = {
  // The public CA could not validate the name through us (a CNAME or route not in place).
  challenge_failed: "unauthorized",
  // The public CA refused the names (its rejectedIdentifier, CAA), or CAA refused them before any order.
  bad_request: "rejectedIdentifier",
  // The team gave a name up while the order waited.
  domain_not_configured: "rejectedIdentifier",
  // The directory's DNS connection is gone.
  validation_failed: "unauthorized",
  rate_limited: "rateLimited",
};

/** The problem document a failed relay leaves on the order (RFC 8555 §7.1.3 `error`). */
export function relayProblem(error: AppErrorData): AcmeServerProblem {
  const type = RELAY_PROBLEMS[error.code] ?? "serverInternal";
  const detail = error.code === "internal" ? "issuance at the public CA failed unexpectedly" : `the public CA did not issue the certificate: ${error.message}`;
  return new AcmeServerProblem(type, detail.slice(0, 1000), error.retryAfter !== undefined ? { retryAfterSeconds: error.retryAfter } : {});
}

/** What the CSR's key is, as issuance records it (relayed certificates are renewed by their client, never here). */
function keySpecOf(key: CryptoKey): CertificateKeySpec {
  const algorithm = key.algorithm as KeyAlgorithm & { namedCurve?: string; modulusLength?: number };
  if (algorithm.name === "ECDSA") return { keyType: "ec", curve: algorithm.namedCurve === "P-384" ? "P-384" : "P-256" };
  const size = algorithm.modulusLength;
  return { keyType: "rsa", keySize: size === 4096 ? 4096 : size === 3072 ? 3072 : 2048 };
}

/**
 * Settles the relayed order when its job ended (called by the issuer, and by finalize when the hand-off itself failed):
 * guarded moves from `processing`, so a late or repeated call changes nothing. Never throws: the order then expires.
 */
export async function settleRelayedOrder(db: Database, request: IssueRequest, outcome: IssueOutcome, now = Date.now()): Promise<void> {
  const relay = request.relay;
  if (!relay || outcome.state === "pending") return;
  try {
    if (outcome.state === "issued") {
      const row = await db.query.certificates.findFirst({ where: (t, { eq }) => eq(t.id, outcome.certificateId) });
      if (row) {
        await moveOrder(db, relay.orderId, "processing", { status: "valid", certificateId: row.id, certificateSerial: certificateSerialHex(row.certificatePem), updatedAt: now });
        return;
      }
    }
    const error = outcome.state === "failed" ? outcome.error : new AppError("internal", "the relayed order ended without a certificate").toData();
    await moveOrder(db, relay.orderId, "processing", { status: "invalid", error: { ...problemDocument(relayProblem(error)) }, updatedAt: now });
  } catch (error) {
    console.error(`acme relay: order ${relay.orderId} not settled: ${error instanceof Error ? error.name : typeof error}`);
  }
}

/**
 * Finalize of a relay directory's order: the CSR checked as for a private one, the order moved ready → processing
 * (audited), and the job handed to the names' issuer. Answers the order as it then stands: `valid` when the public CA
 * was quick, else `processing` (the client polls; RFC 8555 §7.4).
 */
export async function finalizeRelayedOrder(deps: Deps, ctx: AcmeServerContext, account: AcmeServerAccountRow, order: AcmeOrderRow, payload: unknown): Promise<AcmeOrderRow> {
  const issuer = ctx.directory.issuer;
  if (issuer.type !== "relay") throw new AcmeServerProblem("unauthorized", "this directory's issuer is not available");
  const { csr, request: asked } = await finalizableCsr(ctx, account, order, payload, issuer.challengeType === "dns-01");
  // Fair use: every relayed order reaches the public CA, whose limits all teams share.
  try {
    await deps.limits.takeCaCall(order.teamId);
  } catch (error) {
    if (error instanceof AppError && error.code === "rate_limited") throw new AcmeServerProblem("rateLimited", error.message, error.retryAfter !== undefined ? { retryAfterSeconds: error.retryAfter } : {});
    throw error;
  }
  const names = order.identifiers.map((identifier) => identifier.value);
  const [moved] = (await ctx.commitAs(accountActor(account.id))({
    teamId: order.teamId,
    statements: [moveOrder(ctx.db, order.id, "ready", { status: "processing", updatedAt: ctx.now })],
    target: order.id,
    detail: { directoryId: ctx.directory.id, relay: true, names, challengeType: issuer.challengeType },
    recordIf: { holds: acmeOrderStatusIs(order.id, "processing"), checked: "after" },
  })) as [AcmeOrderRow[]];
  if (moved.length === 0) throw new AcmeServerProblem("orderNotReady", "the order is being finalized by another request");

  const { config } = deps;
  const request: IssueRequest = {
    kind: "obtain",
    teamId: order.teamId,
    projectId: null,
    names,
    challengeType: issuer.challengeType,
    ...(issuer.dnsConnectionId ? { dnsConnectionId: issuer.dnsConnectionId } : {}),
    ...(issuer.dnsDelegation ? { dnsDelegation: true } : {}),
    keySpec: keySpecOf(asked.publicKey),
    email: null,
    directoryUrl: config.ACME_DIRECTORY_URL,
    staging: false,
    dryRun: false,
    autoRenew: false,
    relay: { csr, directoryId: ctx.directory.id, orderId: order.id },
  };
  let outcome: IssueOutcome;
  try {
    outcome = await deps.issuer(issuerName(request)).issue(request, Math.min(RELAY_WAIT_MS, config.ISSUANCE_WAIT_SECONDS * 1000));
  } catch (error) {
    // An issuer reset under the call keeps the job (its alarm resumes it); anything else leaves nothing running.
    const reset = error as { durableObjectReset?: boolean; retryable?: boolean };
    if (reset.durableObjectReset || reset.retryable) outcome = { state: "pending", startedAt: ctx.now };
    else {
      console.error(`acme relay: order ${order.id} not handed over: ${error instanceof Error ? error.name : typeof error}`);
      outcome = { state: "failed", error: error instanceof AppError ? error.toData() : new AppError("internal", "hand-off failed").toData() };
    }
  }
  // The issuer settled it already when the job ended within the wait; this only covers a hand-off that failed.
  await settleRelayedOrder(ctx.db, request, outcome, deps.clock.now());
  return (await orderById(ctx.db, order.id)) ?? moved[0]!;
}
