/** The native API's deploy-target shapes: a target with where its delivery stands, and the status's short form. */
import { z } from "@hono/zod-openapi";
import { deployTargetKinds, shownDeploySettings } from "../../deploy/registry";
import { deploymentOf } from "../../services/deploy-targets/state";
import type { DeployTargetRow } from "../../store/deploy-targets";
import { recordTime } from "./wire-time";

const time = (instant: number | null) => (instant === null ? null : recordTime(instant));

const deploymentFields = {
  state: z
    .enum(["deployed", "pending", "failing", "no_certificate"])
    .describe("deployed: it holds the current certificate; pending: on its way; failing: the last attempt failed and is retried (what it held stays); no_certificate: nothing to deliver yet"),
  warning: z.string().nullable().describe("Set once delivery has failed for more than a day"),
  deployedSerial: z.string().nullable().describe("Serial (hex) of the certificate the target last received"),
  deployedAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastError: z.string().nullable().describe("Why the last attempt failed; null after a success"),
  failures: z.number().int().describe("Failed attempts in a row"),
  failingSince: z.string().nullable(),
  nextAttemptAt: z.string().nullable().describe("No automatic attempt before this time (the backoff after a failure)"),
};

export const deployTargetSchema = z
  .object({
    id: z.string(),
    kind: z.enum(deployTargetKinds),
    settings: z
      .record(z.string(), z.unknown())
      .describe("Where the certificate goes, as given, except that a push URL's query values are shown as [redacted] (credentials are never shown)"),
    remoteId: z.string().nullable().describe("The provider's id for what holds the certificate: custom hostname id, custom certificate id, ACM ARN, push URL"),
    ...deploymentFields,
    createdAt: z.string(),
  })
  .openapi("DeployTarget");

export const deploymentSchema = z
  .object({ targetId: z.string(), kind: z.enum(deployTargetKinds), ...deploymentFields })
  .openapi("Deployment");

type CurrentCertificate = { serial: string; state: string } | null;

function deploymentView(row: DeployTargetRow, certificate: CurrentCertificate, now: number) {
  const { state, warning } = deploymentOf(row, certificate, now);
  return {
    state,
    warning,
    deployedSerial: row.deployedSerial,
    deployedAt: time(row.deployedAt),
    lastAttemptAt: time(row.lastAttemptAt),
    lastError: row.lastError,
    failures: row.failures,
    failingSince: time(row.failingSince),
    nextAttemptAt: time(row.nextAttemptAt),
  };
}

export function deployTargetView(row: DeployTargetRow, certificate: CurrentCertificate, now: number): z.infer<typeof deployTargetSchema> {
  return {
    id: row.id,
    kind: row.kind as z.infer<typeof deployTargetSchema>["kind"],
    settings: shownDeploySettings(row.kind, row.settings),
    remoteId: row.remoteId,
    ...deploymentView(row, certificate, now),
    createdAt: recordTime(row.createdAt),
  };
}

/** One line per target in `GET …/certificate/status`. */
export function deploymentsView(rows: DeployTargetRow[], certificate: CurrentCertificate, now: number): z.infer<typeof deploymentSchema>[] {
  return rows.map((row) => ({ targetId: row.id, kind: row.kind as z.infer<typeof deploymentSchema>["kind"], ...deploymentView(row, certificate, now) }));
}
