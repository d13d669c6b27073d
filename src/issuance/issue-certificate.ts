/**
 * The issuance flow ("porcelain" over src/acme): order, prove control of every name, finalize
 * with a fresh key (or the CSR given), download. Storage is the caller's business.
 */
import { AcmeProblem, AcmeTimeoutError, authorizationProblem, isUnanswered, RETRY_POLICY, type AcmeClient, type AcmeOrder } from "../acme";
import { AppError } from "../core/errors";
import { base64ToBytes, bytesToBase64 } from "../crypto/encoding";
import { createCsr, exportPrivateKeyPem, generateCertificateKey, type CertificateKeySpec } from "../pki";
import { type CheckpointStore, noCheckpoints, type OrderCheckpoint } from "./order-checkpoint";
import type { ChallengeSolver, ChallengeTask } from "./solver";

export interface IssuancePlan {
  names: string[];
  keySpec: CertificateKeySpec;
  /** Validate every name with the CA, then stop before finalizing: nothing is issued. */
  dryRun: boolean;
  /** RFC 9773 §5: the ARI identifier of the certificate being replaced (renewals). */
  replaces?: string;
  /** draft-ietf-acme-profiles: the profile to order under. */
  profile?: string;
  /** Finalize with this CSR (base64 DER, its key held elsewhere) instead of a fresh key: no key is made. */
  csr?: string;
  /** Absolute deadline (ms) for the whole flow. */
  deadline: number;
  /** Runs just before a new order is placed (not for a resumed one): the CA's order budget is spent here. */
  beforeNewOrder?: () => Promise<void>;
  /**
   * Runs when newOrder failed before reaching the CA (no attempt answered: the connection failed or timed out), so no
   * order can exist there: what `beforeNewOrder` spent is given back. Not for an answer, a 5xx or a refusal included.
   */
  newOrderUnanswered?: () => Promise<void>;
}

export type IssuanceResult =
  | { dryRun: false; chainPem: string; privateKeyPem: string | null }
  | { dryRun: true; validated: string[] };

const challengeLabel = (type: ChallengeSolver["type"]) => type.toUpperCase();

/**
 * Runs one order to completion or throws (AcmeProblem, AcmeNetworkError or AppError). With `checkpoints`, each step is
 * saved as it happens and a saved order is resumed where it stood: an evicted job makes no second order.
 */
export async function issueCertificate(
  client: AcmeClient,
  solver: ChallengeSolver,
  plan: IssuancePlan,
  checkpoints: CheckpointStore = noCheckpoints,
): Promise<IssuanceResult> {
  const resumed = await resumeOrder(client, solver, checkpoints);
  if (!resumed) await plan.beforeNewOrder?.();
  const order = resumed?.order ?? (await placeOrder(client, plan));
  const checkpoint: OrderCheckpoint = resumed?.checkpoint ?? { orderUrl: order.url, step: "ordered", presented: [] };
  if (!resumed) await checkpoints.save(checkpoint);
  try {
    if (order.status === "pending") await proveControl(client, solver, plan, order.authorizations, checkpoint, checkpoints);
  } finally {
    await Promise.allSettled(checkpoint.presented.map((task) => solver.cleanUp(task)));
    if (checkpoint.presented.length > 0) {
      checkpoint.presented = [];
      await checkpoints.save(checkpoint);
    }
  }
  if (plan.dryRun) return { dryRun: true, validated: plan.names };
  return finalizeAndDownload(client, plan, order.url, checkpoint, checkpoints);
}

/** RFC 8555 §7.4 newOrder; one that never reached the CA runs `newOrderUnanswered` before its error is thrown. */
async function placeOrder(client: AcmeClient, plan: IssuancePlan): Promise<AcmeOrder> {
  try {
    return await client.newOrder({
      identifiers: plan.names,
      ...(plan.replaces ? { replaces: plan.replaces } : {}),
      ...(plan.profile ? { profile: plan.profile } : {}),
    });
  } catch (error) {
    if (isUnanswered(error)) await plan.newOrderUnanswered?.();
    throw error;
  }
}

/**
 * The saved order, if there is one the CA still takes forward; otherwise whatever it left in place is removed and the
 * checkpoint dropped, so a new order starts clean.
 */
async function resumeOrder(
  client: AcmeClient,
  solver: ChallengeSolver,
  checkpoints: CheckpointStore,
): Promise<{ order: AcmeOrder; checkpoint: OrderCheckpoint } | null> {
  const saved = await checkpoints.load();
  if (!saved) return null;
  let order: AcmeOrder | null = null;
  try {
    order = await client.getOrder(saved.orderUrl);
  } catch (error) {
    // The CA no longer serves it (expired, another account's): start over. Network failures propagate and retry.
    if (!(error instanceof AcmeProblem)) throw error;
  }
  if (order && order.status !== "invalid") return { order, checkpoint: saved };
  await Promise.allSettled(saved.presented.map((task) => solver.cleanUp(task)));
  await checkpoints.clear();
  return null;
}

/**
 * Every authorization of the order proven: each pending challenge's answer saved, presented, settled, then answered
 * (RFC 8555 §7.5.1: only once every response is in place), and every authorization polled to `valid`. A challenge
 * already answered before a restart is only waited for.
 */
