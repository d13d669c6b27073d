/**
 * The issuance flow ("porcelain" over src/acme): order, prove control of every name, finalize
 * with a fresh key, download. Storage is the caller's business.
 */
import { AcmeProblem, AcmeTimeoutError, authorizationProblem, RETRY_POLICY, type AcmeClient } from "../acme";
import { AppError } from "../core/errors";
import { createCsr, exportPrivateKeyPem, generateCertificateKey, type CertificateKeySpec } from "../pki";
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
  /** Absolute deadline (ms) for the whole flow. */
  deadline: number;
}

export type IssuanceResult =
  | { dryRun: false; chainPem: string; privateKeyPem: string }
  | { dryRun: true; validated: string[] };

const challengeLabel = (type: ChallengeSolver["type"]) => type.toUpperCase();

/** Runs one order to completion or throws (AcmeProblem, AcmeNetworkError or AppError). */
export async function issueCertificate(client: AcmeClient, solver: ChallengeSolver, plan: IssuancePlan): Promise<IssuanceResult> {
  const order = await client.newOrder({
    identifiers: plan.names,
    ...(plan.replaces ? { replaces: plan.replaces } : {}),
    ...(plan.profile ? { profile: plan.profile } : {}),
  });
  const presented: ChallengeTask[] = [];
  try {
    const pending: { authorizationUrl: string; challengeUrl: string }[] = [];
    for (const url of order.authorizations) {
      const authorization = await client.getAuthorization(url);
      if (authorization.status === "valid") continue; // RFC 8555 §7.1.4: reused, already proven.
      if (authorization.status !== "pending") throw authorizationProblem(authorization);
      const challenge = authorization.challenges.find((c) => c.type === solver.type);
      if (!challenge?.token) {
        const why = authorization.wildcard ? " (wildcard names need dns-01)" : "";
        throw new AppError("bad_request", `The CA offers no ${solver.type} challenge for ${authorization.identifier.value}${why}`);
      }
      const keyAuthorization = await client.keyAuthorization(challenge.token);
      const task: ChallengeTask = {
        domain: authorization.identifier.value,
        token: challenge.token,
        keyAuthorization,
        dnsTxtValue: await client.dns01TxtValue(challenge.token),
      };
      await solver.present(task);
      presented.push(task);
      pending.push({ authorizationUrl: url, challengeUrl: challenge.url });
    }
    // RFC 8555 §7.5.1: answer only once every response is in place (and visible), then poll the authorizations.
    if (solver.settle && presented.length > 0) await solver.settle(presented);
    for (const p of pending) await client.respondToChallenge(p.challengeUrl);
    for (const p of pending) {
      try {
        await client.waitForAuthorization(p.authorizationUrl, { deadline: plan.deadline });
      } catch (error) {
        if (error instanceof AcmeProblem && !(error instanceof AcmeTimeoutError)) {
          throw challengeFailed(solver.type, error.detail, error.subproblems);
        }
        throw error;
      }
    }
  } finally {
    await Promise.allSettled(presented.map((task) => solver.cleanUp(task)));
  }
  if (plan.dryRun) return { dryRun: true, validated: plan.names };

  const ready = await client.waitForOrder(order.url, { deadline: plan.deadline });
  const keys = await generateCertificateKey(plan.keySpec);
  const csr = await createCsr(keys, plan.names);
  let finalized = ready.status === "valid" ? ready : await client.finalizeOrder(ready, csr);
  if (finalized.status !== "valid") finalized = await client.waitForOrder(order.url, { deadline: plan.deadline });
  // waitForOrder settles on "ready" too; after finalize the CA moves through processing to valid.
  while (finalized.status !== "valid") {
    if (Date.now() > plan.deadline) throw new AppError("ca_error", "The CA did not issue the certificate in time");
    await new Promise((r) => setTimeout(r, RETRY_POLICY.readyAfterFinalizePollMs));
    finalized = await client.getOrder(order.url);
  }
  if (!finalized.certificate) throw new AppError("ca_error", "The CA marked the order valid without a certificate URL");
  const chain = await client.downloadCertificate(finalized.certificate);
  return { dryRun: false, chainPem: chain.pem, privateKeyPem: await exportPrivateKeyPem(keys.privateKey) };
}

function challengeFailed(type: ChallengeSolver["type"], detail: string, subproblems: { detail?: string; identifier?: { value: string } }[]): AppError {
  const reasons = [detail, ...subproblems.map((s) => `${s.identifier?.value ?? ""}: ${s.detail ?? ""}`)].filter((s) => s.trim());
  const why = reasons.join("; ") || "Could not verify domain ownership";
  return new AppError("challenge_failed", `${challengeLabel(type)} challenge failed: ${why}`);
}
