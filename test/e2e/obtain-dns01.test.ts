/** DNS-01 through the Cloudflare adapter: the Worker writes TXT records via Cloudflare's API (a local fake that mirrors them into pebble-challtestsrv), Pebble queries them. */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, freshDomain, newProject, newTeamToken } from "../support/e2e-api";
import { e2e } from "../support/pebble-context";

x509.cryptoProvider.set(crypto);

let token: string;
beforeAll(async () => {
  token = await newTeamToken();
});

const obtainDns01 = (projectId: string, apiToken = inject("cloudflareApiToken")) =>
  api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, {
    email: "admin@example.com",
    challengeType: "dns-01",
    dnsProvider: "cloudflare",
    dnsCredentials: { apiToken },
    keyType: "ec",
  });

async function txtAt(name: string): Promise<string[]> {
  const response = await fetch(`${e2e().dohUrl}?name=${encodeURIComponent(name)}&type=TXT`, { headers: { accept: "application/dns-json" } });
  const body = (await response.json()) as { Answer?: { data: string }[] };
  return (body.Answer ?? []).map((a) => a.data);
}

describe("obtain over DNS-01 (Cloudflare) against Pebble", () => {
  it("issues for a name, never echoes the token, and cleans up the TXT record", async () => {
    const domain = freshDomain("dns");
    const projectId = await newProject(token, domain);
    const res = await obtainDns01(projectId);
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain(inject("cloudflareApiToken"));
    const cert = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    expect(cert).toMatchObject({ type: "letsencrypt", names: [domain] });
    expect(JSON.stringify(cert)).not.toContain(inject("cloudflareApiToken"));
    expect(await txtAt(`_acme-challenge.${domain}`)).toEqual([]);
  });

  it("renews over DNS-01 with the sealed credentials it was obtained with", async () => {
    const projectId = await newProject(token, freshDomain("dnsrenew"));
    expect((await obtainDns01(projectId)).status).toBe(200);
    const before = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    const renewed = await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token);
    expect(renewed.status, renewed.text).toBe(200);
    expect(renewed.body.certificate.renewedFrom).toBe(before.issuedAt);
    const after = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    expect(after.serial).not.toBe(before.serial);
  });

  it("obtains and renews through a saved DNS connection, which the certificate then holds back from deletion", async () => {
    const apiToken = inject("cloudflareApiToken");
    const connection = await api("POST", "/api/v1/dns-connections", token, { name: `cf-${Date.now()}`, provider: "cloudflare", credentials: { apiToken } });
    expect(connection.status, connection.text).toBe(201);
    expect(connection.text).not.toContain(apiToken);
    const projectId = await newProject(token, freshDomain("dnsconn"));
    const obtained = await api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, {
      email: "admin@example.com",
      challengeType: "dns-01",
      dnsConnectionId: connection.body.id,
      keyType: "ec",
    });
    expect(obtained.status, obtained.text).toBe(200);
    expect((await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body).toMatchObject({ dnsConnectionId: connection.body.id });
    // The renewal opens the connection's credentials: the certificate has none of its own.
    const renewed = await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token);
    expect(renewed.status, renewed.text).toBe(200);
    const refused = await api("DELETE", `/api/v1/dns-connections/${connection.body.id}`, token);
    expect(refused.status, refused.text).toBe(409);
  });

  it("issues a wildcard certificate (only DNS-01 can prove one)", async () => {
    const base = freshDomain("wild");
    const projectId = await newProject(token, `*.${base}`);
    const res = await obtainDns01(projectId);
    expect(res.status, res.text).toBe(200);
    const cert = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    expect(cert.names).toEqual([`*.${base}`]);
    const leaf = new x509.X509Certificate(cert.certificatePem);
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.items.map((n) => n.value)).toEqual([`*.${base}`]);
  });

  it("a token the provider rejects: a clear 400 naming the provider before any order, nothing stored", async () => {
    const projectId = await newProject(token, freshDomain("badtoken"));
    const res = await obtainDns01(projectId, "wrong-token-value-0123456789");
    // The preflight (src/issuance/preflight.ts) tries the credentials before ordering: the caller's to fix.
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^Cloudflare rejected the API token \(HTTP 403\).*no order was placed/);
    expect(res.text).not.toContain("wrong-token-value-0123456789");
    expect((await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body).toBeNull();
  });
});
