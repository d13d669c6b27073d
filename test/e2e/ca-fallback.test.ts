/**
 * CA fallback with two Pebbles: the primary down, the order goes to the fallback CA, which the stored certificate then
 * names, and its renewal goes there first; a refusal that is not the CA's (CAA) never moves to another CA. The issuance
 * job runs here in workerd (runIssuance with this project's D1) over DNS-01 through the Cloudflare fake, so the CAs can
 * be chosen per test without touching the Worker the other tests share.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runIssuance } from "../../src/issuance/run-issuance";
import { claimDomain, createTeam, directDeps, dns01Obtain, dns01Renewal, extraOrders as orders, storedIssuance } from "../support/direct-issuance";
import { e2e, randomName, startExtraPebble, type ExtraPebble } from "../support/pebble-context";

let primary: ExtraPebble;
let fallback: ExtraPebble;
const teamId = `team_fallback_${Date.now().toString(36)}`;

/** A primary CA that is down: every request answered 503, as from its load balancer. */
const downCa = () => `${inject("harnessUrl")}/unavailable/directory`;

const deps = (primaryUrl = primary.directoryUrl) => directDeps(primaryUrl, [fallback.directoryUrl]);
const claim = (domain: string) => claimDomain(teamId, domain);
const obtainRequest = (domain: string, directoryUrl = primary.directoryUrl) => dns01Obtain(teamId, domain, directoryUrl);

beforeAll(async () => {
  [primary, fallback] = await Promise.all([startExtraPebble({ nonceReject: 0 }), startExtraPebble({ nonceReject: 0 })]);
  await createTeam(teamId, "Fallback");
});

afterAll(async () => {
  await Promise.allSettled([primary?.remove(), fallback?.remove()]);
});

describe("CA fallback", () => {
  it("orders from the fallback CA while the primary is down, records it, and renews there first", async () => {
    const domain = randomName("fallback");
    await claim(domain);
    const before = await orders(fallback);
    const outcome = await runIssuance(deps(downCa()), obtainRequest(domain, downCa()));
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ state: "issued" });
    if (outcome.state !== "issued") return;
    expect(await orders(fallback)).toBe(before + 1);
    const first = await storedIssuance(outcome.certificateId);
    expect(first.issuance.directoryUrl).toBe(fallback.directoryUrl);

    // A primary that works again, yet the renewal goes to the CA that issued the certificate.
    const primaryBefore = await orders(primary);
    const renewed = await runIssuance(deps(), dns01Renewal(teamId, domain, first.issuance.directoryUrl, outcome.certificateId));
    expect(renewed, JSON.stringify(renewed)).toMatchObject({ state: "issued", certificateId: outcome.certificateId });
    expect(await orders(fallback)).toBe(before + 2);
    expect(await orders(primary)).toBe(primaryBefore);
    expect((await storedIssuance(outcome.certificateId)).serial).not.toBe(first.serial);
  });

  it("never moves to another CA for a refusal that is not the CA's: CAA forbids every CA", async () => {
    const domain = randomName("fallback-caa");
    await claim(domain);
    const host = `${domain}.`;
    await fetch(`${e2e().challtestsrvUrl}/add-caa`, { method: "POST", body: JSON.stringify({ host, policies: [{ tag: "issue", value: ";" }] }) });
    try {
      const before = { primary: await orders(primary), fallback: await orders(fallback) };
      const outcome = await runIssuance(deps(), obtainRequest(domain));
      expect(outcome.state).toBe("failed");
      if (outcome.state !== "failed") return;
      expect(outcome.error.status).toBe(400);
      expect(await orders(primary)).toBe(before.primary);
      expect(await orders(fallback)).toBe(before.fallback);
    } finally {
      await fetch(`${e2e().challtestsrvUrl}/clear-caa`, { method: "POST", body: JSON.stringify({ host }) });
    }
  });
});
