/** DNS-over-HTTPS propagation checks against a fake DoH JSON resolver that caches like a real one, with a virtual clock. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { lookupTxt, waitForTxtRecord, waitForTxtRecords, type WaitForTxtOptions } from "../../../src/dns/propagation";
import { createDohFake, type DohFake } from "../../support/dns-fakes/doh";

const RESOLVER = "https://cloudflare-dns.com/dns-query";
const FQDN = "_acme-challenge.example.com";
const VALUE = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

const START = 1_700_000_000_000;

/** Options with a virtual clock that only moves when the poller sleeps; `onSleep` runs after each sleep. */
function virtualTime(doh: DohFake, onSleep: (slept: number) => void = () => {}): WaitForTxtOptions & { clock: () => number } {
  let t = START;
  let slept = 0;
  return {
    resolverUrl: RESOLVER,
    fetch: doh.fetch,
    timeoutMs: 30_000,
    intervalMs: 5_000,
    now: () => t,
    sleep: async (ms) => {
      t += ms;
      onSleep(++slept);
    },
    clock: () => t,
  };
}

describe("lookupTxt", () => {
  it("asks the resolver's JSON API for TXT and returns unquoted, joined strings", async () => {
    const doh = createDohFake();
    const long = "x".repeat(300);
    doh.set(FQDN, [VALUE, long, 'has "quotes"']);
    expect(await lookupTxt(`${FQDN}.`, { resolverUrl: RESOLVER, fetch: doh.fetch })).toEqual([VALUE, long, 'has "quotes"']);
    expect(doh.requests).toEqual([`GET /dns-query?name=${FQDN}&type=TXT`]);
  });

  it("returns nothing for NXDOMAIN and throws for a resolver failure", async () => {
    const doh = createDohFake();
    expect(await lookupTxt(FQDN, { resolverUrl: RESOLVER, fetch: doh.fetch })).toEqual([]);
    doh.failNext(1);
    await expect(lookupTxt(FQDN, { resolverUrl: RESOLVER, fetch: doh.fetch })).rejects.toThrow(/HTTP 503/);
  });

  it("ignores answers of other types (a CNAME on the way)", async () => {
    const fetchJson: typeof fetch = async () =>
      Response.json({
        Status: 0,
        Answer: [
          { name: `${FQDN}.`, type: 5, TTL: 60, data: "_acme-challenge.delegated.example.net." },
          { name: "_acme-challenge.delegated.example.net.", type: 16, TTL: 60, data: `"${VALUE}"` },
        ],
      });
    expect(await lookupTxt(FQDN, { resolverUrl: RESOLVER, fetch: fetchJson })).toEqual([VALUE]);
  });
});

