/**
 * Obtain survives a CA that restarts or whose connections reset, at a known request rather than by chance:
 * the Worker reaches Pebble through a network the test disturbs (test/support/ca-network-proxy.ts).
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { caNetwork, restartPebble } from "../support/pebble-context";

let token: string;

beforeAll(async () => {
  token = await newTeamToken();
});

afterEach(async () => {
  await caNetwork.clear();
});

/** An obtain for a name nobody used before, and how many orders the CA created for that name. */
async function obtainFresh(label: string) {
  const domain = freshDomain(label);
  const projectId = await newProject(token, domain);
  const res = await obtainHttp01(token, projectId);
  return { res, projectId, domain, orders: await caNetwork.ordersFor(domain) };
}

describe("obtain when the CA's connections break", () => {
  it("a CA restart that kills every pooled connection does not fail the next obtain", async () => {
    // Warm the Worker's connection pool with a few concurrent obtains, then kill every connection at once.
    const warm = await Promise.all([obtainFresh("warm"), obtainFresh("warm"), obtainFresh("warm")]);
    for (const { res } of warm) expect(res.status, res.text).toBe(200);
    expect(await caNetwork.cut()).toBeGreaterThan(0);
    const { res, orders } = await obtainFresh("after-cut");
    expect(res.status, res.text).toBe(200);
    expect(orders).toBe(1);
  });

  it("Pebble itself restarted (new process, no accounts) right before an obtain", async () => {
    await obtainFresh("before-restart");
    await restartPebble();
    const { res, orders } = await obtainFresh("after-restart");
    expect(res.status, res.text).toBe(200);
    expect(orders).toBe(1);
  });

  it("a CA unreachable for three seconds: the obtain waits it out", async () => {
    await caNetwork.cut();
    await caNetwork.refuse(3000);
    const { res, orders } = await obtainFresh("refused");
    expect(res.status, res.text).toBe(200);
    expect(orders).toBe(1);
    expect((await caNetwork.log()).some((r) => r.fault === "refused")).toBe(true);
  });

  it("a CA unreachable for longer than the retry budget: 503, nothing stored", async () => {
    await caNetwork.cut();
    await caNetwork.refuse(20_000);
    const { res, projectId } = await obtainFresh("down");
    expect(res.status, res.text).toBe(503);
    expect(res.body.code).toBe("ca_unreachable");
    expect(res.body.error).toMatch(/Could not reach the ACME CA/);
    await caNetwork.clear();
    expect((await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body).toBeNull();
  });

  // Every request kind of an HTTP-01 obtain, its connection reset before the CA saw it.
  for (const kind of ["directory", "newNonce", "newAccount", "newOrder", "authorization", "challenge", "finalize", "order", "certificate"]) {
    it(`${kind}: connection reset before the CA sees it → retried, one order`, async () => {
      if (kind === "newAccount") await restartPebble(); // the stored account is forgotten: newAccount runs again
      await caNetwork.cut();
      await caNetwork.fault(kind, "before", 2);
      const { res, orders } = await obtainFresh(`before-${kind}`);
      expect(res.status, res.text).toBe(200);
      expect(orders).toBe(1);
      const faulted = (await caNetwork.log()).filter((r) => r.fault === "before");
      expect(faulted.map((r) => r.kind)).toEqual([kind, kind]);
    });
  }

  // The CA acted on the request and its answer was lost: the client must find out what happened, not give up.
  for (const kind of ["newAccount", "challenge", "finalize", "order", "certificate"]) {
    it(`${kind}: answer lost after the CA acted on it → recovered, one order`, async () => {
      if (kind === "newAccount") await restartPebble();
      await caNetwork.fault(kind, "after", 1);
      const { res, orders } = await obtainFresh(`after-${kind}`);
      expect(res.status, res.text).toBe(200);
      expect(orders).toBe(1);
      expect((await caNetwork.log()).filter((r) => r.fault === "after").map((r) => r.kind)).toEqual([kind]);
    });
  }

  it("newOrder: answer lost after the CA created the order → a second order, and the obtain succeeds", async () => {
    // RFC 8555 gives no way to find an order whose creation answer was lost (Let's Encrypt does not list an
    // account's orders), so the client orders again; the lost order stays pending and expires unused.
    await caNetwork.fault("newOrder", "after", 1);
    const { res, orders } = await obtainFresh("after-newOrder");
    expect(res.status, res.text).toBe(200);
    expect(orders).toBe(2);
    expect((await caNetwork.log()).filter((r) => r.fault === "after").map((r) => r.kind)).toEqual(["newOrder"]);
  });
});
