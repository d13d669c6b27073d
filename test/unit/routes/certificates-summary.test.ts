/**
 * `GET /api/v1/certificates/summary`: the dashboard's whole-team counts by days left, from the same aggregates as
 * `/metrics`: every certificate of the token's team counted (more than a page), revoked ones and other teams' left out.
 */
import { describe, expect, it } from "vitest";
import { call, newTenant } from "../../support/api";
import { DAY, farRows, insertCertificateRows } from "../../support/certificate-rows";

describe("GET /api/v1/certificates/summary", () => {
  it("counts every certificate of the team by days left, revoked ones and other teams' left out", async () => {
    const tenant = await newTenant();
    const other = await newTenant();
    const now = Date.now();
    const rows = [
      // An hour past each day, so that the request's clock (a little after `now`) moves none across a window's edge.
      ...farRows(`cert_sum_${tenant.teamId.slice(-6)}_`, 260, now - 200 * DAY, now, 0).map((r) => ({ ...r, expiresAt: r.expiresAt + 3_600_000 })),
      { id: `cert_sum_expired_${tenant.teamId.slice(-6)}`, type: "custom" as const, issuer: "CN=Example Uploaded CA", state: "active" as const, createdAt: now, expiresAt: now - DAY, renewalFailures: 0 },
      { id: `cert_sum_failing_${tenant.teamId.slice(-6)}`, type: "letsencrypt" as const, issuer: "CN=E6", state: "active" as const, createdAt: now, expiresAt: now + 3 * DAY, renewalFailures: 2 },
    ];
    await insertCertificateRows(tenant.teamId, rows);
    await insertCertificateRows(other.teamId, farRows(`cert_sum_other_${other.teamId.slice(-6)}_`, 30, now, now, 0));

    const res = await call("GET", "/api/v1/certificates/summary", { token: tenant.readToken });
    expect(res.status, res.text).toBe(200);
    const active = rows.filter((r) => r.state === "active");
    const within = (days: number) => active.filter((r) => r.expiresAt > now && r.expiresAt <= now + days * DAY).length;
    expect(res.body).toEqual({
      expiring: { "1d": within(1), "7d": within(7), "14d": within(14), "30d": within(30) },
      expired: 1,
      renewalFailing: 1,
      earliestExpiresAt: new Date(Math.floor(Math.min(...active.filter((r) => r.expiresAt > now).map((r) => r.expiresAt)) / 1000) * 1000).toISOString().replace(".000Z", "Z"),
    });
    // More than a page of the inventory (100 by default): counted in the database, not from what a page holds.
    expect(within(30)).toBeGreaterThan(100);
  });

  it("needs certs:read", async () => {
    const tenant = await newTenant();
    const created = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: "no-certs", scopes: ["projects:read"] } });
    expect(created.status, created.text).toBe(200);
    const res = await call("GET", "/api/v1/certificates/summary", { token: created.body.token });
    expect(res.status).toBe(403);
    expect((await call("GET", "/api/v1/certificates/summary", {})).status).toBe(401);
  });
});
