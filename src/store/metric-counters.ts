/**
 * The counters behind `GET /metrics` (services/metrics/): renewal attempts and failures, and the ACME requests of each
 * issuance job by status. Isolates and Durable Objects share no memory, so counts are kept in D1 (`metric_counters`),
 * one row per team, counter and label set. A job counts in memory (CounterTally) and adds its counts at its end in one
 * UPSERT: no D1 write per ACME request.
 */
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { metricCounters, teams } from "../db/schema";
import { DEFAULT_RESPONSE_LIMIT_BYTES, readBodyJson } from "../outbound/bounded-body";

/** Every counter, by its name in `metric_counters` (`webhook_events_dropped` is added in SQL: store/webhook-events.ts). */
export type CounterName = "renewal_attempts" | "renewal_failures" | "acme_requests" | "webhook_events_dropped" | "acme_server_operations";

export type CounterLabels = Record<string, string>;

/** One label set as stored: canonical JSON with its keys sorted, so the same set always lands on the same row. */
export function counterKey(labels: CounterLabels): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/**
 * D1 binds at most 100 parameters per statement (https://developers.cloudflare.com/d1/platform/limits/); a counter row
 * binds 5, so one INSERT carries at most 20 rows and a larger tally goes as several statements in one batch.
 */
const ROWS_PER_STATEMENT = 20;

/** Counts of one job (or one batch of work) in memory, for any number of teams, until `flush` adds them to D1. */
export class CounterTally {
  private readonly counts = new Map<string, { teamId: string; name: CounterName; labels: string; by: number }>();

  add(teamId: string, name: CounterName, labels: CounterLabels, by = 1): void {
    const key = counterKey(labels);
    const id = JSON.stringify([teamId, name, key]);
    const entry = this.counts.get(id);
    if (entry) entry.by += by;
    else this.counts.set(id, { teamId, name, labels: key, by });
  }

  /** What `flush` would add, as plain data (tests, logs). */
  entries(): { teamId: string; name: CounterName; labels: CounterLabels; by: number }[] {
    return [...this.counts.values()].map((e) => ({ teamId: e.teamId, name: e.name, labels: JSON.parse(e.labels) as CounterLabels, by: e.by }));
  }

