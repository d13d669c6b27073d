/**
 * The checks before an order, against Pebble: CAA records served by pebble-challtestsrv (read by the Worker over the
 * harness's DNS-over-HTTPS endpoint) and DNS-01 credentials checked with the Cloudflare fake. A refusal is a 400 and
 * Pebble sees no new order.
 */
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { api, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { e2e, settledOrderCount } from "../support/pebble-context";

let token: string;
/** What Pebble's directory lists as its CAA identities (RFC 8555 §7.1.1); Pebble 2.4 lists none. */
let pebbleIdentities: string[];
const caaHosts: string[] = [];

beforeAll(async () => {
  token = await newTeamToken();
  const directory = (await (await fetch(inject("pebbleDirectoryUrl"))).json()) as { meta?: { caaIdentities?: string[] } };
  pebbleIdentities = directory.meta?.caaIdentities ?? [];
});

afterEach(async () => {
  for (const host of caaHosts.splice(0)) await challtestsrv("clear-caa", { host });
});

async function challtestsrv(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${e2e().challtestsrvUrl}/${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`challtestsrv /${path} → ${response.status}`);
}

/** Publishes CAA records at `name` in challtestsrv's DNS (cleared after the test). */
async function addCaa(name: string, policies: { tag: string; value: string }[]): Promise<void> {
  const host = `${name}.`;
  caaHosts.push(host);
  await challtestsrv("add-caa", { host, policies });
}

const obtainDns01 = (projectId: string, apiToken: string) =>
  api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, {
    email: "admin@example.com",
    challengeType: "dns-01",
    dnsProvider: "cloudflare",
    dnsCredentials: { apiToken },
    keyType: "ec",
  });

const certificateOf = async (projectId: string) => (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;

describe("CAA before ordering (RFC 8659)", () => {
  it('`0 issue ";"` on a parent forbids every CA: 400 naming the record, no order at Pebble, nothing stored', async () => {
    const parent = freshDomain("caa-none");
    const domain = `www.${parent}`;
    await addCaa(parent, [{ tag: "issue", value: ";" }]);
    const projectId = await newProject(token, domain);
    const before = await settledOrderCount();
    const res = await obtainHttp01(token, projectId);
    expect(res.status, res.text).toBe(400);
    expect(res.body.code).toBe("bad_request");
    expect(res.body.error).toBe(
      `CAA forbids this certificate, so no order was placed: The CAA record at ${parent} (0 issue ";") forbids every CA from issuing for ${domain} (RFC 8659 §4.2)`,
    );
    expect(await settledOrderCount()).toBe(before);
    expect(await certificateOf(projectId)).toBeNull();
  });

  it("CAA naming another CA: refused naming the record and the CA when Pebble says who it is, else left to the CA", async () => {
    const domain = freshDomain("caa-other");
    await addCaa(domain, [{ tag: "issue", value: "ca.example; accounturi=https://ca.example/acct/1" }]);
    const projectId = await newProject(token, domain);
    const before = await settledOrderCount();
    const res = await obtainHttp01(token, projectId);
    if (pebbleIdentities.length > 0) {
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toContain(`The CAA record at ${domain} (0 issue "ca.example; accounturi=https://ca.example/acct/1") authorizes only ca.example`);
      expect(res.body.error).toContain(`not this CA (${pebbleIdentities.join(", ").toLowerCase()})`);
      expect(await settledOrderCount()).toBe(before);
    } else {
      // No caaIdentities in the directory: the Worker cannot know whether ca.example is Pebble, so it orders, and
      // Pebble (which checks no CAA) issues. A CA that does check answers with its own `caa` problem.
      expect(res.status, res.text).toBe(200);
      expect(await settledOrderCount()).toBe(before + 1);
    }
  });

  it("CAA naming Pebble (issue and issuewild, mixed case, with parameters): issues", async () => {
    const domain = freshDomain("caa-ok");
    const identity = pebbleIdentities[0] ?? "pebble.letsencrypt.org";
    await addCaa(domain, [
      { tag: "issue", value: `${identity.toUpperCase()}; validationmethods=http-01` },
      { tag: "issuewild", value: ";" },
      { tag: "iodef", value: "mailto:security@example.com" },
    ]);
    const projectId = await newProject(token, domain);
    const res = await obtainHttp01(token, projectId);
    expect(res.status, res.text).toBe(200);
    expect((await certificateOf(projectId)).names).toEqual([domain]);
  });

  it('a wildcard is governed by issuewild (RFC 8659 §4.3): `issuewild ";"` refuses it before any order', async () => {
    const base = freshDomain("caa-wild");
    await addCaa(base, [
      { tag: "issue", value: pebbleIdentities[0] ?? "pebble.letsencrypt.org" },
      { tag: "issuewild", value: ";" },
    ]);
    const projectId = await newProject(token, `*.${base}`);
    const before = await settledOrderCount();
    const res = await obtainDns01(projectId, inject("cloudflareApiToken"));
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toContain(`The CAA record at ${base} (0 issuewild ";") forbids every CA from issuing for *.${base} (RFC 8659 §4.3)`);
    expect(await settledOrderCount()).toBe(before);
  });

  it("a manual renewal refused by CAA records the reason, orders nothing, and leaves the schedule of a certificate not yet due", async () => {
    const domain = freshDomain("caa-renew");
    const projectId = await newProject(token, domain);
    expect((await obtainHttp01(token, projectId)).status).toBe(200);
    const issued = await certificateOf(projectId);
    const scheduled = (await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).body.nextRenewalAt;
    expect(scheduled).toEqual(expect.any(String));
    await addCaa(domain, [{ tag: "issue", value: ";" }]);
    const before = await settledOrderCount();
    const res = await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatch(/^CAA forbids this certificate, so no order was placed: /);
    expect(await settledOrderCount()).toBe(before);
    const status = (await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).body;
    expect(status.lastRenewError).toMatch(/^CAA forbids this certificate, so no order was placed: .*forbids every CA from issuing for /);
    // Ahead of its schedule, a failed manual renew moves nothing: the sweep meets CAA again when the certificate is due.
    expect(status.nextRenewalAt).toBe(scheduled);
    expect((await certificateOf(projectId)).serial).toBe(issued.serial);
  });
});

describe("DNS-01 credentials before ordering", () => {
  it("a token Cloudflare rejects: 400 on dnsCredentials in Cloudflare's words, no order at Pebble, nothing stored", async () => {
    const projectId = await newProject(token, freshDomain("pre-badtoken"));
    const before = await settledOrderCount();
    const res = await obtainDns01(projectId, "wrong-token-value-0123456789");
    expect(res.status, res.text).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.error).toMatch(/^Cloudflare rejected the API token \(HTTP 403\): Invalid access token \(code 9109\)/);
    expect(res.body.error).toMatch(/no order was placed\)$/);
    expect(res.text).not.toContain("wrong-token-value-0123456789");
    expect(await settledOrderCount()).toBe(before);
    expect(await certificateOf(projectId)).toBeNull();
  });

  it("a name in no zone the token sees: 400 naming the zones looked for, no order at Pebble", async () => {
    const domain = `pre-${Date.now().toString(36)}.elsewhere-zone.test`;
    const projectId = await newProject(token, domain);
    const before = await settledOrderCount();
    const res = await obtainDns01(projectId, inject("cloudflareApiToken"));
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatch(new RegExp(`^Cloudflare hosts no DNS zone for _acme-challenge\\.${domain.replace(/\./g, "\\.")} that these credentials can see`));
    expect(await settledOrderCount()).toBe(before);
  });
});
