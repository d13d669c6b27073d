/** A team over its CA-call allowance gets 429 with Retry-After, in each surface's error shape, and nothing changes. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { depsFrom } from "../../../src/deps";
import { call, env, newProject, newTenant, type Tenant } from "../../support/api";

/** Spends the team's whole allowance, as a burst of orders would. */
async function exhaust(tenant: Tenant): Promise<void> {
  const deps = depsFrom(env);
  for (let i = 0; i <= deps.config.CA_CALLS_BURST; i++) {
    const refused = await deps.limits.takeCaCall(tenant.teamId).then(
      () => false,
      (error: unknown) => error instanceof AppError && error.code === "rate_limited",
    );
    if (refused) return;
  }
  throw new Error("the allowance never ran out");
}

/** An ACME certificate row for the project, as issuance stores one (only what renew reads). */
async function plantAcmeCertificate(tenant: Tenant, projectId: string, domain: string): Promise<string> {
  const id = `cert_rl_${projectId}`;
  const issuance = { challengeType: "http-01", dnsProvider: null, keySpec: { keyType: "ec", curve: "P-256" }, email: null, staging: false, directoryUrl: "https://127.0.0.1:9/directory", profile: null };
  await env.DB.prepare(
    `INSERT INTO certificates (id, team_id, project_id, type, domain, names, certificate_pem, sealed_key, key_type, issuer, serial, fingerprint,
       issued_at, expires_at, auto_renew, issuance, created_at, updated_at)
     VALUES (?, ?, ?, 'letsencrypt', ?, ?, '', '', 'ec', 'test', '01', ?, 0, ?, 1, ?, 0, 0)`,
  )
    .bind(id, tenant.teamId, projectId, domain, JSON.stringify([domain]), id, Date.now() + 30 * 86_400_000, JSON.stringify(issuance))
    .run();
  return id;
}

function expectRetryAfter(headers: Headers): void {
  expect(Number(headers.get("retry-after"))).toBeGreaterThan(0);
}

// Needs obtainAcmeCertificate and renewAcmeCertificate (manual trigger) to call deps.limits.takeCaCall: until they
// do, these requests reach the (unreachable) CA and answer 503. Un-skip once wired.
describe("CA-call limit on every surface (un-skip once the services call deps.limits.takeCaCall)", () => {
  it("native obtain: 429 in the native shape, nothing stored", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    await exhaust(tenant);
    const res = await call("POST", `/api/v1/projects/${project.id}/certificate/obtain`, {
      token: tenant.token,
      json: { email: "admin@example.com", challengeType: "http-01" },
    });
    expect(res.status).toBe(429);
    expectRetryAfter(res.headers);
    expect(res.body).toEqual({ success: false, code: "rate_limited", error: expect.stringMatching(/^Too many certificate orders from this team/) });
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token })).body).toBeNull();
    const accounts = await env.DB.prepare("SELECT count(*) AS n FROM acme_accounts WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(accounts?.n).toBe(0);
  });

  it("native manual renew: 429, the certificate untouched", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const id = await plantAcmeCertificate(tenant, project.id, project.domain!);
    const before = await env.DB.prepare("SELECT * FROM certificates WHERE id = ?").bind(id).first();
    await exhaust(tenant);
    const res = await call("POST", `/api/v1/projects/${project.id}/certificate/renew`, { token: tenant.token });
    expect(res.status).toBe(429);
    expectRetryAfter(res.headers);
    expect(res.body).toMatchObject({ success: false, code: "rate_limited" });
    expect(await env.DB.prepare("SELECT * FROM certificates WHERE id = ?").bind(id).first()).toEqual(before);
  });

  it("Vercel issue (POST /v8/certs): 429 in Vercel's shape, nothing stored", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    await exhaust(tenant);
    const res = await call("POST", "/v8/certs", { token: tenant.token, json: { cns: [project.domain] } });
    expect(res.status).toBe(429);
    expectRetryAfter(res.headers);
    expect(res.body).toEqual({ error: { code: "rate_limited", message: expect.stringMatching(/^Too many certificate orders from this team/) } });
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM certificates WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });
});
