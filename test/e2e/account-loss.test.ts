/**
 * A CA that forgot the team's account (RFC 8555 §7.3.1: `accountDoesNotExist`), as a restarted Pebble does, and whose
 * root changed with it: the renewal registers a new account, stores it, and stores the new chain, judged on its own
 * and not against the root that issued the certificate it replaces. A Pebble of this file's own, restarted here, so
 * the Pebble the other tests share keeps its accounts.
 */
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runIssuance } from "../../src/issuance/run-issuance";
import { verifiesUpTo } from "../support/chain-check";
import { claimDomain, createTeam, directDeps, dns01Obtain, dns01Renewal, extraOrders, storedIssuance } from "../support/direct-issuance";
import { pebbleRoots, randomName, startExtraPebble, type ExtraPebble } from "../support/pebble-context";

let pebble: ExtraPebble;
const teamId = `team_accountloss_${Date.now().toString(36)}`;

/** The team's stored account at this file's Pebble. */
async function storedAccount() {
  return env.DB.prepare("SELECT id, account_url, sealed_key FROM acme_accounts WHERE team_id = ? AND directory_url = ?")
    .bind(teamId, pebble.directoryUrl)
    .first<{ id: string; account_url: string; sealed_key: string }>();
}

beforeAll(async () => {
  pebble = await startExtraPebble({ nonceReject: 0 });
  await createTeam(teamId, "Account loss");
});

afterAll(async () => {
  await pebble?.remove();
});

describe("a CA that forgot the account", () => {
  it("renews after the CA restarted (no accounts, new root): a new account is stored, the new chain is kept", async () => {
    const domain = randomName("account-loss");
    await claimDomain(teamId, domain);
    const deps = directDeps(pebble.directoryUrl);
    const obtained = await runIssuance(deps, dns01Obtain(teamId, domain, pebble.directoryUrl));
    expect(obtained, JSON.stringify(obtained)).toMatchObject({ state: "issued" });
    if (obtained.state !== "issued") return;
    const first = await storedIssuance(obtained.certificateId);
    const oldRoot = (await pebbleRoots(pebble.managementUrl)).root;
    const oldAccount = await storedAccount();
    expect(oldAccount).not.toBeNull();

    await pebble.restart(0);
    const newRoot = (await pebbleRoots(pebble.managementUrl)).root;
    expect(newRoot).not.toBe(oldRoot);
    const ordersBefore = await extraOrders(pebble);

    const renewed = await runIssuance(deps, dns01Renewal(teamId, domain, first.issuance.directoryUrl, obtained.certificateId));
    expect(renewed, JSON.stringify(renewed)).toMatchObject({ state: "issued", certificateId: obtained.certificateId });
    // The order refused for the unknown account is not one Pebble created: one order, from the new account.
    expect(await extraOrders(pebble)).toBe(ordersBefore + 1);
    const newAccount = await storedAccount();
    expect(newAccount).not.toBeNull();
    expect(newAccount!.id).not.toBe(oldAccount!.id);
    expect(newAccount!.sealed_key).not.toBe(oldAccount!.sealed_key);

    const second = await storedIssuance(obtained.certificateId);
    expect(second.serial).not.toBe(first.serial);
    expect(second.issuance.directoryUrl).toBe(pebble.directoryUrl);
    expect(await verifiesUpTo(second.certificatePem, second.chainPem, newRoot)).toBe(true);
    expect(await verifiesUpTo(second.certificatePem, second.chainPem, oldRoot)).toBe(false);
  });
});
