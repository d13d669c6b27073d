/**
 * DNS delegation on a deployment without ACME_DELEGATION_ZONE (the unit tests' Worker): the record route and a
 * delegated obtain are 400s saying so, before anything is recorded or ordered; the obtain body's exclusivity is a 400.
 * The configured path runs against Pebble in test/e2e/dns-delegation.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, newProject, newTenant, type Tenant } from "../../support/api";

let tenant: Tenant;
beforeAll(async () => {
  tenant = await newTenant();
});

const UNAVAILABLE = "DNS delegation is not available on this deployment (ACME_DELEGATION_ZONE is not set)";

describe("DNS delegation, unconfigured", () => {
  it("GET /projects/:id/dns-delegation is a 400 saying delegation is unavailable", async () => {
    const project = await newProject(tenant);
    const res = await call("GET", `/api/v1/projects/${project.id}/dns-delegation`, { token: tenant.token });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: UNAVAILABLE });
  });

  it("a delegated obtain is the same 400, and nothing is stored", async () => {
    const project = await newProject(tenant);
    const res = await call("POST", `/api/v1/projects/${project.id}/certificate/obtain`, {
      token: tenant.token,
      json: { email: "a@example.com", challengeType: "dns-01", dnsDelegation: true },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toBe(UNAVAILABLE);
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token })).body).toBeNull();
  });

  it("dnsDelegation with dnsProvider and dnsCredentials is a 400 on dnsDelegation", async () => {
    const project = await newProject(tenant);
    const res = await call("POST", `/api/v1/projects/${project.id}/certificate/obtain`, {
      token: tenant.token,
      json: { email: "a@example.com", challengeType: "dns-01", dnsDelegation: true, dnsProvider: "cloudflare", dnsCredentials: { apiToken: "cf-ok-x" } },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.text).toContain("Give either dnsDelegation or dnsProvider and dnsCredentials (or dnsConnectionId), not both");
    expect(res.text).not.toContain("cf-ok-x");
  });
});
