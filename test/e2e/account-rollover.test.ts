/**
 * Account key rollover (RFC 8555 §7.3.5) and account deactivation (§7.3.6) against a real Pebble: first with the
 * ACME client directly (the old key refused, lost answers confirmed), then through the operator endpoints, with
 * obtains over HTTP-01 before and after.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { AcmeClient, generateAccountKey, isAcmeProblem, type AcmeProblem } from "../../src/acme";
import { api, freshDomain, newProject, obtainHttp01 } from "../support/e2e-api";
import { caNetwork, e2e, randomName } from "../support/pebble-context";

const pebble = () => e2e().pebbleDirectoryUrl;

/** A new account at Pebble under a new key. */
async function newAccount(fetchFn?: typeof fetch) {
  const accountKey = await generateAccountKey();
  const client = new AcmeClient({ directoryUrl: pebble(), accountKey, ...(fetchFn ? { fetch: fetchFn } : {}) });
  const { accountUrl } = await client.createAccount({ termsOfServiceAgreed: true });
  return { client, accountKey, accountUrl };
}

/**
 * A fetch that loses Pebble's answer to the first POST to a URL that `matches` and that Pebble acts on (not a badNonce
 * refusal): Pebble has done it, the client sees a broken connection (what test/support/ca-network-proxy.ts does to the Worker's requests).
 */
function losingFirstAnswer(matches: (url: string) => boolean) {
  const state = { lost: 0 };
  const fetchFn: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (state.lost === 0 && init?.method === "POST" && matches(url)) {
      // A badNonce refusal is not the answer to lose: Pebble rejects some nonces on purpose (PEBBLE_WFE_NONCEREJECT)
      // and acts on nothing then; the client repeats, and that repeat's answer is the one lost.
      if (response.status === 400 && (await response.clone().text()).includes("badNonce")) return response;
      state.lost++;
      await response.arrayBuffer();
      throw new TypeError("Network connection lost.");
    }
    return response;
  };
  return { fetchFn, state };
}

describe("the ACME client against Pebble", () => {
  it("keyChange: the account keeps its URL under the new key, and the old key is refused", async () => {
    const { client, accountKey: oldKey, accountUrl } = await newAccount();
    const newKey = await generateAccountKey();
    expect(await client.keyChange(newKey)).toEqual({ accountUrl, confirmedByLookup: false });

    // The client signs with the new key from now on, and the CA accepts it for the account.
    const order = await client.newOrder({ identifiers: [randomName("rolled")] });
    expect(order.status).toBe("pending");
    expect(await new AcmeClient({ directoryUrl: pebble(), accountKey: newKey }).findAccount()).toBe(accountUrl);

    // A JWS signed by the old key under the account's kid is refused; the old key finds no account.
    const stale = new AcmeClient({ directoryUrl: pebble(), accountKey: oldKey, accountUrl });
    const refused = (await stale.newOrder({ identifiers: [randomName("stale")] }).catch((e: unknown) => e)) as AcmeProblem;
    expect(isAcmeProblem(refused)).toBe(true);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(await new AcmeClient({ directoryUrl: pebble(), accountKey: oldKey }).findAccount()).toBeNull();
  });

  it("keyChange whose answer was lost: Pebble refuses the repeat (old key), and the new key finds the account", async () => {
    const { fetchFn, state } = losingFirstAnswer((url) => url.includes("/rollover-account-key"));
    const { client, accountUrl } = await newAccount(fetchFn);
    const newKey = await generateAccountKey();
    expect(await client.keyChange(newKey)).toEqual({ accountUrl, confirmedByLookup: true });
    expect(state.lost).toBe(1);
    await client.newOrder({ identifiers: [randomName("confirmed")] });
  });

  it("deactivateAccount: the account can no longer order, nor be deactivated or found again", async () => {
    const { client, accountKey } = await newAccount();
    expect((await client.deactivateAccount()).status).toBe("deactivated");
    const order = await client.newOrder({ identifiers: [randomName("gone")] }).catch((e: unknown) => e);
    expect(isAcmeProblem(order, "unauthorized")).toBe(true);
    expect(isAcmeProblem(await client.deactivateAccount().catch((e: unknown) => e), "unauthorized")).toBe(true);
    const again = new AcmeClient({ directoryUrl: pebble(), accountKey });
    expect(isAcmeProblem(await again.createAccount({ termsOfServiceAgreed: true }).catch((e: unknown) => e), "unauthorized")).toBe(true);
  });

  it("deactivateAccount whose answer was lost: the repeat's unauthorized is read back as done", async () => {
    const { fetchFn, state } = losingFirstAnswer((url) => url.includes("/my-account/"));
    const { client } = await newAccount(fetchFn);
    expect(await client.deactivateAccount()).toEqual({ status: "deactivated" });
    expect(state.lost).toBe(1);
    expect(isAcmeProblem(await client.newOrder({ identifiers: [randomName("gone")] }).catch((e: unknown) => e), "unauthorized")).toBe(true);
  });
});

