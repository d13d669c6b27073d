/**
 * A team's saved DNS connections: add one (credentials checked as an obtain's `dnsCredentials` are, then probed with
 * the provider's zone listing, sealed and never shown again), list, rename or rotate (probed again), remove (refused
 * while a certificate uses it). Every change is committed with its audit row, which never holds a credential.
 */
import { AppError } from "../core/errors";
import { newId } from "../core/ids";
import type { Database } from "../db/client";
import { createDnsProvider, parseDnsCredentials, type DnsProviderName } from "../dns";
import { responseLimitOf } from "../outbound/bounded-body";
import type { PageCursor } from "../store/certificate-authorities";
import {
  certificatesUsingDnsConnection,
  deleteUnusedDnsConnectionStatement,
  dnsConnectionDeletable,
  dnsConnectionNameTaken,
  dnsConnectionOf,
  dnsConnectionPage,
  dnsConnectionWritten,
  insertDnsConnectionUnder,
  sealDnsConnectionCredentials,
  updateDnsConnectionStatement,
  type DnsConnectionRow,
} from "../store/dns-connections";
import type { CommitChange } from "./change";
import type { Deps } from "./deps";
import { limitReached } from "./limits/quota";

export interface NewDnsConnection {
  name: string;
  provider: DnsProviderName;
  credentials: Record<string, unknown>;
}

export interface DnsConnectionChanges {
  name?: string;
  credentials?: Record<string, unknown>;
}

const nameTaken = (name: string) => new AppError("conflict", `The team already has a DNS connection named "${name}"`, { param: "name" });

const notFound = (id: string) => new AppError("not_found", `DNS connection ${id} not found`);

/**
 * The provider refused the credentials (a 4xx other than a timeout or throttling): the caller's to fix, a 400 on
 * `credentials` with the provider's own reason (its message names the provider and never a credential: each adapter
 * redacts what it was given, outbound/secret-redaction.ts). An outage or throttling stays the provider's 502.
 */
function refusedCredentials(error: unknown): AppError | undefined {
  if (!(error instanceof AppError) || error.code !== "dns_provider_error") return undefined;
  const status = (error.detail as { status?: unknown } | undefined)?.status;
  if (typeof status !== "number" || status < 400 || status >= 500 || status === 408 || status === 429) return undefined;
  return new AppError("validation_failed", `credentials: ${error.message} (nothing was stored)`, { param: "credentials", retryable: false, cause: error });
}

/**
 * Lists the zones these credentials see, through the same adapter issuance uses (operator base URL included): a
 * read-only call, so a connection is only stored with credentials the provider accepts.
 */
async function probe(deps: Deps, provider: DnsProviderName, credentials: Record<string, unknown>): Promise<string[]> {
  const baseUrl = deps.config.DNS_API_BASE_URLS[provider];
  const dns = createDnsProvider(provider, parseDnsCredentials(provider, credentials, "credentials"), {
    ...(baseUrl ? { baseUrl } : {}),
    responseLimitBytes: responseLimitOf(deps.config),
  });
  if (!dns.listZones) return [];
  try {
    return [...new Set(await dns.listZones())].sort();
  } catch (error) {
    throw refusedCredentials(error) ?? underCredentials(error) ?? error;
  }
}

/** An adapter's own check of a field (Google's private key) names it as an obtain's `dnsCredentials.…`: here it is `credentials.…`. */
function underCredentials(error: unknown): AppError | undefined {
  if (!(error instanceof AppError) || error.code !== "validation_failed" || !error.param?.startsWith("dnsCredentials.")) return undefined;
  const param = `credentials.${error.param.slice("dnsCredentials.".length)}`;
  return new AppError("validation_failed", error.message.replace(error.param, param), { param, retryable: false, cause: error });
}

/** What an audit row says of a connection: never its credentials. */
const detailOf = (row: Pick<DnsConnectionRow, "name" | "provider" | "zones">) => ({ name: row.name, provider: row.provider, zones: row.zones });

export async function createDnsConnection(deps: Deps, teamId: string, input: NewDnsConnection, commit: CommitChange): Promise<DnsConnectionRow> {
  const { db, config, clock } = deps;
  const credentials = parseDnsCredentials(input.provider, input.credentials, "credentials") as Record<string, unknown>;
  if (await dnsConnectionNameTaken(db, teamId, input.name)) throw nameTaken(input.name);
  const zones = await probe(deps, input.provider, credentials);
  const now = clock.now();
  const id = newId("dnc");
  const row: DnsConnectionRow = {
    id,
    teamId,
    name: input.name,
    provider: input.provider,
    sealedCredentials: await sealDnsConnectionCredentials(config.ENCRYPTION_KEY, id, credentials),
    zones,
    createdAt: now,
    updatedAt: now,
  };
  const max = config.DNS_CONNECTIONS_PER_TEAM;
  const [inserted] = (await commit({
    teamId,
    statements: [insertDnsConnectionUnder(db, row, max)],
    target: id,
    detail: detailOf(row),
    recordIf: { holds: dnsConnectionWritten(id, now), checked: "after" },
  })) as [unknown[]];
  if (inserted.length > 0) return row;
  // Nothing inserted: the same name committed meanwhile, or the team is at its cap.
  if (await dnsConnectionNameTaken(db, teamId, input.name)) throw nameTaken(input.name);
  throw limitReached(`A team can have at most ${max} DNS connections (DNS_CONNECTIONS_PER_TEAM); delete one before adding another`);
}