async function proveControl(
  client: AcmeClient,
  solver: ChallengeSolver,
  plan: IssuancePlan,
  authorizations: readonly string[],
  checkpoint: OrderCheckpoint,
  checkpoints: CheckpointStore,
): Promise<void> {
  const toAnswer: string[] = [];
  const toWaitFor: string[] = [];
  const presentedNow: ChallengeTask[] = [];
  for (const url of authorizations) {
    const authorization = await client.getAuthorization(url);
    if (authorization.status === "valid") continue; // RFC 8555 §7.1.4: reused, already proven.
    if (authorization.status !== "pending") throw authorizationProblem(authorization);
    const challenge = authorization.challenges.find((c) => c.type === solver.type);
    if (!challenge?.token) {
      const why = authorization.wildcard ? " (wildcard names need dns-01)" : "";
      throw new AppError("bad_request", `The CA offers no ${solver.type} challenge for ${authorization.identifier.value}${why}`);
    }
    toWaitFor.push(url);
    if (challenge.status !== "pending") continue; // answered before a restart: the CA is validating it
    const task: ChallengeTask = {
      domain: authorization.identifier.value,
      token: challenge.token,
      keyAuthorization: await client.keyAuthorization(challenge.token),
      dnsTxtValue: await client.dns01TxtValue(challenge.token),
    };
    // Saved before it is presented: a crash in between still knows what to remove.
    if (!checkpoint.presented.some((t) => t.token === task.token)) {
      checkpoint.presented.push(task);
      checkpoint.step = "presenting";
      await checkpoints.save(checkpoint);
    }
    await solver.present(task);
    presentedNow.push(task);
    toAnswer.push(challenge.url);
  }
  if (solver.settle && presentedNow.length > 0) await solver.settle(presentedNow);
  for (const url of toAnswer) await client.respondToChallenge(url);
  if (toAnswer.length > 0) {
    checkpoint.step = "answered";
    await checkpoints.save(checkpoint);
  }
  for (const url of toWaitFor) {
    try {
      await client.waitForAuthorization(url, { deadline: plan.deadline });
    } catch (error) {
      if (error instanceof AcmeProblem && !(error instanceof AcmeTimeoutError)) {
        throw challengeFailed(solver.type, error.detail, error.subproblems);
      }
      throw error;
    }
  }
}

/**
 * Finalize with a fresh key (RFC 8555 §7.4), or the plan's CSR, and download the chain. The key and the CSR are saved
 * before finalize is sent: resumed after finalize, the order is `processing` or `valid` and its certificate is this
 * key's; still `ready`, the same CSR is sent again.
 */
async function finalizeAndDownload(
  client: AcmeClient,
  plan: IssuancePlan,
  orderUrl: string,
  checkpoint: OrderCheckpoint,
  checkpoints: CheckpointStore,
): Promise<IssuanceResult> {
  let order = await client.waitForOrder(orderUrl, { deadline: plan.deadline });
  if (order.status === "ready") {
    let csr = checkpoint.csrBase64;
    if (plan.csr ? csr !== plan.csr : !checkpoint.privateKeyPem || !csr) {
      if (plan.csr) {
        csr = plan.csr;
      } else {
        const keys = await generateCertificateKey(plan.keySpec);
        checkpoint.privateKeyPem = await exportPrivateKeyPem(keys.privateKey);
        csr = bytesToBase64(await createCsr(keys, plan.names));
      }
      checkpoint.csrBase64 = csr;
      checkpoint.step = "finalizing";
      await checkpoints.save(checkpoint);
    }
    order = await client.finalizeOrder(order, base64ToBytes(csr!));
    checkpoint.step = "finalized";
    await checkpoints.save(checkpoint);
    if (order.status !== "valid") order = await client.waitForOrder(orderUrl, { deadline: plan.deadline });
  }
  // waitForOrder settles on "ready" too; after finalize the CA moves through processing to valid.
  while (order.status !== "valid") {
    if (Date.now() > plan.deadline) throw new AppError("ca_error", "The CA did not issue the certificate in time");
    await new Promise((r) => setTimeout(r, RETRY_POLICY.readyAfterFinalizePollMs));
    order = await client.getOrder(orderUrl);
  }
  if (!order.certificate) throw new AppError("ca_error", "The CA marked the order valid without a certificate URL");
  // Valid before this job made a key (an order finalized by a job whose checkpoint was lost): its key is gone.
  // With a CSR given, the caller checks that the certificate is for its key.
  if (!checkpoint.privateKeyPem && !plan.csr) throw new AppError("ca_error", "The order was finalized with a key this job does not hold; order again");
  const chain = await client.downloadCertificate(order.certificate);
  return { dryRun: false, chainPem: chain.pem, privateKeyPem: checkpoint.privateKeyPem ?? null };
}

function challengeFailed(type: ChallengeSolver["type"], detail: string, subproblems: { detail?: string; identifier?: { value: string } }[]): AppError {
  const reasons = [detail, ...subproblems.map((s) => `${s.identifier?.value ?? ""}: ${s.detail ?? ""}`)].filter((s) => s.trim());
  const why = reasons.join("; ") || "Could not verify domain ownership";
  return new AppError("challenge_failed", `${challengeLabel(type)} challenge failed: ${why}`);
}
