/**
 * One delivery: the project's current certificate and its key to one deploy target, under the target's lease. The
 * certificate in this service is never touched here; a failure only schedules the next attempt, and whatever the
 * target held before stays deployed there.
 */
import { AppError } from "../../core/errors";
import { newId } from "../../core/ids";
import { bytesToHex, sha256 } from "../../crypto/encoding";
import { unseal } from "../../crypto/sealing";
import { responseLimitOf } from "../../outbound/bounded-body";
import { redactDeliverySecrets } from "../../outbound/secret-redaction";
import { deployTargetEntry } from "../../deploy/registry";
import type { DeployBundle, DeployTarget } from "../../deploy/target";
import type { DeployTargetEntry } from "../../deploy/target-entry";
import { auditInsert } from "../../store/audit-log";
import { coversName } from "../../pki/name-coverage";
import type { CertificateRow } from "../../store/certificates";
import {
  type DeployTargetRow,
  leaseDeployTarget,
  openDeployCredentials,
  recordDelivered,
  recordDeliveryFailure,
  releaseDeployTarget,
} from "../../store/deploy-targets";
import { certificateOf } from "../certificates/lookup";
import { projectOwner } from "../certificates/owner";
import type { Deps } from "../deps";
import { emitCertificateEvent } from "../webhooks/emit";
import { nextDeliveryAttempt } from "./backoff";

/** How long one delivery holds its target: a few provider calls, each bounded by its 15 s timeout. */
const LEASE_MS = 2 * 60_000;

/** What the audit log calls a delivery, and who made it (no token: the service delivers on its own schedule). */
export const DELIVERY_ACTION = "DELIVER deploy target";
export const DELIVERY_ACTOR = "deployer";

export type DeliveryOutcome =
  | { state: "delivered"; serial: string }
  /** The target already holds the current certificate. */
  | { state: "up_to_date"; serial: string }
  | { state: "no_certificate" }
  /** Another delivery to this target is running; it will deliver the current certificate. */
  | { state: "busy" }
  | { state: "failed"; error: string; nextAttemptAt: number }
  /** The target was deleted meanwhile. */
  | { state: "gone" };

export interface DeliveryOptions {
  /** Deliver even when the target already holds this serial (a person asking to push it again). */
  force?: boolean;
  /** Why this delivery runs, for the audit row: "issued", "uploaded", "created", "sweep", "manual". */
  trigger: string;
}

/** What a failure's message must never show: the target's credentials and the key being delivered, once opened. */
interface Unsayable {
  secrets: string[];
  privateKeyPem?: string;
}

/**
 * Failures the target's settings or this service cause say so; a provider's own message is already an AppError. Either
 * is scrubbed once more of the credentials and the delivered key (outbound/secret-redaction.ts): whatever the adapter
 * let through, nothing of them reaches `lastError`, the status or `certificate.deployment_failed`.
 */
function failureMessage(caught: unknown, entry: DeployTargetEntry | undefined, unsayable: Unsayable): { message: string; retryAfter?: number } {
  if (caught instanceof AppError) {
    const message = redactDeliverySecrets(caught.message, unsayable.secrets, unsayable.privateKeyPem);
    return { message, ...(caught.retryAfter === undefined ? {} : { retryAfter: caught.retryAfter }) };
  }
  // Never the cause's text: a transport or library error can carry request details, credentials included.
  console.error(`deploy target delivery failed: ${caught instanceof Error ? caught.name : typeof caught}`);
  return { message: `Internal error while delivering to ${entry?.label ?? "the target"}` };
}

/**
 * The id a receiver sees (Standard Webhooks' `webhook-id`): the same on every automatic retry of this certificate to
 * this target, so a receiver can drop duplicates; a push someone forces is a new message, with an id of its own.
 */
async function deliveryId(targetId: string, serial: string, forcedAs: string | null): Promise<string> {
  const message = forcedAs === null ? `${targetId}:${serial}` : `${targetId}:${serial}:${forcedAs}`;
  return `dlv_${bytesToHex(await sha256(message)).slice(0, 32)}`;
}

function bundleOf(row: CertificateRow, privateKeyPem: string): DeployBundle {
  return {
    certificateId: row.id,
    names: row.names,
    serial: row.serial,
    fingerprint: row.fingerprint,
    keyType: row.keyType,
    issuedAt: row.issuedAt,
    expiresAt: row.expiresAt,
    certificatePem: row.certificatePem,
    chainPem: row.chainPem,
    privateKeyPem,
  };
}

interface OpenedTarget {
  requiredNames: string[];
  /** The credentials' strings, for scrubbing. */
  secrets: string[];
  /** The target as its registry entry builds it, told which key it delivers so that it scrubs that too. */
  build(deliveredKeyPem: string): DeployTarget;
}

/** The target's stored settings parsed and its credentials opened. */
async function openTarget(deps: Deps, entry: DeployTargetEntry, target: DeployTargetRow): Promise<OpenedTarget> {
  const { config } = deps;
  const settings = entry.settings.parse(target.settings);
  const credentials = entry.credentials.parse(await openDeployCredentials(config.ENCRYPTION_KEY, target));
  const baseUrl = entry.apiName === null ? undefined : config.DEPLOY_API_BASE_URLS[entry.apiName];
  return {
    requiredNames: entry.requiredNames(settings),
    secrets: Object.values(credentials).filter((value): value is string => typeof value === "string" && value.length >= 4),
    build: (deliveredKeyPem) =>
      entry.create(settings, credentials, {
        ...(deps.deployFetch ? { fetch: deps.deployFetch } : {}),
        ...(baseUrl ? { baseUrl } : {}),
        now: () => deps.clock.now(),
        responseLimitBytes: responseLimitOf(config),
        deliveredKeyPem,
        allowInsecurePush: config.CERTDESK_ENV !== "production",
        ...(config.DOH_RESOLVER_URL === "none" ? {} : { resolverUrl: config.DOH_RESOLVER_URL }),
      }),
  };
}