export function listDnsConnections(db: Database, teamId: string, page: { limit: number; before?: PageCursor }) {
  return dnsConnectionPage(db, teamId, page);
}

/** The team's connection `id`, or 404 (another team's too). */
export async function requireTeamConnection(db: Database, teamId: string, id: string): Promise<DnsConnectionRow> {
  const row = await dnsConnectionOf(db, teamId, id);
  if (!row) throw notFound(id);
  return row;
}

/** The connection an obtain names, or a 400 on `dnsConnectionId` (another team's connection is unknown here too). */
export async function dnsConnectionForObtain(db: Database, teamId: string, id: string): Promise<{ id: string; provider: DnsProviderName }> {
  const row = await dnsConnectionOf(db, teamId, id);
  if (!row) throw new AppError("validation_failed", `dnsConnectionId: The team has no DNS connection ${id}`, { param: "dnsConnectionId" });
  return { id: row.id, provider: row.provider as DnsProviderName };
}

/**
 * Renames the connection and/or rotates its credentials (same provider; probed before anything is stored). The
 * certificates that use it renew with the new credentials from their next renewal on: they keep no copy.
 */
export async function updateDnsConnection(deps: Deps, teamId: string, id: string, changes: DnsConnectionChanges, commit: CommitChange): Promise<DnsConnectionRow> {
  const { db, config, clock } = deps;
  const current = await requireTeamConnection(db, teamId, id);
  const provider = current.provider as DnsProviderName;
  const credentials = changes.credentials === undefined ? undefined : (parseDnsCredentials(provider, changes.credentials, "credentials") as Record<string, unknown>);
  if (changes.name !== undefined && changes.name !== current.name && (await dnsConnectionNameTaken(db, teamId, changes.name, id))) throw nameTaken(changes.name);
  const zones = credentials === undefined ? undefined : await probe(deps, provider, credentials);
  const now = Math.max(clock.now(), current.updatedAt + 1);
  const set = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(credentials !== undefined ? { sealedCredentials: await sealDnsConnectionCredentials(config.ENCRYPTION_KEY, id, credentials), zones } : {}),
  };
  let updated: DnsConnectionRow[];
  try {
    [updated] = (await commit({
      teamId,
      statements: [updateDnsConnectionStatement(db, teamId, id, set, now)],
      target: id,
      // That the credentials changed, never what they are.
      detail: { ...(changes.name !== undefined ? { name: changes.name } : {}), ...(credentials !== undefined ? { credentialsRotated: true, zones } : {}) },
      recordIf: { holds: dnsConnectionWritten(id, now), checked: "after" },
    })) as [DnsConnectionRow[]];
  } catch (error) {
    // A concurrent change took the name first: the batch failed on the unique index and rolled back.
    if (changes.name !== undefined && !(error instanceof AppError) && (await dnsConnectionNameTaken(db, teamId, changes.name, id))) throw nameTaken(changes.name);
    throw error;
  }
  const row = updated[0];
  if (!row) throw notFound(id);
  return row;
}

/** Removes the connection, or 409 naming the certificates that still use it (they would have nothing to renew with). */
export async function deleteDnsConnection(deps: Deps, teamId: string, id: string, commit: CommitChange): Promise<void> {
  const { db } = deps;
  const current = await requireTeamConnection(db, teamId, id);
  const [deleted] = (await commit({
    teamId,
    statements: [deleteUnusedDnsConnectionStatement(db, teamId, id)],
    target: id,
    detail: detailOf(current),
    recordIf: { holds: dnsConnectionDeletable(id), checked: "before" },
  })) as [unknown[]];
  if (deleted.length > 0) return;
  const using = await certificatesUsingDnsConnection(db, teamId, id);
  if (using.total === 0) throw notFound(id);
  const shown = using.rows.map((row) => row.domain).join(", ");
  const more = using.total > using.rows.length ? ` and ${using.total - using.rows.length} more` : "";
  throw new AppError(
    "conflict",
    `DNS connection "${current.name}" is used by ${using.total} certificate${using.total === 1 ? "" : "s"} (${shown}${more}); ` +
      "delete them or obtain them again with other DNS credentials before deleting it",
  );
}
