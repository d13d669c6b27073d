/**
 * Copies of each CRL answer, so the CRL route answers at about a hello-world Worker's speed: relying parties fetch
 * CRLs often and all alike (RFC 5280 §4.2.1.13 names one URL per CA for all of them), and the CRL only changes on a
 * revocation or the daily re-signing.
 *
 * Two layers, each keeping a copy at most PKI_MAX_AGE_SECONDS (10 s) from when it was read from D1:
 * 1. This isolate's memory: a bounded Map, looked up synchronously, so a hit awaits nothing (no subrequest at all).
 * 2. The location's Cache API (https://developers.cloudflare.com/workers/runtime-apis/cache/), shared by the
 *    location's isolates; a lookup there is a subrequest, so it is asked only when memory has no copy. A hit there
 *    fills memory with the lifetime it has left.
 * So a flood of CRL fetches costs one D1 read per CA, location and 10 s.
 *
 * Freshness: every copy ends 10 s after its D1 read, and every answer's `Cache-Control: max-age` is the whole seconds
 * its copy has left, so no client or downstream cache keeps it past that either. A revocation forgets its CA's copies
 * at once in the isolate and location it ran in (forgetCrl); every other isolate and location serves the new CRL
 * within 10 s, the bound the route promises (a D1 read that began before the revocation committed and stored its
 * answer after the forget is bounded the same way). Only found CAs are kept: a 404 is never cached.
 *
 * Clock: Date.now() in a Worker only advances at I/O (https://developers.cloudflare.com/workers/runtime-apis/performance/);
 * each request starts with a fresh reading, which is all the lifetimes below need.
 */

import { DATA_SECURITY_HEADERS } from "../http/security-headers";

/** Seconds a copy, an edge cache or a client may keep a CRL or CA certificate: a revocation shows within this. */
export const PKI_MAX_AGE_SECONDS = 10;
const MAX_AGE_MS = PKI_MAX_AGE_SECONDS * 1000;
const CRL_TYPE = "application/pkix-crl";

// ---- Layer 1: this isolate's memory ----

/** Most CRLs one isolate keeps: a bound on its memory whatever CA ids are asked for (the oldest insertion goes first). */
export const CRL_MEMORY_LIMIT = 256;
/**
 * Most bytes of CRLs one isolate keeps (an isolate has 128 MB: https://developers.cloudflare.com/workers/platform/limits/):
 * a CA with many revocations has a CRL of megabytes, and the CA ids a request names are the requester's choice.
 */
export const CRL_MEMORY_BYTES = 16 * 1024 * 1024;

interface Remembered {
  der: Uint8Array<ArrayBuffer>;
  /** Date.now() after which the copy is not served: its D1 read plus PKI_MAX_AGE_SECONDS. */
  expiresAt: number;
}

/** By CA id alone: the CRL's bytes are the same whichever origin it is fetched by (the Cache API's keys are URLs). */
const memory = new Map<string, Remembered>();
let memoryBytes = 0;

function dropFromMemory(caId: string): void {
  const entry = memory.get(caId);
  if (!entry) return;
  memory.delete(caId);
  memoryBytes -= entry.der.length;
}

/** Keeps `der` in this isolate until `expiresAt` (evicting the oldest insertions past either bound). */
function keepInMemory(caId: string, der: Uint8Array<ArrayBuffer>, expiresAt: number): void {
  dropFromMemory(caId); // A refill counts as the newest insertion.
  if (der.length > CRL_MEMORY_BYTES) return; // Larger than the whole budget: served from the Cache API or D1.
  // A Map iterates in insertion order: the first key is the oldest.
  while (memory.size >= CRL_MEMORY_LIMIT || memoryBytes + der.length > CRL_MEMORY_BYTES) dropFromMemory(memory.keys().next().value!);
  memory.set(caId, { der, expiresAt });
  memoryBytes += der.length;
}

