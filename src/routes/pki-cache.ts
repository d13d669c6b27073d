/**
 * The location's copy of each CRL answer (Cache API, https://developers.cloudflare.com/workers/runtime-apis/cache/):
 * at most PKI_MAX_AGE_SECONDS old, so a flood of CRL fetches costs one D1 read per CA, location and 10 s, and the
 * route answers at about a hello-world Worker's speed. A revocation deletes its CA's entry at the location it ran in;
 * every other location serves the new CRL within 10 s, the bound the route promises (a read that began before the
 * revocation committed and stored its answer after the delete is bounded the same way).
 */
const CRL_CACHE = "certdesk-crl";

const keyOf = (origin: string, caId: string) => new Request(`${origin}/pki/${caId}/crl`);

type WaitUntil = Pick<ExecutionContext, "waitUntil">;

/** The location's answer for the CA's CRL, if it has one; a cache that cannot be read costs only the D1 read. */
export async function cachedCrl(origin: string, caId: string): Promise<Response | undefined> {
  return caches
    .open(CRL_CACHE)
    .then((cache) => cache.match(keyOf(origin, caId)))
    .catch(() => undefined);
}

/** Keeps `response` (whose Cache-Control max-age bounds it) for the next request at this location. */
export function rememberCrl(ctx: WaitUntil | undefined, origin: string, caId: string, response: Response): void {
  const stored = caches
    .open(CRL_CACHE)
    .then((cache) => cache.put(keyOf(origin, caId), response))
    .catch(() => {}); // Not kept: the next request reads D1 again, nothing worse.
  ctx?.waitUntil(stored);
}

/** Forgets the CA's CRL at this location, under each origin it may be fetched by (after a revocation). */
export async function forgetCrl(origins: readonly string[], caId: string): Promise<void> {
  const cache = await caches.open(CRL_CACHE).catch(() => undefined);
  if (!cache) return;
  await Promise.all([...new Set(origins)].map((origin) => cache.delete(keyOf(origin, caId)).catch(() => false)));
}
