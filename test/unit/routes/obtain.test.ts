/** Obtain, renew and revoke without a reachable CA: input checks and failure paths. End to end against Pebble lives in test/e2e. */
import { beforeAll, describe, expect, it } from "vitest";
import { call, env, newProject, newTenant, type Tenant } from "../../support/api";
import { makeChain } from "../../support/pki-fixtures";

let tenant: Tenant;
beforeAll(async () => {
  tenant = await newTenant();
});

const obtain = (projectId: string, json: unknown) => call("POST", `/api/v1/projects/${projectId}/certificate/obtain`, { token: tenant.token, json });
const http01 = { email: "admin@example.com", challengeType: "http-01" };

describe("obtain: bad input changes nothing", () => {
  it.each([
    [{}, "email: Required"],
    [{ ...http01, email: "not-an-email" }, "email: must be an email address"],
    [{ ...http01, challengeType: "tls-alpn-01" }, "challengeType: "],
    [{ ...http01, keyType: "dsa" }, "keyType: "],
    [{ ...http01, keySize: 1024 }, "keySize: "],
    [{ ...http01, keyType: "ec", keySize: 4096 }, "keySize: EC keys are 256 (P-256) or 384 (P-384)"],
    [{ ...http01, keyType: "rsa", keySize: 384 }, "keySize: RSA keys are 2048, 3072 or 4096 bits"],
    [{ ...http01, challengeType: "dns-01" }, "dnsProvider: Required for challengeType dns-01"],
    [{ ...http01, challengeType: "dns-01", dnsProvider: "cloudflare" }, "dnsCredentials: Required for challengeType dns-01"],
    [{ ...http01, challengeType: "dns-01", dnsProvider: "bind9", dnsCredentials: {} }, "dnsProvider: "],
    [{ ...http01, challengeType: "dns-01", dnsProvider: "cloudflare", dnsCredentials: {} }, "dnsCredentials.apiToken"],
    [{ ...http01, challengeType: "dns-01", dnsProvider: "aws", dnsCredentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE" } }, "dnsCredentials.secretAccessKey"],
    [{ ...http01, challengeType: "dns-01", dnsProvider: "godaddy", dnsCredentials: { apiToken: "x" } }, "dnsCredentials."],
    [{ ...http01, dnsProvider: "cloudflare" }, "dnsProvider: Only used with challengeType dns-01"],
    [{ ...http01, staging: "yes" }, "staging: "],
    [{ ...http01, autoRenew: 1 }, "autoRenew: "],
    [{ ...http01, extra: true }, "Unrecognized key"],
    [{ ...http01, profile: "Short Lived!" }, "profile: must be a profile name the CA lists"],
  ])("%j → 400 %s", async (json, message) => {
    const project = await newProject(tenant);
    const res = await obtain(project.id, json);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token })).body).toBeNull();
  });

  it("never echoes DNS credentials back", async () => {
    const project = await newProject(tenant);
    const secret = "super-secret-token-value-123";
    const res = await obtain(project.id, { ...http01, challengeType: "dns-01", dnsProvider: "godaddy", dnsCredentials: { apiKey: secret } });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(secret);
  });

  it("needs a project domain", async () => {
    const project = await newProject(tenant, null);
    const res = await obtain(project.id, http01);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`Project has no domain configured: set one with PATCH /api/v1/projects/${project.id} and {"domain": "app.example.com"}`);
  });

  it("refuses HTTP-01 for a wildcard domain", async () => {
    const project = await newProject(tenant, `*.wild-${Date.now()}.example.com`);
    const res = await obtain(project.id, http01);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("Wildcard names need challengeType dns-01");
  });
});

describe("obtain: CA unreachable", () => {
  it("answers 503 with a clear message and stores nothing", async () => {
    const project = await newProject(tenant);
    const res = await obtain(project.id, http01);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe("Could not reach the ACME CA at https://127.0.0.1:9/directory (directory failed 6 times); nothing was stored");
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token })).body).toBeNull();
    const status = await call("GET", `/api/v1/projects/${project.id}/certificate/status`, { token: tenant.token });
    expect(status.body).toMatchObject({ status: "failed", lastRenewError: res.body.error });
    const accounts = await env.DB.prepare("SELECT count(*) AS n FROM acme_accounts WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(accounts?.n).toBe(0);
  });
});

describe("renew and revoke a custom certificate", () => {
  it("says a custom certificate is renewed by upload and cannot be revoked here", async () => {
    const project = await newProject(tenant);
    const chain = await makeChain({ names: [project.domain!] });
    await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, { token: tenant.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
    const renew = await call("POST", `/api/v1/projects/${project.id}/certificate/renew`, { token: tenant.token });
    expect(renew.status).toBe(400);
    expect(renew.body.error).toBe("A custom certificate is renewed by uploading its successor");
    const revoke = await call("POST", `/api/v1/projects/${project.id}/certificate/revoke`, { token: tenant.token });
    expect(revoke.status).toBe(400);
    expect(revoke.body.error).toMatch(/^A custom certificate cannot be revoked from here/);
    const status = await call("GET", `/api/v1/projects/${project.id}/certificate/status`, { token: tenant.token });
    expect(status.body.status).toBe("valid");
  });

  it("a custom certificate cannot be set to renew itself", async () => {
    const project = await newProject(tenant);
    const chain = await makeChain({ names: [project.domain!] });
    await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, { token: tenant.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
    const on = await call("PATCH", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token, json: { autoRenew: true } });
    expect(on.status).toBe(400);
    expect(on.body.error).toBe("A custom certificate cannot renew itself: upload its successor before it expires");
    const off = await call("PATCH", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token, json: { autoRenew: false } });
    expect(off.status).toBe(200);
    expect(off.body.autoRenew).toBe(false);
    const bad = await call("PATCH", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token, json: { autoRenew: "yes" } });
    expect(bad.status).toBe(400);
  });

  it("404 when there is nothing to renew or revoke", async () => {
    const project = await newProject(tenant);
    expect((await call("POST", `/api/v1/projects/${project.id}/certificate/renew`, { token: tenant.token })).status).toBe(404);
    expect((await call("POST", `/api/v1/projects/${project.id}/certificate/revoke`, { token: tenant.token })).status).toBe(404);
  });
});
