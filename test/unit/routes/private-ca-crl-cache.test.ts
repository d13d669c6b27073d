/**
 * `GET /pki/:caId/crl` from the isolate's memory and the location's Cache API (src/routes/pki-cache.ts): a second GET
 * within 10 s reads no D1, max-age counts down from 10, a revocation shows at once where it ran, the memory is bounded,
 * and an unknown CA's 404 is never kept.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { cachedCrl, CRL_MEMORY_BYTES, CRL_MEMORY_LIMIT, crlMemorySizeForTests, forgetCrl, rememberCrl, rememberedCrl } from "../../../src/routes/pki-cache";
import { call, newTenant } from "../../support/api";
import { fetchCrl, newRoot, ok } from "./private-ca-support";

const ORIGIN = "https://certdesk.test";

const maxAgeOf = (res: { headers: Headers }) => Number(/^public, max-age=(\d+)$/.exec(res.headers.get("cache-control") ?? "")?.[1] ?? NaN);

async function rawCrl(caId: string): Promise<Response> {
  const { SELF } = await import("cloudflare:test");
  return SELF.fetch(`${ORIGIN}/pki/${caId}/crl`);
}

let fakeIds = 0;
const fakeCaId = () => `ca_memtest${Date.now().toString(36)}${(fakeIds++).toString(36)}`;

describe("CRL route memory and cache", () => {
  it("serves a second GET within 10 s without reading D1, and a revocation through the API at once", async () => {
    const t = await newTenant();
    const root = await newRoot(t);
    const leaf = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "server", dnsNames: ["a.corp.example"] }, 201);
    const first = await rawCrl(root.id);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("public, max-age=10");
    const firstBytes = new Uint8Array(await first.arrayBuffer());
    expect(rememberedCrl(root.id)).toBeDefined();

    // D1 now holds other bytes: the next GETs still see the CRL read a moment ago, from memory, whole each time.
    await env.DB.prepare("UPDATE certificate_authorities SET crl_der = 'AAAA' WHERE id = ?").bind(root.id).run();
    for (let i = 0; i < 2; i++) {
      const again = await rawCrl(root.id);
      expect(again.status).toBe(200);
      expect(again.headers.get("content-type")).toBe("application/pkix-crl");
      expect(again.headers.get("content-length")).toBe(String(firstBytes.length));
      expect(again.headers.get("x-content-type-options")).toBe("nosniff");
      const maxAge = maxAgeOf(again);
      expect(maxAge).toBeGreaterThanOrEqual(0);
      expect(maxAge).toBeLessThanOrEqual(10);
      expect(new Uint8Array(await again.arrayBuffer())).toEqual(firstBytes);
    }

    // The revocation stores the re-signed CRL and forgets this isolate's and location's copies: the new CRL at once.
    await ok("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/revoke`, t.token, { reason: "keyCompromise" });
    const after = await fetchCrl(root.crlUrl);
    expect(after.res.headers.get("cache-control")).toBe("public, max-age=10");
    expect(after.crl!.entries.map((entry) => entry.serialNumber.toLowerCase())).toEqual([leaf.serialNumber]);
  });

  it("sends the whole seconds a copy has left as max-age, never above 10, and drops it after 10 s", async () => {
    const caId = fakeCaId();
    const der = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x07]);
    const readAt = Date.now();
    rememberCrl(undefined, ORIGIN, caId, der, readAt);
    const ages = [0, 1, 2_500, 9_000, 9_999].map((elapsed) => maxAgeOf(rememberedCrl(caId, readAt + elapsed)!));
    expect(ages).toEqual([10, 9, 7, 1, 0]);
    const hit = rememberedCrl(caId, readAt + 3_000)!;
    expect(hit.headers.get("content-type")).toBe("application/pkix-crl");
    expect(hit.headers.get("content-length")).toBe("5");
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(der);
    expect(rememberedCrl(caId, readAt + 10_000)).toBeUndefined();
    expect(rememberedCrl(caId, readAt)).toBeUndefined(); // Dropped once expired.
    await forgetCrl([ORIGIN], caId);
  });

  it("holds at most CRL_MEMORY_LIMIT CRLs, evicting the oldest, and refills memory from the Cache API", async () => {
    const puts: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => void puts.push(promise) };
    const der = new Uint8Array([0x30, 0x00]);
    const oldest = fakeCaId();
    rememberCrl(ctx, ORIGIN, oldest, der);
    const others = Array.from({ length: CRL_MEMORY_LIMIT + 20 }, fakeCaId);
    for (const caId of others) rememberCrl(ctx, ORIGIN, caId, der);
    await Promise.all(puts);
    expect(crlMemorySizeForTests().entries).toBe(CRL_MEMORY_LIMIT);
    expect(rememberedCrl(oldest)).toBeUndefined();
    expect(rememberedCrl(others.at(-1)!)).toBeDefined();

    // The location still has it: a Cache API hit serves it with its remaining lifetime and fills memory again.
    const fromCache = await cachedCrl(ORIGIN, oldest);
    expect(fromCache).toBeDefined();
    expect(maxAgeOf(fromCache!)).toBeLessThanOrEqual(10);
    expect(new Uint8Array(await fromCache!.arrayBuffer())).toEqual(der);
    expect(rememberedCrl(oldest)).toBeDefined();
    expect(crlMemorySizeForTests().entries).toBe(CRL_MEMORY_LIMIT);

    // forgetCrl clears both layers.
    await forgetCrl([ORIGIN], oldest);
    expect(rememberedCrl(oldest)).toBeUndefined();
    expect(await cachedCrl(ORIGIN, oldest)).toBeUndefined();
  });

  it("holds at most CRL_MEMORY_BYTES of CRLs, one copy per CA whatever origin asked, and forgets it for every origin", async () => {
    const puts: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => void puts.push(promise) };
    const big = new Uint8Array(CRL_MEMORY_BYTES / 4 + 1); // Four of these do not fit together.
    const caIds = Array.from({ length: 4 }, fakeCaId);
    for (const caId of caIds) rememberCrl(ctx, ORIGIN, caId, big);
    await Promise.all(puts);
    expect(crlMemorySizeForTests().bytes).toBeLessThanOrEqual(CRL_MEMORY_BYTES);
    expect(rememberedCrl(caIds[0]!)).toBeUndefined(); // The oldest made room.
    expect(rememberedCrl(caIds[3]!)).toBeDefined();
    // A CRL larger than the whole budget is not kept in memory at all (the Cache API and D1 still serve it).
    const huge = fakeCaId();
    rememberCrl(ctx, ORIGIN, huge, new Uint8Array(CRL_MEMORY_BYTES + 1));
    expect(rememberedCrl(huge)).toBeUndefined();
    expect(crlMemorySizeForTests().bytes).toBeLessThanOrEqual(CRL_MEMORY_BYTES);

    // The same CA fetched under another origin is the same copy, and forgetting under one origin forgets it.
    const caId = fakeCaId();
    const entriesBefore = crlMemorySizeForTests().entries;
    rememberCrl(ctx, ORIGIN, caId, new Uint8Array([0x30, 0x00]));
    rememberCrl(ctx, "https://other.example", caId, new Uint8Array([0x30, 0x00]));
    expect(crlMemorySizeForTests().entries).toBeLessThanOrEqual(entriesBefore + 1);
    await forgetCrl(["https://other.example"], caId);
    expect(rememberedCrl(caId)).toBeUndefined();
  });

  it("never keeps a 404: an unknown CA id is asked of D1 each time", async () => {
    const t = await newTenant();
    const root = await newRoot(t);
    const hidden = `${root.id}x`;
    // The CA is unknown under its id for a moment (a fresh root has no certificates or children to point at it).
    await env.DB.prepare("UPDATE certificate_authorities SET id = ? WHERE id = ?").bind(hidden, root.id).run();
    expect((await call("GET", `/pki/${root.id}/crl`)).status).toBe(404);
    expect(rememberedCrl(root.id)).toBeUndefined();
    expect(await cachedCrl(ORIGIN, root.id)).toBeUndefined();
    await env.DB.prepare("UPDATE certificate_authorities SET id = ? WHERE id = ?").bind(root.id, hidden).run();
    const found = await fetchCrl(root.crlUrl);
    expect(found.res.status).toBe(200);
    expect(found.crl!.entries).toHaveLength(0);
  });
});
