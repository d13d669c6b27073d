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

/** Delivers to each target due at `asOf` (at most `batchSize`, the longest waiting first), a few at a time. */
export async function sweepDueDeployments(deps: Deps, asOf: number, batchSize = DEFAULT_DEPLOY_BATCH): Promise<DeploySweepResult> {
  const due = await dueDeployTargets(deps.db, asOf, deps.clock.now(), batchSize);
  const outcomes: DeliveryOutcome[] = [];
  for (let i = 0; i < due.length; i += CONCURRENCY) {
    const slice = due.slice(i, i + CONCURRENCY);
    outcomes.push(...(await Promise.all(slice.map((target) => deliverToTarget(deps, target.id, { trigger: "sweep" })))));
  }
  return {
    due: due.length,
    delivered: outcomes.filter((o) => o.state === "delivered").length,
    failed: outcomes.filter((o) => o.state === "failed").length,
    ids: due.map((target) => target.id),
  };
}
