/**
 * Stored ACME accounts: key rollover (RFC 8555 §7.3.5) with the new key stored before the CA hears of it, the
 * settling of a rollover stopped half-way, and deactivation (§7.3.6), against the scripted CA with real D1.
 */
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { exportAccountKey, generateAccountKey, importAccountKey } from "../../../src/acme";
import { publicJwk } from "../../../src/acme/account-key";
import { seal, unseal } from "../../../src/crypto/sealing";
import { acmeAccounts } from "../../../src/db/schema";
import { openAcmeClient } from "../../../src/issuance/acme-account";
import { rollOverAccountKey } from "../../../src/issuance/account-rollover";
import { deactivateAcmeAccounts, rollOverAcmeAccounts } from "../../../src/services/acme-accounts";
import { base64UrlToBytes, utf8 } from "../../../src/crypto/encoding";
import { newTenant } from "../../support/api";
import { CA, FakeCa, problem, type FakeRequest } from "../acme/fake-ca";
import { deps } from "./acme-rows";

const DIRECTORY = `${CA}/dir`;
const sameKey = (a: JsonWebKey | undefined, b: JsonWebKey | undefined) => !!a && !!b && a.x === b.x && a.y === b.y;
const decode = (b64: string) => JSON.parse(utf8.decode(base64UrlToBytes(b64)));

/** A CA holding many accounts: creates them, finds them by key, changes their keys, deactivates them. */
class AccountsCa {
  readonly ca = new FakeCa();
  readonly keys = new Map<string, JsonWebKey>();
  readonly deactivated = new Set<string>();
  /** Runs inside the key change, after the CA's checks and before it answers. */
  duringKeyChange: (() => Promise<void>) | undefined;
  private count = 0;

  constructor() {
    this.ca.on("POST", "/acct", (request) => {
      const jwk = request.protected?.jwk;
      const found = [...this.keys].find(([, key]) => sameKey(key, jwk));
      if (found) return { status: 200, headers: { location: found[0] }, body: { status: "valid" } };
      if ((request.payload as { onlyReturnExisting?: boolean }).onlyReturnExisting) return problem("accountDoesNotExist", "no account for this key");
      const path = `/acct/${++this.count}`;
      this.hold(`${CA}${path}`, jwk!);
      this.ca.on("POST", path, (r) => this.deactivate(r));
      return { status: 201, headers: { location: `${CA}${path}` }, body: { status: "valid" } };
    });
    this.ca.on("POST", "/key", async (request) => {
      const inner = request.payload as { protected: string; payload: string };
      const { jwk } = decode(inner.protected) as { jwk: JsonWebKey };
      const { account, oldKey } = decode(inner.payload) as { account: string; oldKey: JsonWebKey };
      if (account !== request.protected?.kid || !sameKey(oldKey, this.keys.get(account))) return problem("malformed", "wrong old key");
      await this.duringKeyChange?.();
      this.hold(account, jwk);
      return { status: 200 };
    });
    this.ca.on("POST", "/order", (request) =>
      this.deactivated.has(request.protected!.kid!)
        ? problem("unauthorized", "Account has been deactivated", 401)
        : { status: 201, headers: { location: `${CA}/order/1` }, body: { status: "pending", identifiers: [], authorizations: [], finalize: `${CA}/fin/1` } },
    );
  }

  hold(url: string, jwk: JsonWebKey): void {
    this.keys.set(url, jwk);
    this.ca.addAccount(url, jwk);
  }

  private deactivate(request: FakeRequest) {
    const url = request.protected!.kid!;
    if (this.deactivated.has(url)) return problem("unauthorized", "Account has been deactivated", 401);
    this.deactivated.add(url);
    return { body: { status: "deactivated" } };
  }
}

let ca: AccountsCa;
let teamId: string;
const sealingKeys = () => deps().config.ENCRYPTION_KEY;

beforeEach(async () => {
  ca = new AccountsCa();
  teamId = (await newTenant()).teamId;
});

afterEach(() => {
  vi.restoreAllMocks();
});

const open = (directoryUrl = DIRECTORY) =>
  openAcmeClient(deps().db, { teamId, directoryUrl, email: null, encryptionKey: sealingKeys(), fetch: ca.ca.fetch });

function readRow(directoryUrl = DIRECTORY) {
  return deps().db.query.acmeAccounts.findFirst({ where: and(eq(acmeAccounts.teamId, teamId), eq(acmeAccounts.directoryUrl, directoryUrl)) });
}

/** The row's sealed plaintext: the key's private JWK, with `next` mid-rollover. */
async function stored(directoryUrl = DIRECTORY): Promise<JsonWebKey & { next?: JsonWebKey }> {
  const row = (await readRow(directoryUrl))!;
  return JSON.parse(await unseal(sealingKeys(), row.sealedKey, row.id));
}

