/**
 * `GET /.well-known/acme-challenge/:token`: HTTP-01 answers (RFC 8555 §8.3), unauthenticated.
 *
 * KV is the fast path: a hit costs one KV read and nothing else. KV is eventually consistent, though: a write can
 * take 60 s or more to reach other locations, and a location that read the key before keeps the miss cached
 * (https://developers.cloudflare.com/kv/concepts/how-kv-works/). A CA validates from several network perspectives
 * (Let's Encrypt's multi-perspective validation), each landing on its nearest location, so on a KV miss the answer
 * comes from D1, written before the challenge was answered and strongly consistent (store/acme-challenges.ts).
 *
 * The fallback is bounded, since anyone can ask:
 * - anything that cannot be a token is a 404 before any read;
 * - a well-formed token found in neither KV nor D1 is remembered as a miss for MISS_TTL_SECONDS, first in this
 *   isolate (no I/O; at most ISOLATE_MISSES_MAX tokens, oldest dropped), then in the location's Cache API, which
 *   every isolate of the data center shares (https://developers.cloudflare.com/workers/runtime-apis/cache/). A flood
 *   of one token thus costs at most one D1 read per MISS_TTL_SECONDS per location (per hostname routed to this
 *   Worker, as the cache key keeps the request's hostname, which the Cache API documentation recommends); distinct
 *   random tokens cost one primary-key lookup each, the same order of cost as the KV read every request makes.
 * - A remembered miss cannot hide a real answer: the D1 row is written before the challenge is answered, and the
 *   CA, the only other holder of the token, asks only after that. MISS_TTL_SECONDS stays short for the one corner
 *   left (a probe of a token between a job's cleanUp and a retry presenting the same pending authorization).
 *
 * answerChallenge takes a plain Request and needs no framework, so the Worker's entry can also call it ahead of the
 * app for this one path.
 */
import { Hono } from "hono";
import type { Config } from "../core/config";
import type { AppBindings } from "../http/context";
import { http01Key, type Http01Metadata } from "../issuance/http01-solver";
import type { Deps } from "../services/deps";
import { unexpiredAcmeChallenge } from "../store/acme-challenges";

export const CHALLENGE_PATH = "/.well-known/acme-challenge/";

/** RFC 8555 §8.1: a token is base64url with at least 128 bits of entropy; bound it for the KV key. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * KV's shortest `cacheTtl` (30 s since https://developers.cloudflare.com/changelog/post/2026-01-30-kv-reduced-minimum-cachettl/;
 * the default is 60): a location that read the key before the write reached it stops seeing that miss sooner.
 */
const KV_CACHE_TTL_SECONDS = 30;

/** How long a token found nowhere is answered 404 without asking D1 again. */
export const MISS_TTL_SECONDS = 30;
/** Tokens one isolate remembers as missing: a few MB at most, even with 128-character tokens. */
const ISOLATE_MISSES_MAX = 10_000;
const MISSES_CACHE = "http-01-misses";

type KvLag = NonNullable<Config["TEST_HTTP01_KV_LAG"]>;
type WaitUntil = Pick<ExecutionContext, "waitUntil">;

/** Tokens known missing until a time (ms): a Map in insertion order, so the oldest is dropped first when full. */
class IsolateMisses {
  private readonly until = new Map<string, number>();

  has(token: string, now: number): boolean {
    const until = this.until.get(token);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(token);
    return false;
  }

  add(token: string, until: number): void {
    this.until.delete(token);
    if (this.until.size >= ISOLATE_MISSES_MAX) this.until.delete(this.until.keys().next().value!);
    this.until.set(token, until);
  }
}

/** One per isolate: the dependencies are built once per isolate (deps.ts). */
const isolateMisses = new WeakMap<Deps, IsolateMisses>();

function missesOf(deps: Deps): IsolateMisses {
  let misses = isolateMisses.get(deps);
  if (!misses) isolateMisses.set(deps, (misses = new IsolateMisses()));
  return misses;
}

/** The name the client asked for: the Host header without its port (RFC 9110 §7.2), as the CA sends it. */
const hostOf = (request: Request, url: URL) => (request.headers.get("host") ?? url.host).replace(/:\d+$/, "").toLowerCase();

/** The location's record of a miss: keyed by this request's own origin, the token and nothing else. */
const missKey = (url: URL, token: string) => new Request(`${url.origin}${CHALLENGE_PATH}${token}`);

/** When the location's cache says `token` is missing: until when (ms), or null. */
async function locationMiss(url: URL, token: string): Promise<number | null> {
  // A cache that cannot be read only costs the D1 read it would have saved.
  const cached = await caches
    .open(MISSES_CACHE)
    .then((cache) => cache.match(missKey(url, token)))
    .catch(() => undefined);
  return cached ? Number(cached.headers.get("x-miss-until")) || null : null;
}

