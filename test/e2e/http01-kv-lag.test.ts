/**
 * HTTP-01 against Pebble while KV lags. The Worker under test runs with TEST_HTTP01_KV_LAG (test/support/e2e-global-setup.ts):
 * for names under kvlag.certdesk.test, a KV entry is missing for 10 minutes after its write, as at a location KV has not
 * reached yet, so Pebble's validation request can only be answered from D1. While the switch is set, the challenge route
 * reports on every answer how many entries it hid and how many answers D1 gave (`wrangler dev` runs one isolate).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { newProject, newTeamToken, obtainHttp01, workerFetch } from "../support/e2e-api";
import { e2e } from "../support/pebble-context";

let token: string;

beforeAll(async () => {
  token = await newTeamToken();
});

const label = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

/** The route's counts so far, read from the answer to a token nobody presented. */
async function lagCounts(): Promise<{ hidden: number; d1: number }> {
  const probe = `probe${crypto.randomUUID().replace(/-/g, "")}`;
  const response = await workerFetch(`${e2e().workerUrl}/.well-known/acme-challenge/${probe}`);
  expect(response.status).toBe(404);
  await response.arrayBuffer();
  const header = response.headers.get("x-certdesk-test-kv-lag") ?? "";
  const match = /^hidden=(\d+); d1=(\d+)$/.exec(header);
  if (!match) throw new Error(`no lag counts on the challenge route's answer: "${header}"`);
  return { hidden: Number(match[1]), d1: Number(match[2]) };
}

describe("obtain over HTTP-01 while KV lags", () => {
  it("issues for a name whose KV entry Pebble's validation cannot see: the route answers from D1", async () => {
    const domain = `${label("lag")}.kvlag.certdesk.test`;
    const projectId = await newProject(token, domain);
    const before = await lagCounts();
    const res = await obtainHttp01(token, projectId);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ success: true, certificate: { domain } });
    const after = await lagCounts();
    // Every validation request Pebble made found the KV entry hidden, and D1 answered each of them.
    expect(after.hidden - before.hidden).toBeGreaterThanOrEqual(1);
    expect(after.d1 - before.d1).toBe(after.hidden - before.hidden);
  });

  it("a name outside the lagging suffix is answered from KV, never from D1", async () => {
    const domain = `${label("nolag")}.certdesk.test`;
    const projectId = await newProject(token, domain);
    const before = await lagCounts();
    const res = await obtainHttp01(token, projectId);
    expect(res.status, res.text).toBe(200);
    expect(await lagCounts()).toEqual(before);
  });
});
