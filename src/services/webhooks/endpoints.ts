/**
 * A team's webhook endpoints: add one (URL checked, a signing secret made, sealed and shown once), list, change
 * (URL, events, disabled), remove. Every change is committed with its audit row; a refused one changes nothing.
 */
import { AppError } from "../../core/errors";
import { newId } from "../../core/ids";
import { generateWebhookSecret } from "../../crypto/webhook-signature";
import { redactQueryValues } from "../../outbound/url-redaction";
import {
  attemptsOf,
  DISABLED_THROUGH_API,
  deleteAttemptsStatement,
  deleteWebhookEndpointStatement,
  dropPendingMessagesStatement,
  insertWebhookEndpointUnder,
  sealWebhookSecret,
  updateWebhookEndpointStatement,
  webhookEndpointOf,
  webhookEndpointsOf,
  type WebhookAttemptRow,
  type WebhookEndpointRow,
} from "../../store/webhooks";
import { deleteOrphanEventsStatement } from "../../store/webhook-events";
import type { Deps } from "../deps";
import { limitReached } from "../limits/quota";
import type { CommitChange } from "../change";
import { targetCheckOf, webhookTargetProblem } from "./endpoint-url";
import { CERTIFICATE_EVENT_TYPES, type CertificateEventType } from "./events";

export interface NewWebhookEndpoint {
  url: string;
  /** Omitted: every event type. */
  events?: CertificateEventType[];
}

export interface WebhookEndpointChanges {
  url?: string;
  events?: CertificateEventType[];
  disabled?: boolean;
}

/** What the audit log keeps of a URL: a query string may carry the receiver's own token, so its values are redacted. */
const auditedUrl = redactQueryValues;

/** The URL as written and, unless this is a local run that allows private targets, every address its name resolves to. */
async function requireAllowedUrl(deps: Deps, url: string): Promise<void> {
  const problem = await webhookTargetProblem(url, targetCheckOf(deps.config, deps.webhookFetch));
  if (!problem) return;
  if (problem.kind === "refused") throw new AppError("validation_failed", `url: ${problem.message}`, { param: "url" });
  // Not the team's input at fault, and nothing is known about the address: nothing stored, worth trying again.
  throw new AppError("dns_provider_error", `url: ${problem.message}; try again`, { param: "url" });
}

/** The event types in the registry's order, each once. */
function eventList(events: readonly CertificateEventType[] | undefined): CertificateEventType[] {
  const chosen = new Set(events ?? CERTIFICATE_EVENT_TYPES);
  return CERTIFICATE_EVENT_TYPES.filter((type) => chosen.has(type));
}

