/** Tells the project's certificate issuer that the certificate changed outside it (an upload), so its targets get it soon. */
import { issuerName } from "../../issuance/issue-request";
import { hasDeployTargets } from "../../store/deploy-targets";
import type { Deps } from "../deps";

/**
 * Hands the delivery to the project's Durable Object, which runs it from its alarm after this request has answered.
 * Never fails the change that called it: the cron's deploy sweep delivers whatever this could not hand off.
 */
export async function deliverAfterChange(deps: Deps, project: { id: string; teamId: string }, trigger: string): Promise<void> {
  if (!(await hasDeployTargets(deps.db, project.id))) return;
  try {
    await deps.issuer(issuerName({ teamId: project.teamId, projectId: project.id, names: [] })).deliverSoon(project.id, trigger);
  } catch (error) {
    console.error(`deploy hand-off for project ${project.id} failed: ${error instanceof Error ? error.name : typeof error}`);
  }
}