/** The CRL answer for a copy, with the whole seconds it has left as its max-age (never more than 10, never below 0). */
function crlResponse(der: Uint8Array<ArrayBuffer>, expiresAt: number, now: number): Response {
  const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
  // A new Response (and body) each time: a body is read once, the bytes stay in the Map.
  // With the security headers every answer carries (http/security-headers.ts) set here, not copied in afterwards: this
  // is the hot path of the CRL route, answered ahead of the app (index.ts).
  return new Response(der, {
    headers: { ...DATA_SECURITY_HEADERS, "Content-Type": CRL_TYPE, "Content-Length": String(der.length), "Cache-Control": `public, max-age=${maxAge}` },
  });
}

/** This isolate's answer for the CA's CRL, if it holds one under 10 s old. Synchronous: a hit awaits nothing. */
export function rememberedCrl(caId: string, now = Date.now()): Response | undefined {
  const entry = memory.get(caId);
  if (!entry) return undefined;
  if (now >= entry.expiresAt) {
    dropFromMemory(caId);
    return undefined;
  }
  return crlResponse(entry.der, entry.expiresAt, now);
}

/** How many CRLs this isolate holds (tests: the bound). */
export function crlMemorySizeForTests(): { entries: number; bytes: number } {
  return { entries: memory.size, bytes: memoryBytes };
}

// ---- Layer 2: the location's Cache API ----

const CRL_CACHE = "certdesk-crl";
/** On a stored copy only (never sent to a client): when it ends, as Date.now() milliseconds. */
const EXPIRES_HEADER = "Certdesk-Expires-At";

const cacheKeyOf = (origin: string, caId: string) => new Request(`${origin}/pki/${caId}/crl`);

type WaitUntil = Pick<ExecutionContext, "waitUntil">;

/**
 * The location's answer for the CA's CRL, if it holds one under 10 s old; it then fills this isolate's memory. Ask
 * rememberedCrl first: this is a subrequest. A cache that cannot be read costs only the D1 read.
 */
export async function cachedCrl(origin: string, caId: string): Promise<Response | undefined> {
  try {
    const cache = await caches.open(CRL_CACHE);
    const hit = await cache.match(cacheKeyOf(origin, caId));
    if (!hit) return undefined;
    const expiresAt = Number(hit.headers.get(EXPIRES_HEADER));
    const der = new Uint8Array(await hit.arrayBuffer());
    const now = Date.now();
    // The cache's own TTL counts from the put, a little after the D1 read: the stored expiry is the bound.
    if (!Number.isFinite(expiresAt) || now >= expiresAt) return undefined;
    keepInMemory(caId, der, expiresAt);
    return crlResponse(der, expiresAt, now);
  } catch {
    return undefined;
  }
}

/**
 * Keeps the CRL `der`, just read from D1 at `readAt`, in this isolate and at this location for the next requests.
 * The cache put runs after the answer (waitUntil); not kept there, the next isolate reads D1 again, nothing worse.
 */
export function rememberCrl(ctx: WaitUntil | undefined, origin: string, caId: string, der: Uint8Array<ArrayBuffer>, readAt = Date.now()): void {
  const expiresAt = readAt + MAX_AGE_MS;
  keepInMemory(caId, der, expiresAt);
  const stored = new Response(der, {
    headers: {
      "Content-Type": CRL_TYPE,
      // The Cache API keeps it for max-age from the put; cachedCrl also checks the expiry from the D1 read.
      "Cache-Control": `public, max-age=${PKI_MAX_AGE_SECONDS}`,
      [EXPIRES_HEADER]: String(expiresAt),
    },
  });
  const put = caches
    .open(CRL_CACHE)
    .then((cache) => cache.put(cacheKeyOf(origin, caId), stored))
    .catch(() => {});
  ctx?.waitUntil(put);
}

/**
 * Forgets the CA's CRL in this isolate (at once, before any await) and at this location, under each origin it may be
 * fetched by (after a revocation). Other isolates' copies age out within 10 s.
 */
export async function forgetCrl(origins: readonly string[], caId: string): Promise<void> {
  const unique = [...new Set(origins)];
  dropFromMemory(caId);
  const cache = await caches.open(CRL_CACHE).catch(() => undefined);
  if (!cache) return;
  await Promise.all(unique.map((origin) => cache.delete(cacheKeyOf(origin, caId)).catch(() => false)));
}
