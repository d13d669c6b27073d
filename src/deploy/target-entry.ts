/** The registry entry each deploy-target module exports: its kind, its label, its settings, its credentials, its constructor. */
import type { z } from "zod";
import type { DeployTarget, DeployTargetOptions } from "./target";

export interface DeployTargetEntry<Kind extends string = string, Settings extends z.ZodObject = z.ZodObject, Credentials extends z.ZodObject = z.ZodObject> {
  /** The kind used in the API and in stored rows ("aws_acm"). */
  readonly kind: Kind;
  /** The target as people call it ("AWS Certificate Manager"); every error about it starts with this. */
  readonly label: string;
  /** Which key of the operator's DEPLOY_API_BASE_URLS overrides its API origin ("cloudflare", "aws"); none for a push. */
  readonly apiName: string | null;
  /** Where the certificate goes: public settings, shown back in listings (zone id, hostname, region, URL). */
  readonly settings: Settings;
  /**
   * The settings as the audit log and listings show them, when that is not all of them as stored (a push URL's query
   * values, which may hold the receiver's own token); absent, they are shown as stored.
   */
  shownSettings?(settings: z.output<Settings>): Record<string, unknown>;
  /** What authenticates the delivery: sealed at rest and never shown again. Strict; messages never echo a value. */
  readonly credentials: Credentials;
  /**
   * The names a certificate must cover for this target to accept it (a custom hostname), from its settings; empty when
   * any certificate will do.
   */
  requiredNames(settings: z.output<Settings>): string[];
  /** Credentials this service makes when a request gives none (a push's signing secret); shown once, in the creation answer. */
  generateCredentials?(): z.input<Credentials>;
  /**
   * A check of the settings that depends on how the service runs (a push URL: https only, except on a local run), made
   * when the target is added: the field at fault and why, or undefined.
   */
  settingsProblem?(settings: z.output<Settings>, options: { allowInsecurePush: boolean }): { field: string; message: string } | undefined;
  /** Builds the target from parsed settings and credentials. */
  create(settings: z.output<Settings>, credentials: z.output<Credentials>, options?: DeployTargetOptions): DeployTarget;
}

/** Checks `entry` against the entry shape while keeping its literal kind and its schemas' types. */
export function defineDeployTarget<const Kind extends string, Settings extends z.ZodObject, Credentials extends z.ZodObject>(
  entry: DeployTargetEntry<Kind, Settings, Credentials>,
): DeployTargetEntry<Kind, Settings, Credentials> {
  return entry;
}
