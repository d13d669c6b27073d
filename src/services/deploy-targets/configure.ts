/**
 * A project's deploy targets: add one (settings checked, credentials sealed and never shown again), list them, remove
 * one. A target cannot be edited: a token that may only manage projects must not be able to redirect where a private
 * key goes, so changing a target means removing it and adding another, which takes `certificates:export`.
 */
import type { z } from "zod";
import { AppError } from "../../core/errors";
import { newId } from "../../core/ids";
import type { Database } from "../../db/client";
import { deployTargetEntry, shownDeploySettings } from "../../deploy/registry";
import type { DeployTargetEntry } from "../../deploy/target-entry";
import { coversName } from "../../pki/name-coverage";
import { type DeployTargetRow, deleteDeployTargetStatement, deployTargetOf, deployTargetsOf, insertDeployTargetUnder, sealDeployCredentials } from "../../store/deploy-targets";
import { certificateOf } from "../certificates/lookup";
import { projectOwner } from "../certificates/owner";
import type { Deps } from "../deps";
import { limitReached } from "../limits/quota";
import type { ProjectRow } from "../projects";
import type { CommitChange } from "../change";

export interface NewDeployTarget {
  kind: string;
  settings: unknown;
  /** Absent for an HTTPS push: a signing secret is made and shown once. */
  credentials?: unknown;
}

export interface CreatedDeployTarget {
  row: DeployTargetRow;
  /** Credentials this service made (an HTTPS push's signing secret): shown in the creation answer only, never again. */
  generatedCredentials: Record<string, unknown> | null;
}

/** Parses `input` with `schema`, or a 400 naming the first field at fault (`settings.zoneId: …`), never its value. */
function parseFields<S extends z.ZodObject>(schema: S, input: unknown, param: string, label: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [param, ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") {
    const field = `${path}.${issue.keys[0] ?? ""}`;
    throw new AppError("validation_failed", `${field}: Unknown field for a ${label} target (expected ${Object.keys(schema.shape).join(", ")})`, {
      param: field,
    });
  }
  throw new AppError("validation_failed", `${path}: ${issue.message}`, { param: path });
}

/** A push target's URL, checked as its delivery will check it (a local run may push to http://127.0.0.1). */
function requireSettingsAllowed(entry: DeployTargetEntry, settings: Record<string, unknown>, deps: Deps): void {
  const problem = entry.settingsProblem?.(settings, { allowInsecurePush: deps.config.CERTDESK_ENV !== "production" });
  if (problem) throw new AppError("validation_failed", `settings.${problem.field}: ${problem.message}`, { param: `settings.${problem.field}` });
}

/** The names the target serves must be the project's: covered by its certificate, or its domain before it has one. */
async function requireProjectNames(db: Database, project: ProjectRow, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const certificate = await certificateOf(db, projectOwner(project));
  const held = certificate ? certificate.names : project.domain ? [project.domain] : [];
  const outside = names.filter((name) => !coversName(held, name) && !(certificate === null && name === project.domain));
  if (outside.length > 0) {
    const what = certificate ? `the project's certificate (${held.join(", ")})` : project.domain ? `the project's domain ${project.domain}` : "the project (it has no domain)";
    throw new AppError("domain_mismatch", `settings.hostname: ${outside.join(", ")} is not covered by ${what}`, { param: "settings.hostname" });
  }
}


export async function createDeployTarget(deps: Deps, project: ProjectRow, input: NewDeployTarget, commit: CommitChange): Promise<CreatedDeployTarget> {
  const { db, config, clock } = deps;
  const entry = deployTargetEntry(input.kind);
  if (!entry) throw new AppError("validation_failed", `kind: Unknown deploy target kind ${input.kind}`, { param: "kind" });
  const settings = parseFields(entry.settings, input.settings, "settings", entry.label) as Record<string, unknown>;
  requireSettingsAllowed(entry, settings, deps);
  const generated = input.credentials === undefined && entry.generateCredentials ? entry.generateCredentials() : null;
  const credentials = parseFields(entry.credentials, generated ?? input.credentials, "credentials", entry.label) as Record<string, unknown>;
  await requireProjectNames(db, project, entry.requiredNames(settings));

  const now = clock.now();
  const id = newId("dtg");
  const row: DeployTargetRow = {
    id,
    teamId: project.teamId,
    projectId: project.id,
    kind: entry.kind,
    settings,
    sealedCredentials: await sealDeployCredentials(config.ENCRYPTION_KEY, id, credentials),
    remoteId: null,
    deployedSerial: null,
    deployedAt: null,
    lastAttemptAt: null,
    lastError: null,
    failures: 0,
    failingSince: null,
    nextAttemptAt: null,
    leaseId: null,
    leaseUntil: null,
    createdAt: now,
    updatedAt: now,
  };
  const max = config.DEPLOY_TARGETS_PER_PROJECT;
  const [inserted] = (await commit({
    teamId: project.teamId,
    statements: [insertDeployTargetUnder(db, row, max)],
    target: id,
    // Public settings only, as the API shows them: the credentials are in no log.
    detail: { projectId: project.id, kind: entry.kind, settings: shownDeploySettings(entry.kind, settings) },
  })) as { id: string }[][];
  if (!inserted || inserted.length === 0) {
    throw limitReached(`A project can have at most ${max} deploy targets; remove one before adding another`);
  }
  return { row, generatedCredentials: generated === null ? null : credentials };
}

export async function listDeployTargets(db: Database, project: ProjectRow): Promise<DeployTargetRow[]> {
  return deployTargetsOf(db, project.id);
}

export async function getDeployTarget(db: Database, project: ProjectRow, targetId: string): Promise<DeployTargetRow> {
  const row = await deployTargetOf(db, project.id, targetId);
  if (!row) throw new AppError("not_found", `Deploy target ${targetId} not found`);
  return row;
}

/** Stops delivering to the target. What it already holds stays there: taking a certificate off a CDN is the team's call. */
export async function deleteDeployTarget(deps: Deps, project: ProjectRow, targetId: string, commit: CommitChange): Promise<void> {
  const target = await getDeployTarget(deps.db, project, targetId);
  const [deleted] = (await commit({
    teamId: project.teamId,
    statements: [deleteDeployTargetStatement(deps.db, project.id, targetId)],
    target: targetId,
    detail: { projectId: project.id, kind: target.kind, settings: shownDeploySettings(target.kind, target.settings) },
  })) as { id: string }[][];
  if (!deleted || deleted.length === 0) throw new AppError("not_found", `Deploy target ${targetId} not found`);
}
