/**
 * Replay nonces (RFC 8555 §6.5) through the AcmeNonceStore Durable Objects: single use, sharded by the first
 * character, unknown after a restart; and the bounded window each shard keeps.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { NonceWindow } from "../../../src/acme-server/nonce-window";
import { issueNonce, nonceShardName, redeemNonce, requestNonces } from "../../../src/acme-server/nonces";
import { AcmeNonceStore } from "../../../src/objects/acme-nonces";

const shardStub = (shard: string) => env.ACME_NONCES.get(env.ACME_NONCES.idFromName(nonceShardName(shard)));

describe("issueNonce / redeemNonce", () => {
  it("a nonce redeems once: issue → true → false", async () => {
    const nonce = await issueNonce(env);
    expect(nonce).toMatch(/^[0-9a-f][A-Za-z0-9_-]{22}$/);
    expect(await redeemNonce(env, nonce)).toBe(true);
    expect(await redeemNonce(env, nonce)).toBe(false);
  });

  it("nonces are distinct and spread over the shards", async () => {
    const issued = await Promise.all(Array.from({ length: 200 }, () => issueNonce(env)));
    expect(new Set(issued).size).toBe(200);
    // 16 shards, 200 draws: every shard is hit unless the draw is broken (chance of missing one ≈ 16 × (15/16)^200).
    expect(new Set(issued.map((nonce) => nonce[0])).size).toBe(16);
    const redeemed = await Promise.all(issued.map((nonce) => redeemNonce(env, nonce)));
    expect(redeemed.every(Boolean)).toBe(true);
  });

  it.each([
    ["never issued", "0AAAAAAAAAAAAAAAAAAAAAA"],
    ["empty", ""],
    ["too long", `0${"A".repeat(40)}`],
    ["not base64url", "0AAAAAAAAAAAAAAAAAAAAA+"],
    ["no such shard", "gAAAAAAAAAAAAAAAAAAAAAA"],
  ])("an unknown nonce (%s) is refused", async (_name, nonce) => {
    expect(await redeemNonce(env, nonce)).toBe(false);
  });

  it("a nonce is only good at the shard that issued it", async () => {
    const nonce = await issueNonce(env);
    const otherShard = nonce[0] === "0" ? "1" : "0";
    expect(await redeemNonce(env, otherShard + nonce.slice(1))).toBe(false);
    expect(await redeemNonce(env, nonce)).toBe(true);
  });

  it("many concurrent redeems of one nonce: exactly one succeeds", async () => {
    const nonce = await issueNonce(env);
    const results = await Promise.all(Array.from({ length: 25 }, () => redeemNonce(env, nonce)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("concurrent redeems of different nonces all succeed, each once", async () => {
    const issued = await Promise.all(Array.from({ length: 30 }, () => issueNonce(env)));
    const twice = [...issued, ...issued];
    const results = await Promise.all(twice.map((nonce) => redeemNonce(env, nonce)));
    expect(results.filter(Boolean)).toHaveLength(30);
  });

  it("a shard that restarts (empty memory) knows none of its earlier nonces", async () => {
    const nonce = await issueNonce(env);
    const stub = shardStub(nonce[0]!);
    // What a restart leaves: a fresh window in place of the old one.
    await runInDurableObject(stub, (object) => {
      expect(object).toBeInstanceOf(AcmeNonceStore);
      (object as unknown as { window: NonceWindow }).window = new NonceWindow(8);
    });
    expect(await redeemNonce(env, nonce)).toBe(false);
    const fresh = await issueNonce(env);
    expect(await redeemNonce(env, fresh)).toBe(true);
  });
});

describe("requestNonces", () => {
  it("redeeming brings the response's nonce from the same shard; it is fresh and redeems once", async () => {
    const incoming = await issueNonce(env);
    const nonces = requestNonces(env);
    expect(await nonces.redeem(incoming)).toBe(true);
    const next = await nonces.next();
    expect(next).not.toBe(incoming);
    expect(next[0]).toBe(incoming[0]);
    expect(await redeemNonce(env, incoming)).toBe(false);
    expect(await redeemNonce(env, next)).toBe(true);
    expect(await redeemNonce(env, next)).toBe(false);
  });

  it("a refused nonce still brings a fresh one for the badNonce answer", async () => {
    const nonces = requestNonces(env);
    expect(await nonces.redeem("0AAAAAAAAAAAAAAAAAAAAAA")).toBe(false);
    expect(await redeemNonce(env, await nonces.next())).toBe(true);
  });

  it("without a redeem (a GET, a body refused early) next issues one; each call a different nonce", async () => {
    const nonces = requestNonces(env);
    const [a, b] = [await nonces.next(), await nonces.next()];
    expect(a).not.toBe(b);
    expect(await redeemNonce(env, a)).toBe(true);
    expect(await redeemNonce(env, b)).toBe(true);
  });
});

describe("NonceWindow", () => {
  it("forgets the oldest nonces past its capacity; the newest stay redeemable", () => {
    const window = new NonceWindow(3);
    const issued = Array.from({ length: 5 }, () => window.issue());
    expect(window.size).toBe(3);
    expect(issued.map((nonce) => window.redeem(nonce))).toEqual([false, false, true, true, true]);
    expect(window.size).toBe(0);
  });

  it("a redeemed nonce frees its place, so it does not push out an outstanding one", () => {
    const window = new NonceWindow(2);
    const a = window.issue();
    const b = window.issue();
    expect(window.redeem(a)).toBe(true);
    const c = window.issue();
    expect([window.redeem(b), window.redeem(c)]).toEqual([true, true]);
  });

  it("nonces are 128 random bits in base64url", () => {
    const window = new NonceWindow(1000);
    const issued = Array.from({ length: 1000 }, () => window.issue());
    expect(new Set(issued).size).toBe(1000);
    for (const nonce of issued) expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new NonceWindow(0)).toThrow(RangeError);
    expect(() => new NonceWindow(1.5)).toThrow(RangeError);
  });
});