/** Writes the state a rollover leaves when it stops after storing the new key: both keys, sealed. */
async function plantHalfwayRollover(next: CryptoKeyPair): Promise<void> {
  const row = (await readRow())!;
  const current = JSON.parse(await unseal(sealingKeys(), row.sealedKey, row.id));
  const plaintext = JSON.stringify({ ...current, next: JSON.parse(await exportAccountKey(next)) });
  await deps().db.update(acmeAccounts).set({ sealedKey: await seal(sealingKeys(), plaintext, row.id) }).where(eq(acmeAccounts.id, row.id));
}

const jwkOf = async (keys: CryptoKeyPair) => (await publicJwk(keys.publicKey)) as JsonWebKey;

describe("rollOverAccountKey", () => {
  it("moves the account to a new key at the CA and stores it alone; the account URL stays and the client signs with it", async () => {
    await open(); // the account exists
    const before = await stored();
    const { accountUrl } = (await readRow())!;
    const result = await rollOverAccountKey(deps().db, sealingKeys(), teamId, DIRECTORY, ca.ca.fetch);
    expect(result).toEqual({ accountUrl, confirmedByLookup: false });
    const after = await stored();
    expect(after.next).toBeUndefined();
    expect(sameKey(after, before)).toBe(false);
    expect(sameKey(after, ca.keys.get(accountUrl))).toBe(true);
    expect((await readRow())!.accountUrl).toBe(accountUrl);
    await (await open()).newOrder({ identifiers: ["a.example"] });
  });

  it("a keyChange whose answer was lost is confirmed with the new key, which is then stored", async () => {
    await open();
    ca.duringKeyChange = async () => void (ca.ca.loseAnswers = 1);
    const result = await rollOverAccountKey(deps().db, sealingKeys(), teamId, DIRECTORY, ca.ca.fetch);
    expect(result.confirmedByLookup).toBe(true);
    const after = await stored();
    expect(after.next).toBeUndefined();
    expect(sameKey(after, ca.keys.get(result.accountUrl))).toBe(true);
    await (await open()).newOrder({ identifiers: ["a.example"] });
  });

  it("a refusal leaves the old key alone in the row (asked with the new key, the CA does not know it)", async () => {
    await open();
    const before = await stored();
    ca.ca.on("POST", "/key", () => problem("badPublicKey", "no"));
    const error = await rollOverAccountKey(deps().db, sealingKeys(), teamId, DIRECTORY, ca.ca.fetch).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: "urn:ietf:params:acme:error:badPublicKey" });
    const after = await stored();
    expect(after).toEqual(before);
  });

  it("a reseal while the CA works (same key, new ciphertext) does not stop the new key from being stored", async () => {
    await open();
    ca.duringKeyChange = async () => {
      const row = (await readRow())!;
      const resealed = await seal(sealingKeys(), await unseal(sealingKeys(), row.sealedKey, row.id), row.id);
      await deps().db.update(acmeAccounts).set({ sealedKey: resealed }).where(eq(acmeAccounts.id, row.id));
    };
    const { accountUrl } = await rollOverAccountKey(deps().db, sealingKeys(), teamId, DIRECTORY, ca.ca.fetch);
    const after = await stored();
    expect(after.next).toBeUndefined();
    expect(sameKey(after, ca.keys.get(accountUrl))).toBe(true);
  });

  it("no account for the team at that directory: not_found, nothing sent", async () => {
    const error = await rollOverAccountKey(deps().db, sealingKeys(), teamId, DIRECTORY, ca.ca.fetch).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "not_found" });
    expect(ca.ca.requests).toHaveLength(0);
  });
});

describe("a rollover stopped half-way is settled at the account's next use", () => {
  it("the CA took the change (the store failed): the new key is kept, and signs", async () => {
    const { accountUrl } = await open().then((c) => ({ accountUrl: c.accountUrl! }));
    const next = await generateAccountKey();
    await plantHalfwayRollover(next);
    ca.hold(accountUrl, await jwkOf(next)); // what the CA did before the crash
    const client = await open();
    expect(await client.accountJwk()).toEqual(await jwkOf(next));
    const after = await stored();
    expect(after.next).toBeUndefined();
    expect(sameKey(after, await jwkOf(next))).toBe(true);
    await client.newOrder({ identifiers: ["a.example"] });
  });

  it("the CA never heard of it: the old key is kept alone", async () => {
    await open();
    const before = await stored();
    await plantHalfwayRollover(await generateAccountKey());
    const client = await open();
    expect(sameKey((await client.accountJwk()) as JsonWebKey, before)).toBe(true);
    expect(await stored()).toEqual(before);
    await client.newOrder({ identifiers: ["a.example"] });
  });

  it("the CA cannot say: both keys stay for the next use, and the error is the caller's", async () => {
    await open();
    await plantHalfwayRollover(await generateAccountKey());
    const halfway = await stored();
    ca.ca.on("POST", "/acct", () => problem("malformed", "not now"));
    const error = await open().catch((e: unknown) => e);
    expect(error).toMatchObject({ type: "urn:ietf:params:acme:error:malformed" });
    expect(await stored()).toEqual(halfway);
  });

  it("a half-way row opens with its current key in code that knows nothing of `next` (importAccountKey ignores it)", async () => {
    await open();
    const before = await stored();
    await plantHalfwayRollover(await generateAccountKey());
    const row = (await readRow())!;
    const keys = await importAccountKey(await unseal(sealingKeys(), row.sealedKey, row.id));
    expect(sameKey((await jwkOf(keys)) as JsonWebKey, before)).toBe(true);
  });
});