export async function createWebhookEndpoint(deps: Deps, teamId: string, input: NewWebhookEndpoint, commit: CommitChange): Promise<{ row: WebhookEndpointRow; secret: string }> {
  const { db, config, clock } = deps;
  await requireAllowedUrl(deps, input.url);
  const id = newId("whk");
  const secret = generateWebhookSecret();
  const now = clock.now();
  const events = eventList(input.events);
  const row: WebhookEndpointRow = {
    id,
    teamId,
    url: input.url,
    events,
    sealedSecret: await sealWebhookSecret(config.ENCRYPTION_KEY, id, secret),
    disabledAt: null,
    disabledReason: null,
    failingSince: null,
    lastFailureAt: null,
    lastError: null,
    lastDeliveredAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const max = config.WEBHOOK_ENDPOINTS_PER_TEAM;
  const [inserted] = (await commit({
    teamId,
    statements: [insertWebhookEndpointUnder(db, row, max)],
    target: id,
    // Never the secret.
    detail: { url: auditedUrl(input.url), events },
  })) as { id: string }[][];
  if (!inserted || inserted.length === 0) throw limitReached(`A team can have at most ${max} webhook endpoints; delete one before adding another`);
  return { row, secret };
}

export function listWebhookEndpoints(deps: Deps, teamId: string): Promise<WebhookEndpointRow[]> {
  return webhookEndpointsOf(deps.db, teamId);
}

/** The team's endpoint `id`, or 404 (another team's too). */
export async function getWebhookEndpoint(deps: Deps, teamId: string, id: string): Promise<WebhookEndpointRow> {
  const row = await webhookEndpointOf(deps.db, teamId, id);
  if (!row) throw new AppError("not_found", `Webhook endpoint ${id} not found`);
  return row;
}

/**
 * Changes the URL (checked as at creation, with a new signing secret), the events, or whether the endpoint is disabled.
 * Disabling drops the messages still waiting for it; enabling again starts with a clean record of failures.
 * `secret` is the new URL's secret, to be shown this once; absent when the URL did not change.
 */
export async function updateWebhookEndpoint(
  deps: Deps,
  teamId: string,
  id: string,
  changes: WebhookEndpointChanges,
  commit: CommitChange,
): Promise<{ row: WebhookEndpointRow; secret?: string }> {
  const { db, clock, config } = deps;
  const current = await getWebhookEndpoint(deps, teamId, id);
  const moved = changes.url !== undefined && changes.url !== current.url;
  if (moved) await requireAllowedUrl(deps, changes.url!);
  // A new receiver gets a secret of its own: what the old one was sent can be replayed to neither (Standard Webhooks
  // spec, "Signature scheme": a secret per endpoint), and the old one cannot verify, nor forge, what the new one gets.
  const secret = moved ? generateWebhookSecret() : undefined;
  const now = clock.now();
  const set = {
    ...(changes.url !== undefined ? { url: changes.url } : {}),
    ...(secret !== undefined ? { sealedSecret: await sealWebhookSecret(config.ENCRYPTION_KEY, id, secret) } : {}),
    ...(changes.events !== undefined ? { events: eventList(changes.events) } : {}),
    ...(changes.disabled === true && current.disabledAt === null ? { disabledAt: now, disabledReason: DISABLED_THROUGH_API } : {}),
    ...(changes.disabled === false ? { disabledAt: null, disabledReason: null, failingSince: null, lastFailureAt: null } : {}),
  };
  // The events only those messages were waiting for go too: they no longer count against the team's outbox budget.
  const dropped = changes.disabled === true ? [dropPendingMessagesStatement(db, id), deleteOrphanEventsStatement(db, teamId)] : [];
  const [updated] = (await commit({
    teamId,
    statements: [updateWebhookEndpointStatement(db, teamId, id, set, now), ...dropped],
    target: id,
    detail: {
      ...(changes.url !== undefined ? { url: auditedUrl(changes.url) } : {}),
      // That the secret changed, never the secret.
      ...(secret !== undefined ? { secretRotated: true } : {}),
      ...(set.events !== undefined ? { events: set.events } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
    },
  })) as WebhookEndpointRow[][];
  const row = updated?.[0];
  if (!row) throw new AppError("not_found", `Webhook endpoint ${id} not found`);
  return { row, ...(secret !== undefined ? { secret } : {}) };
}

/** Removes the endpoint, the messages still waiting for it and its delivery record. */
export async function deleteWebhookEndpoint(deps: Deps, teamId: string, id: string, commit: CommitChange): Promise<void> {
  const current = await getWebhookEndpoint(deps, teamId, id);
  const [deleted] = (await commit({
    teamId,
    // ON DELETE CASCADE would take them too; said here as well, so that it does not depend on foreign keys being enforced.
    statements: [
      deleteWebhookEndpointStatement(deps.db, teamId, id),
      dropPendingMessagesStatement(deps.db, id),
      deleteAttemptsStatement(deps.db, id),
      deleteOrphanEventsStatement(deps.db, teamId),
    ],
    target: id,
    detail: { url: auditedUrl(current.url) },
  })) as { id: string }[][];
  if (!deleted || deleted.length === 0) throw new AppError("not_found", `Webhook endpoint ${id} not found`);
}

/** The newest `limit` delivery attempts of the team's endpoint `id` (404 for another team's). */
export async function listWebhookDeliveries(deps: Deps, teamId: string, id: string, limit: number): Promise<WebhookAttemptRow[]> {
  const endpoint = await getWebhookEndpoint(deps, teamId, id);
  return attemptsOf(deps.db, endpoint.id, limit);
}