describe("waitForTxtRecord", () => {
  it("returns at once when the value is already visible beside others", async () => {
    const doh = createDohFake();
    doh.set(FQDN, ["other", VALUE]);
    const options = virtualTime(doh);
    await waitForTxtRecord(FQDN, VALUE, options);
    expect(doh.requests).toHaveLength(1);
  });

  it("polls until the value appears, riding out resolver failures", async () => {
    const doh = createDohFake();
    doh.failNext(1);
    const options = virtualTime(doh, (slept) => {
      if (slept === 3) doh.set(FQDN, [VALUE]);
    });
    await waitForTxtRecord(FQDN, VALUE, options);
    expect(doh.requests).toHaveLength(4);
  });

  it("gives up at the deadline with dns_provider_error", async () => {
    const doh = createDohFake();
    doh.set(FQDN, ["a-different-value"]);
    const options = virtualTime(doh);
    const start = options.clock();
    const error = await waitForTxtRecord(FQDN, VALUE, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("dns_provider_error");
    expect((error as AppError).status).toBe(502);
    expect((error as AppError).message).toBe("TXT record for _acme-challenge.example.com did not propagate within 30 s");
    expect(options.clock() - start).toBe(30_000);
    expect(doh.requests).toHaveLength(7); // at 0, 5, …, 30 s
  });

  it("says what went wrong when the resolver never answered", async () => {
    const doh = createDohFake();
    doh.failNext(100);
    const error = await waitForTxtRecord(FQDN, VALUE, { ...virtualTime(doh), timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect((error as AppError).message).toBe(
      "TXT record for _acme-challenge.example.com did not propagate within 10 s (last DNS-over-HTTPS query: resolver answered HTTP 503)",
    );
  });

  it("works with real timers for short waits", async () => {
    const doh = createDohFake();
    setTimeout(() => doh.set(FQDN, [VALUE]), 30);
    await waitForTxtRecord(FQDN, VALUE, { resolverUrl: RESOLVER, fetch: doh.fetch, timeoutMs: 2_000, intervalMs: 10 });
  });
});

describe("the fake resolver, as a caching one", () => {
  it("keeps serving its first answer for a name until that answer's TTL has passed", async () => {
    let t = START;
    const doh = createDohFake({ now: () => t });
    const ask = () => lookupTxt(FQDN, { resolverUrl: RESOLVER, fetch: doh.fetch });
    doh.set(FQDN, ["first"], 600);
    expect(await ask()).toEqual(["first"]);
    doh.set(FQDN, ["first", "second"], 600);
    t += 599_000;
    expect(await ask()).toEqual(["first"]);
    t += 1_000;
    expect(await ask()).toEqual(["first", "second"]);
    expect(doh.answers(FQDN)).toEqual([["first"], ["first"], ["first", "second"]]);
  });

  it("counts the TTL down in its answers and caches NXDOMAIN only when told to (RFC 2308)", async () => {
    let t = START;
    const doh = createDohFake({ now: () => t, negativeTtlSeconds: 300 });
    const ttls = async () => ((await (await doh.fetch(`${RESOLVER}?name=${FQDN}&type=TXT`, { headers: { accept: "application/dns-json" } })).json()) as { Answer?: { TTL: number }[] }).Answer?.map((a) => a.TTL);
    expect(await ttls()).toBeUndefined(); // NXDOMAIN, now cached for 300 s
    doh.set(FQDN, [VALUE], 60);
    t += 299_000;
    expect(await ttls()).toBeUndefined();
    t += 1_000;
    expect(await ttls()).toEqual([60]);
    t += 45_000;
    expect(await ttls()).toEqual([15]);
  });
});

describe("waitForTxtRecords", () => {
  const OTHER = "_acme-challenge.other.example.com";

  it("waits for every value at every name, and asks no more about a name once it is complete", async () => {
    const doh = createDohFake();
    doh.set(FQDN, ["a", "b"]);
    const options = virtualTime(doh, (slept) => {
      if (slept === 2) doh.set(OTHER, ["c"]);
    });
    await waitForTxtRecords(new Map([[FQDN, ["a", "b"]], [OTHER, ["c"]]]), options);
    expect(doh.answers(FQDN)).toHaveLength(1);
    expect(doh.answers(OTHER)).toEqual([[], [], ["c"]]);
  });

  it("names each incomplete name and how many of its values showed", async () => {
    const doh = createDohFake();
    doh.set(FQDN, ["a"]);
    const options = virtualTime(doh);
    const error = (await waitForTxtRecords(new Map([[FQDN, ["a", "b"]], [OTHER, ["c"]]]), options).catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.message).toBe(
      `TXT records for ${FQDN}, ${OTHER} did not propagate within 30 s (${FQDN}: 1 of 2 values visible)`,
    );
  });

  it("stops at a given deadline and reports the whole budget", async () => {
    const doh = createDohFake();
    const options = virtualTime(doh);
    const start = options.clock();
    const error = (await waitForTxtRecords(new Map([[FQDN, [VALUE]]]), { ...options, timeoutMs: 120_000, deadline: start + 10_000 }).catch((e: unknown) => e)) as AppError;
    expect(error.message).toBe(`TXT record for ${FQDN} did not propagate within 120 s`);
    expect(options.clock() - start).toBe(10_000);
  });
});
