/** The deploy sweep (each cron tick): targets whose project's certificate has not reached them, past their backoff. */
import { dueDeployTargets } from "../../store/deploy-targets";
import type { Deps } from "../deps";
import { type DeliveryOutcome, deliverToTarget } from "./deliver";

/**
 * Targets taken per tick. Each delivery is a few subrequests to its provider from the cron invocation (Workers allow
 * 50 on the free plan, 1000 on paid), so a tick stays well inside either.
 */
export const DEFAULT_DEPLOY_BATCH = 10;
/** Deliveries running at once: providers rate-limit per account, and a team's targets often share one. */
const CONCURRENCY = 4;

export interface DeploySweepResult {
  due: number;
  delivered: number;
  failed: number;
  ids: string[];
}

/**
 * Delivers to each target due at `asOf` (at most `batchSize`, the longest waiting first), a few at a time. A delivery
 * that throws (its failure could not even be recorded) counts as failed and holds back none of the others; its lease
 * runs out and a later tick takes it again.
 */
export async function sweepDueDeployments(deps: Deps, asOf: number, batchSize = DEFAULT_DEPLOY_BATCH): Promise<DeploySweepResult> {
  const due = await dueDeployTargets(deps.db, asOf, deps.clock.now(), batchSize);
  const outcomes: DeliveryOutcome["state"][] = [];
  for (let i = 0; i < due.length; i += CONCURRENCY) {
    const slice = due.slice(i, i + CONCURRENCY);
    const settled = await Promise.allSettled(slice.map((target) => deliverToTarget(deps, target.id, { trigger: "sweep" })));
    settled.forEach((result, index) => {
      if (result.status === "fulfilled") return void outcomes.push(result.value.state);
      const reason = result.reason instanceof Error ? result.reason.name : typeof result.reason;
      console.error(`deploy sweep: delivery to ${slice[index]!.id} threw ${reason}`);
      outcomes.push("failed");
    });
  }
  return {
    due: due.length,
    delivered: outcomes.filter((state) => state === "delivered").length,
    failed: outcomes.filter((state) => state === "failed").length,
    ids: due.map((target) => target.id),
  };
}
