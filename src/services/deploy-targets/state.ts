/** Where a deploy target stands against the project's certificate: one rule for listings and the certificate's status. */
import type { DeployTargetRow } from "../../store/deploy-targets";
import { FAILING_TOO_LONG_MS } from "./backoff";

export type DeploymentState =
  /** The target holds the project's current certificate. */
  | "deployed"
  /** The current certificate has not reached it yet, and nothing has failed. */
  | "pending"
  /** The last attempt failed; the next is scheduled (`nextAttemptAt`). What it held before stays there. */
  | "failing"
  /** The project has no active certificate to deliver. */
  | "no_certificate";

export interface Deployment {
  state: DeploymentState;
  /** Set when the target has failed for more than a day: what a person should read first. */
  warning: string | null;
}

export function deploymentOf(
  target: Pick<DeployTargetRow, "deployedSerial" | "failures" | "failingSince">,
  certificate: { serial: string; state: string } | null,
  now: number,
): Deployment {
  const failingFor = target.failingSince === null ? 0 : now - target.failingSince;
  const warning =
    target.failures > 0 && failingFor >= FAILING_TOO_LONG_MS
      ? `Delivery has failed for ${Math.floor(failingFor / 3_600_000 / 24)} day(s) (${target.failures} attempts)` +
        (target.deployedSerial ? `; the target still holds serial ${target.deployedSerial}` : "; the target holds no certificate from this service")
      : null;
  if (!certificate || certificate.state !== "active") return { state: "no_certificate", warning };
  if (target.deployedSerial === certificate.serial) return { state: "deployed", warning: null };
  return { state: target.failures > 0 ? "failing" : "pending", warning };
}