/** A team made by the operator: its id (for the operator endpoints) and its first token. */
async function newTeam(): Promise<{ id: string; token: string }> {
  const slug = `e2e-roll-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const res = await api("POST", "/api/v1/teams", e2e().adminToken, { slug, name: "Rollover" });
  expect(res.status, res.text).toBe(200);
  return { id: res.body.id, token: res.body.token };
}

async function obtainFresh(token: string, label: string) {
  const res = await obtainHttp01(token, await newProject(token, freshDomain(label)));
  expect(res.status, res.text).toBe(200);
}

const posts = async (kindOrPath: (r: { kind: string; method: string; path: string }) => boolean) =>
  (await caNetwork.log()).filter((r) => r.method === "POST" && kindOrPath(r));

describe("the operator endpoints through the Worker", () => {
  afterEach(async () => {
    await caNetwork.clear();
  });

  it("rollover: the team's account gets a new key at Pebble, and the next obtain works with it, on the same account", async () => {
    const team = await newTeam();
    await obtainFresh(team.token, "before-roll");

    await caNetwork.clear();
    const rolled = await api("POST", "/api/v1/admin/acme-accounts/rollover", e2e().adminToken, { teamId: team.id, directoryUrl: inject("workerDirectoryUrl") });
    expect(rolled.status, rolled.text).toBe(200);
    expect(rolled.body).toEqual({ rolledOver: 1, failed: [], next: null });
    // At least: Pebble refuses a few good nonces on purpose (badNonce, retried at once with a fresh one).
    expect((await posts((r) => r.path.startsWith("/rollover-account-key"))).length).toBeGreaterThanOrEqual(1);
    expect(rolled.text).not.toMatch(/"d"|"x"|v2\./); // no key material in the answer

    // The stored kid with the stored (new) key: Pebble verifies every JWS against the key it holds for the account,
    // so an order that works without a new account means Pebble has the new key, and the old one signs nothing.
    await caNetwork.clear();
    await obtainFresh(team.token, "after-roll");
    expect(await posts((r) => r.kind === "newAccount")).toHaveLength(0);
    expect((await posts((r) => r.kind === "newOrder")).length).toBeGreaterThanOrEqual(1);

    const audit = await api("GET", "/api/v1/audit-log", team.token);
    expect(audit.status, audit.text).toBe(200);
    expect(JSON.stringify(audit.body)).toContain("POST /api/v1/admin/acme-accounts/rollover");
  });

  it("deactivate: the account is deactivated at Pebble and forgotten; the team's next obtain makes a new one, and another team's works", async () => {
    const team = await newTeam();
    await obtainFresh(team.token, "before-deactivate");

    await caNetwork.clear();
    const res = await api("POST", "/api/v1/admin/acme-accounts/deactivate", e2e().adminToken, { teamId: team.id });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ deactivated: 1, failed: [] });
    expect((await posts((r) => r.kind === "account")).length).toBeGreaterThanOrEqual(1);

    // Forgotten: the team's next obtain creates a new account.
    await caNetwork.clear();
    await obtainFresh(team.token, "after-deactivate");
    expect((await posts((r) => r.kind === "newAccount")).length).toBeGreaterThanOrEqual(1);

    const other = await newTeam();
    await obtainFresh(other.token, "other-team");

    // Nothing left to deactivate a second time but the new account; repeating is harmless.
    const again = await api("POST", "/api/v1/admin/acme-accounts/deactivate", e2e().adminToken, { teamId: team.id });
    expect(again.body).toEqual({ deactivated: 1, failed: [] });
  });
});