  /**
   * Adds the counts to D1 (`value = value + excluded.value`: concurrent jobs add, never overwrite) and forgets them.
   * Never throws: a count that cannot be written (D1 unreachable, the team deleted meanwhile) is logged and lost, and
   * the work it counted keeps its outcome.
   */
  async flush(db: Database, now: number): Promise<void> {
    const rows = [...this.counts.values()].map((e) => ({ teamId: e.teamId, name: e.name, labels: e.labels, value: e.by, updatedAt: now }));
    this.counts.clear();
    if (rows.length === 0) return;
    const statements = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      statements.push(
        db
          .insert(metricCounters)
          .values(rows.slice(i, i + ROWS_PER_STATEMENT))
          .onConflictDoUpdate({
            target: [metricCounters.teamId, metricCounters.name, metricCounters.labels],
            set: { value: sql`${metricCounters.value} + excluded.value`, updatedAt: sql`excluded.updated_at` },
          }),
      );
    }
    try {
      await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
    } catch (error) {
      console.error(`metrics: ${rows.length} counter rows not written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The renewal outcomes that are attempts: the CA step was reached (or the job threw, or the queue gave up on it). */
const RENEWAL_ATTEMPTS = new Set(["issued", "failed", "error", "undelivered"]);

/**
 * One renewal's outcome as `renewal_attempts{trigger, result}` and, unless issued, `renewal_failures{trigger, reason}`
 * (the error's code, core/errors.ts, or the result). A skipped renewal (not due, deferred for the CA's order budget,
 * changed meanwhile) is no attempt.
 */
export function countRenewal(tally: CounterTally, teamId: string, trigger: "manual" | "sweep", outcome: { state: string; error?: { code: string } }): void {
  if (!RENEWAL_ATTEMPTS.has(outcome.state)) return;
  tally.add(teamId, "renewal_attempts", { trigger, result: outcome.state });
  if (outcome.state !== "issued") tally.add(teamId, "renewal_failures", { trigger, reason: outcome.error?.code ?? outcome.state });
}

/** What `GET /metrics` reads: one row per counter and label set, with the team's slug. */
export interface CounterRow {
  teamSlug: string;
  name: string;
  labels: string;
  value: number;
}

/**
 * The counters of one team (`teamId`) or of every team (null), at most `limit` rows, in one statement: the primary key
 * (team_id, name, labels) serves both the team's range and the order.
 */
export function counterRowsQuery(db: Database, teamId: string | null, limit: number) {
  return db
    .select({ teamSlug: teams.slug, name: metricCounters.name, labels: metricCounters.labels, value: metricCounters.value })
    .from(metricCounters)
    .innerJoin(teams, eq(teams.id, metricCounters.teamId))
    .where(teamId === null ? undefined : eq(metricCounters.teamId, teamId))
    .orderBy(asc(metricCounters.teamId), asc(metricCounters.name), asc(metricCounters.labels))
    .limit(limit);
}

/**
 * The kind of each ACME request, in the client's own words (acme/retry-policy.ts `AcmeRequestKind`), told from its
 * method and URL: HEAD is newNonce (RFC 8555 §7.2); a GET is the directory, or renewalInfo under the directory's
 * `renewalInfo` URL (RFC 9773 §4.1); a POST to a URL the directory lists is that resource (newAccount, newOrder,
 * revokeCert, keyChange; RFC 8555 §7.1.1), to an order's `finalize` URL "finalize", to a challenge's URL "challenge"
 * (both learned from the CA's answers, §7.1.3, §7.1.4), and anything else (orders, authorizations and certificates
 * read with POST-as-GET, §6.3) "postAsGet". A job resumed after an eviction has not seen its order's answers, so its
 * finalize and challenge requests count as postAsGet.
 */
class AcmeUrlKinds {
  private readonly byUrl = new Map<string, string>();
  private readonly renewalInfoPrefixes: string[] = [];

  kindOf(method: string, url: string): string {
    if (method === "HEAD") return "newNonce";
    if (method === "GET") return this.renewalInfoPrefixes.some((prefix) => url.startsWith(prefix)) ? "renewalInfo" : "directory";
    return this.byUrl.get(url) ?? "postAsGet";
  }

  /** Learns the URLs an answer names: the directory's resources, an order's finalize, an authorization's challenges. */
  learn(kind: string, body: unknown): void {
    if (typeof body !== "object" || body === null) return;
    const fields = body as Record<string, unknown>;
    if (kind === "directory") {
      for (const name of ["newAccount", "newOrder", "revokeCert", "keyChange"]) {
        if (typeof fields[name] === "string") this.byUrl.set(fields[name], name);
      }
      if (typeof fields.renewalInfo === "string") this.renewalInfoPrefixes.push(fields.renewalInfo);
      return;
    }
    if (typeof fields.finalize === "string") this.byUrl.set(fields.finalize, "finalize");
    if (Array.isArray(fields.challenges)) {
      for (const challenge of fields.challenges) {
        const url = (challenge as { url?: unknown } | null)?.url;
        if (typeof url === "string") this.byUrl.set(url, "challenge");
      }
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

/**
 * A fetch for one job's ACME client that counts each request in `tally` as `acme_requests{host, action, method,
 * status}` (cert-manager's `certmanager_http_acme_client_request_count` labels, its `action` for the path:
 * https://cert-manager.io/docs/devops-tips/prometheus-metrics/); `status` is the HTTP status, or "error" when no answer
 * came (the connection failed or timed out). Every request is counted, repeats included. The global fetch is looked up
 * at each call, so a test's replacement of it is seen.
 */
export function countingAcmeFetch(
  tally: CounterTally,
  teamId: string,
  base: typeof fetch = (input, init) => fetch(input, init),
  responseLimitBytes: number = DEFAULT_RESPONSE_LIMIT_BYTES,
): typeof fetch {
  const kinds = new AcmeUrlKinds();
  return async function countedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const action = kinds.kindOf(method, url);
    const labels = { host: hostOf(url), action, method };
    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      tally.add(teamId, "acme_requests", { ...labels, status: "error" });
      throw error;
    }
    tally.add(teamId, "acme_requests", { ...labels, status: String(response.status) });
    // Only successful JSON answers name URLs worth learning; the client reads the original body, this reads a copy
    // (as boundedly as the client does: a copy past the limit is learnt nothing from).
    if (method !== "HEAD" && response.ok && /json/i.test(response.headers.get("content-type") ?? "")) {
      kinds.learn(action, await readBodyJson(response.clone(), responseLimitBytes).catch(() => null));
    }
    return response;
  };
}