function rememberMiss(deps: Deps, ctx: WaitUntil | undefined, url: URL, token: string, until: number): void {
  missesOf(deps).add(token, until);
  const response = new Response(null, { headers: { "Cache-Control": `max-age=${MISS_TTL_SECONDS}`, "x-miss-until": String(until) } });
  const stored = caches
    .open(MISSES_CACHE)
    .then((cache) => cache.put(missKey(url, token), response))
    .catch(() => {}); // Not remembered: the next request for it reads D1 again, nothing worse.
  ctx?.waitUntil(stored); // Without a context the put finishes on its own.
}

/**
 * TEST_HTTP01_KV_LAG (refused in production, core/config.ts): for hosts under `hostSuffix`, an entry is missing
 * until `ms` after its write, as at a location the write has not reached. The write time is the entry's metadata,
 * so every isolate agrees. While it is set, every answer of this route carries LAG_COUNTS_HEADER: the entries it hid
 * and the answers D1 gave since the isolate started, which the e2e tests read to see that the fallback was used.
 */
const LAG_COUNTS_HEADER = "x-certdesk-test-kv-lag";
const lagCounts = { hidden: 0, fromD1: 0 };

function lagHides(lag: KvLag, host: string, metadata: Http01Metadata | null, now: number): boolean {
  const suffix = lag.hostSuffix.toLowerCase();
  if (host !== suffix && !host.endsWith(`.${suffix}`)) return false;
  return metadata !== null && now - metadata.writtenAt < lag.ms;
}

async function readKv(deps: Deps, token: string, host: () => string): Promise<string | null> {
  const lag = deps.config.TEST_HTTP01_KV_LAG;
  if (!lag) return deps.challenges.get(http01Key(token), { cacheTtl: KV_CACHE_TTL_SECONDS });
  const { value, metadata } = await deps.challenges.getWithMetadata<Http01Metadata>(http01Key(token), { cacheTtl: KV_CACHE_TTL_SECONDS });
  if (value === null || !lagHides(lag, host(), metadata, deps.clock.now())) return value;
  lagCounts.hidden++;
  console.log(`http-01: simulated KV lag for ${host()}: the entry is treated as missing`);
  return null;
}

function text(body: string, status: 200 | 404, deps: Deps, counts: string | null): Response {
  const headers: Record<string, string> = { "Content-Type": "text/plain; charset=UTF-8" };
  // The CA validates several times from several places: the answer must be the same each time.
  if (status === 200) headers["Cache-Control"] = "no-store";
  if (deps.config.TEST_HTTP01_KV_LAG && counts !== null) headers[LAG_COUNTS_HEADER] = counts;
  return new Response(body, { status, headers });
}

/** The answer to `GET /.well-known/acme-challenge/<token>` (the token is the rest of the path, undecoded). */
export async function answerChallenge(request: Request, deps: Deps, ctx?: WaitUntil): Promise<Response> {
  const url = new URL(request.url);
  const token = url.pathname.slice(CHALLENGE_PATH.length);
  if (!url.pathname.startsWith(CHALLENGE_PATH) || !TOKEN.test(token)) return text("Not found", 404, deps, null);
  const counts = deps.config.TEST_HTTP01_KV_LAG ? `hidden=${lagCounts.hidden}; d1=${lagCounts.fromD1}` : null;
  const host = () => hostOf(request, url);
  const fromKv = await readKv(deps, token, host);
  if (fromKv !== null) return text(fromKv, 200, deps, counts);

  const now = deps.clock.now();
  const misses = missesOf(deps);
  if (misses.has(token, now)) return text("Not found", 404, deps, counts);
  const missUntil = await locationMiss(url, token);
  if (missUntil !== null && missUntil > now) {
    misses.add(token, missUntil);
    return text("Not found", 404, deps, counts);
  }
  const fromD1 = await unexpiredAcmeChallenge(deps.db, token, now);
  if (fromD1 === null) {
    rememberMiss(deps, ctx, url, token, now + MISS_TTL_SECONDS * 1000);
    return text("Not found", 404, deps, counts);
  }
  if (deps.config.TEST_HTTP01_KV_LAG) lagCounts.fromD1++;
  console.log(`http-01: answered ${host()} from D1: KV has no entry here yet`);
  return text(fromD1, 200, deps, counts);
}

/** Hono throws when asked for an execution context it was not given (a direct app.request). */
function executionContextOf(c: { executionCtx: WaitUntil }): WaitUntil | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

export const wellKnownRoutes = new Hono<AppBindings>().get(`${CHALLENGE_PATH}:token`, (c) =>
  answerChallenge(c.req.raw, c.var.deps, executionContextOf(c)),
);
