/** `certs.issueCert` of the official @vercel/sdk, unmodified, over real HTTP against the Worker and a real Pebble. */
import { HTTPClient, Vercel } from "@vercel/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import { api, freshDomain, newProject, newTeamToken, workerFetch } from "../support/e2e-api";
import { e2e } from "../support/pebble-context";

let token: string;
let client: Vercel;
beforeAll(async () => {
  token = await newTeamToken();
  client = new Vercel({ bearerToken: token, serverURL: e2e().workerUrl, httpClient: new HTTPClient({ fetcher: workerFetch }) });
});

describe("Vercel issueCert against Pebble", () => {
  it("issues for the team's names and reads back through getCertById", async () => {
    const a = freshDomain("vercel-a");
    const b = freshDomain("vercel-b");
    await newProject(token, a);
    await newProject(token, b);
    const cert = await client.certs.issueCert({ requestBody: { cns: [a, b] } });
    expect(cert.cns.sort()).toEqual([a, b].sort());
    expect(cert.autoRenew).toBe(true);
    expect(cert.expiresAt).toBeGreaterThan(Date.now());
    const again = await client.certs.getCertById({ id: cert.id });
    expect(again.id).toBe(cert.id);
  });

  it("refuses a name the team does not hold", async () => {
    await expect(client.certs.issueCert({ requestBody: { cns: [freshDomain("not-mine")] } })).rejects.toMatchObject({ statusCode: 400 });
  });

  it("449 configuration_error when HTTP-01 cannot be satisfied yet", async () => {
    const domain = freshDomain("vercel-unready");
    await newProject(token, domain);
    const added = await fetch(`${e2e().challtestsrvUrl}/add-a`, { method: "POST", body: JSON.stringify({ host: domain, addresses: ["127.0.0.2"] }) });
    expect(added.ok).toBe(true);
    const res = await api("POST", "/v8/certs", token, { cns: [domain] });
    expect(res.status).toBe(449);
    expect(res.body.error.code).toBe("configuration_error");
    expect(res.body.error.message).toMatch(/^The domain is not yet set up for the HTTP-01 challenge: /);
  });
});