describe("rollOverAcmeAccounts (the operator's batch)", () => {
  it("rolls over the team's accounts in id order, at most batchSize, with a cursor to continue", async () => {
    await open(DIRECTORY);
    await open(`${DIRECTORY}?second`);
    const first = await rollOverAcmeAccounts(deps(), { teamId, batchSize: 1 }, ca.ca.fetch);
    expect(first).toMatchObject({ rolledOver: 1, failed: [] });
    expect(first.next).toMatch(/^acct_/);
    const second = await rollOverAcmeAccounts(deps(), { teamId, batchSize: 1, after: first.next! }, ca.ca.fetch);
    expect(second).toEqual({ rolledOver: 1, failed: [], next: null }); // the last one: no empty batch after it
    for (const dir of [DIRECTORY, `${DIRECTORY}?second`]) {
      const row = (await readRow(dir))!;
      expect(sameKey(await stored(dir), ca.keys.get(row.accountUrl))).toBe(true);
    }
  });

  it("reports each failure with the CA's words and the account, never key material", async () => {
    await open();
    ca.ca.on("POST", "/key", () => problem("badPublicKey", "the CA refuses this key"));
    const result = await rollOverAcmeAccounts(deps(), { teamId, directoryUrl: DIRECTORY }, ca.ca.fetch);
    expect(result).toEqual({
      rolledOver: 0,
      next: null,
      failed: [{ teamId, directoryUrl: DIRECTORY, error: expect.stringContaining("the CA refuses this key") }],
    });
    expect(JSON.stringify(result)).not.toMatch(/"d"|"x"|v2\./);
  });
});

describe("deactivateAcmeAccounts", () => {
  it("deactivates each account of the team at its CA and forgets it; the CA refuses it from then on", async () => {
    const accountUrl = (await open()).accountUrl!;
    const oldClient = await open();
    expect(await deactivateAcmeAccounts(deps(), teamId, ca.ca.fetch)).toEqual({ deactivated: 1, failed: [] });
    expect(ca.deactivated.has(accountUrl)).toBe(true);
    expect(await readRow()).toBeUndefined();
    const refused = await oldClient.newOrder({ identifiers: ["a.example"] }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ type: "urn:ietf:params:acme:error:unauthorized" });
    // The team's next issuance creates a new account.
    expect((await open()).accountUrl).not.toBe(accountUrl);
  });

  it("an account already deactivated, or one the CA forgot, is forgotten too", async () => {
    const accountUrl = (await open()).accountUrl!;
    ca.deactivated.add(accountUrl);
    expect(await deactivateAcmeAccounts(deps(), teamId, ca.ca.fetch)).toEqual({ deactivated: 1, failed: [] });
    expect(await readRow()).toBeUndefined();
  });

  it("best effort: a CA failure is reported and logged without secrets, and the account is kept for a repeat", async () => {
    const accountUrl = (await open()).accountUrl!;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    ca.ca.on("POST", new URL(accountUrl).pathname, () => problem("malformed", "cannot deactivate now"));
    const result = await deactivateAcmeAccounts(deps(), teamId, ca.ca.fetch);
    expect(result).toEqual({ deactivated: 0, failed: [{ teamId, directoryUrl: DIRECTORY, error: expect.stringContaining("cannot deactivate now") }] });
    expect(await readRow()).toBeDefined();
    expect(warn).toHaveBeenCalledTimes(1);
    const logged = String(warn.mock.calls[0]![0]);
    expect(logged).toContain(teamId);
    const row = (await readRow())!;
    expect(logged).not.toContain(row.sealedKey);
    expect(logged).not.toMatch(/"d"\s*:/);
  });

  it("a team without accounts: nothing to do", async () => {
    expect(await deactivateAcmeAccounts(deps(), teamId, ca.ca.fetch)).toEqual({ deactivated: 0, failed: [] });
    expect(ca.ca.requests).toHaveLength(0);
  });
});
