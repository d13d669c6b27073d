/**
 * Every kind of deploy target Certdesk can deliver to, one line each. The kinds, the settings and credentials each
 * takes and the constructor all come from here; a target's own module holds its entry.
 */
import type { z } from "zod";
import { awsAcmTarget } from "./aws-acm";
import { cloudflareCustomHostnameTarget } from "./cloudflare-custom-hostname";
import { cloudflareZoneCertificateTarget } from "./cloudflare-zone-certificate";
import { httpsPushTarget } from "./https-push";
import type { DeployTargetEntry } from "./target-entry";

/** In the order the API lists them. */
export const deployTargetEntries = [cloudflareCustomHostnameTarget, cloudflareZoneCertificateTarget, awsAcmTarget, httpsPushTarget] as const;

type Entry = (typeof deployTargetEntries)[number];

export type DeployTargetKind = Entry["kind"];

export const deployTargetKinds = deployTargetEntries.map((entry) => entry.kind) as unknown as readonly [DeployTargetKind, ...DeployTargetKind[]];

/** Each kind's parsed settings. */
export type DeploySettingsMap = { [E in Entry as E["kind"]]: z.output<E["settings"]> };

/** A target's stored settings as the audit log and the API show them (deploy/target-entry.ts `shownSettings`). */
export function shownDeploySettings(kind: string, settings: Record<string, unknown>): Record<string, unknown> {
  const entry = deployTargetEntry(kind);
  return entry?.shownSettings ? entry.shownSettings(settings) : settings;
}

/** The entry for `kind`, or undefined for a kind that is not registered (a row written by a newer version). */
export function deployTargetEntry(kind: string): DeployTargetEntry | undefined {
  return deployTargetEntries.find((entry) => entry.kind === kind) as DeployTargetEntry | undefined;
}
