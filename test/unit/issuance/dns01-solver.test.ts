/**
 * The DNS-01 solver driven as issue-certificate drives it (present every task, settle once, clean up), against provider
 * fakes and a fake resolver that caches answers for their TTL as real ones do.
 */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { createAwsProvider } from "../../../src/dns/aws";
import { createGodaddyProvider } from "../../../src/dns/godaddy";
import { createGoogleProvider } from "../../../src/dns/google";
import { dns01Solver } from "../../../src/issuance/dns01-solver";
import type { ChallengeSolver, ChallengeTask } from "../../../src/issuance/solver";
import { createRoute53Fake } from "../../support/dns-fakes/aws";
import { createDohFake } from "../../support/dns-fakes/doh";
import { createGodaddyFake } from "../../support/dns-fakes/godaddy";
import { createGoogleFake } from "../../support/dns-fakes/google";
import { generateServiceAccountKey } from "../../support/dns-fakes/keys";
import { virtualClock } from "../dns/virtual-clock";

const RESOLVER = "https://cloudflare-dns.com/dns-query";
const NAME = "_acme-challenge.example.com";
/** example.com and *.example.com: both authorizations are for the identifier example.com (RFC 8555 §7.1.4). */
const APEX: ChallengeTask = { domain: "example.com", token: "t-apex", keyAuthorization: "k-apex", dnsTxtValue: "apex-value" };
const WILDCARD: ChallengeTask = { domain: "example.com", token: "t-wild", keyAuthorization: "k-wild", dnsTxtValue: "wildcard-value" };
const GODADDY = { apiKey: "gd-key-0123456789", apiSecret: "gd-secret-0123456789" };

/** What issue-certificate does with a solver: present each task, settle once, then (after the CA) clean up. */
async function prove(solver: ChallengeSolver, tasks: ChallengeTask[]): Promise<void> {
  for (const task of tasks) await solver.present(task);
  await solver.settle?.(tasks);
}

/** GoDaddy (600 s TTL, its smallest) behind a resolver that caches what it answers. */
function godaddySetup() {
  const clock = virtualClock();
  const fake = createGodaddyFake({ ...GODADDY, domains: ["example.com"] });
  const doh = createDohFake({ now: clock.now, authority: (fqdn) => ({ values: fake.txt(fqdn), ttlSeconds: 600 }) });
  const provider = createGodaddyProvider(GODADDY, { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
  const solver = dns01Solver(provider, { resolverUrl: RESOLVER, fetch: doh.fetch, now: clock.now, sleep: clock.sleep });
  return { clock, fake, doh, solver };
}

describe("dns01Solver", () => {
  it("presents a wildcard's and its apex's values before the resolver is first asked, so its one answer holds both", async () => {
    const { clock, fake, doh, solver } = godaddySetup();
    await prove(solver, [APEX, WILDCARD]);
    expect(fake.txt(NAME)).toEqual(["apex-value", "wildcard-value"]);
    expect(doh.answers(NAME)).toEqual([["apex-value", "wildcard-value"]]);
    expect(clock.sleeps).toEqual([]);

    await solver.cleanUp(WILDCARD);
    expect(fake.txt(NAME)).toEqual(["apex-value"]);
    await solver.cleanUp(APEX);
    expect(fake.txt(NAME)).toEqual([]);
  });

  it("reports a name a resolver cached before its second value, saying how many values showed", async () => {
    const { clock, doh, solver } = godaddySetup();
    await solver.present(APEX);
    // Someone asks the resolver now: it caches the one-value answer for 600 s, longer than the check's 120 s.
    await doh.fetch(`${RESOLVER}?name=${NAME}&type=TXT`, { headers: { accept: "application/dns-json" } });
    await solver.present(WILDCARD);
    const start = clock.now();
    const error = (await solver.settle!([APEX, WILDCARD]).catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("dns_provider_error");
    expect(error.message).toBe(`TXT record for ${NAME} did not propagate within 120 s (1 of 2 values visible)`);
    expect(clock.now() - start).toBe(120_000);
  });

  it("checks every name of the order, each for all of its values", async () => {
    const { fake, doh, solver } = godaddySetup();
    const www: ChallengeTask = { domain: "www.example.com", token: "t-www", keyAuthorization: "k-www", dnsTxtValue: "www-value" };
    await prove(solver, [APEX, WILDCARD, www]);
    expect(fake.txt("_acme-challenge.www.example.com")).toEqual(["www-value"]);
    expect(doh.answers("_acme-challenge.www.example.com")).toEqual([["www-value"]]);
    expect(doh.answers(NAME)).toEqual([["apex-value", "wildcard-value"]]);
  });

  it("asks the resolver only once Route 53 reports every change INSYNC", async () => {
    const clock = virtualClock();
    const key = { accessKeyId: "AKIAFAKE0123456789AB", secretAccessKey: "fakeSecretKey/0123456789abcdefghijklmnopqrs" };
    const fake = createRoute53Fake({ ...key, zones: [{ id: "Z1EXAMPLECOM", name: "example.com" }], now: clock.now, syncAfterMs: 7_000 });
    const statusWhenAsked: (string | undefined)[] = [];
    const doh = createDohFake({
      now: clock.now,
      authority: (fqdn) => {
        statusWhenAsked.push(fake.changeStatus("C1FAKE"), fake.changeStatus("C2FAKE"));
        return { values: fake.txt(fqdn), ttlSeconds: 60 };
      },
    });
    const provider = createAwsProvider(key, { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
    await prove(dns01Solver(provider, { resolverUrl: RESOLVER, fetch: doh.fetch, now: clock.now, sleep: clock.sleep }), [APEX, WILDCARD]);
    expect(statusWhenAsked).toEqual(["INSYNC", "INSYNC"]);
    expect(fake.requests.filter((r) => r.startsWith("GET /2013-04-01/change/")).length).toBeGreaterThanOrEqual(2);
    expect(doh.answers(NAME)).toEqual([["apex-value", "wildcard-value"]]);
  });

  it("without a resolver still waits for the provider to apply its changes, and asks no resolver", async () => {
    const clock = virtualClock();
    const key = await generateServiceAccountKey();
    const email = "certdesk-dns@my-project-123.iam.gserviceaccount.com";
    const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: email, publicKey: key.publicKey, zones: [{ name: "example-com", dnsName: "example.com." }], now: clock.now, doneAfterMs: 4_000 });
    const doh = createDohFake({ now: clock.now });
    const provider = createGoogleProvider({ projectId: "my-project-123", credentials: { client_email: email, private_key: key.privateKeyPem } }, { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
    await prove(dns01Solver(provider, { resolverUrl: null, fetch: doh.fetch, now: clock.now, sleep: clock.sleep }), [APEX, WILDCARD]);
    expect(fake.changeStatus("1")).toBe("done");
    expect(fake.changeStatus("2")).toBe("done");
    expect(clock.sleeps).toEqual([2_000, 2_000]);
    expect(doh.requests).toEqual([]);
  });
});