/** Refuses a certificate the target cannot serve (a custom hostname it does not cover) before anything is sent. */
function requireCoverage(entry: DeployTargetEntry, certificate: CertificateRow, requiredNames: string[]): void {
  const missing = requiredNames.filter((name) => !coversName(certificate.names, name));
  if (missing.length > 0) {
    throw new AppError(
      "deploy_target_error",
      `${entry.label}: the certificate (${certificate.names.join(", ")}) does not cover ${missing.join(", ")}; obtain or upload one that does`,
      { retryable: false },
    );
  }
}

/**
 * Delivers the project's current certificate to target `targetId`, unless another delivery holds it or it already has
 * that certificate. The audit row is written before the key leaves: a delivery that cannot be recorded does not happen.
 */
export async function deliverToTarget(deps: Deps, targetId: string, options: DeliveryOptions, round = 0): Promise<DeliveryOutcome> {
  const { db, config, clock } = deps;
  const leaseId = newId("lease");
  const leasedAt = clock.now();
  const target = await leaseDeployTarget(db, targetId, leaseId, leasedAt, leasedAt + LEASE_MS);
  if (!target) return (await db.query.deployTargets.findFirst({ where: (t, { eq }) => eq(t.id, targetId) })) ? { state: "busy" } : { state: "gone" };

  const certificate = await certificateOf(db, projectOwner({ id: target.projectId, teamId: target.teamId }));
  if (!certificate || certificate.state !== "active") {
    await releaseDeployTarget(db, target.id, leaseId);
    return { state: "no_certificate" };
  }
  const forced = options.force === true && target.deployedSerial === certificate.serial;
  if (target.deployedSerial === certificate.serial && !options.force) {
    await releaseDeployTarget(db, target.id, leaseId);
    return { state: "up_to_date", serial: certificate.serial };
  }

  const entry = deployTargetEntry(target.kind);
  const unsayable: Unsayable = { secrets: [] };
  try {
    if (!entry) throw new AppError("deploy_target_error", `Unknown deploy target kind ${target.kind}`, { retryable: false });
    const opened = await openTarget(deps, entry, target);
    unsayable.secrets = opened.secrets;
    requireCoverage(entry, certificate, opened.requiredNames);
    const privateKeyPem = await unseal(config.ENCRYPTION_KEY, certificate.sealedKey, certificate.id);
    unsayable.privateKeyPem = privateKeyPem;
    const adapter = opened.build(privateKeyPem);
    await auditInsert(
      db,
      {
        teamId: target.teamId,
        actor: DELIVERY_ACTOR,
        action: DELIVERY_ACTION,
        target: certificate.id,
        detail: { targetId: target.id, kind: target.kind, projectId: target.projectId, serial: certificate.serial, trigger: options.trigger },
      },
      clock.now(),
    );
    const result = await adapter.deploy(bundleOf(certificate, privateKeyPem), { remoteId: target.remoteId }, {
      deliveryId: await deliveryId(target.id, certificate.serial, forced ? leaseId : null),
      targetId: target.id,
    });
    await recordDelivered(db, target.id, leaseId, { remoteId: result.remoteId, serial: certificate.serial, at: clock.now() });
    await emitCertificateEvent(deps, "certificate.deployed", certificate, { deployTargetId: target.id, deployTargetKind: target.kind, trigger: options.trigger });
  } catch (caught) {
    const failure = failureMessage(caught, entry, unsayable);
    const at = clock.now();
    const nextAttemptAt = nextDeliveryAttempt(target.failures + 1, at, failure.retryAfter);
    await recordDeliveryFailure(db, target, leaseId, { error: failure.message, at, nextAttemptAt });
    // Webhooks hear of the first failure of a run, not of every retry (the target's state shows the rest).
    if (target.failures === 0) await emitCertificateEvent(deps, "certificate.deployment_failed", certificate, { deployTargetId: target.id, deployTargetKind: target.kind, error: failure.message, nextAttemptAt: new Date(nextAttemptAt).toISOString() });
    return { state: "failed", error: failure.message, nextAttemptAt };
  }
  // A renewal stored while this delivery ran: deliver that one too, now that the lease is free.
  if (round < 2) {
    const next = await deliverToTarget(deps, targetId, { ...options, force: false }, round + 1);
    if (next.state === "delivered" || next.state === "failed") return next;
  }
  return { state: "delivered", serial: certificate.serial };
}

/** Delivers the project's current certificate to each of its targets, side by side; one failing target holds back none. */
export async function deliverToProjectTargets(deps: Deps, projectId: string, trigger: string): Promise<DeliveryOutcome[]> {
  const targets = await deps.db.query.deployTargets.findMany({ where: (t, { eq }) => eq(t.projectId, projectId), columns: { id: true } });
  return Promise.all(targets.map((target) => deliverToTarget(deps, target.id, { trigger })));
}
