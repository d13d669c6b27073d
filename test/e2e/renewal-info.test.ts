/** ACME Renewal Information (RFC 9773) through a small ARI endpoint in front of Pebble (the Worker's "staging" CA). */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { e2e } from "../support/pebble-context";

let token: string;
beforeAll(async () => {
  token = await newTeamToken();
});

const DAY = 86_400_000;

async function setWindow(start: number, end: number) {
  const res = await fetch(`${inject("ariControlUrl")}/window`, {
    method: "POST",
    body: JSON.stringify({ start: new Date(start).toISOString(), end: new Date(end).toISOString() }),
  });
  expect(res.ok).toBe(true);
}

describe("ACME profiles listed by the CA", () => {
  it("orders under a listed profile, keeps it for renewals, and refuses one the CA does not list", async () => {
    await setWindow(Date.now() + 10 * DAY, Date.now() + 11 * DAY);
    const projectId = await newProject(token, freshDomain("profile"));
    const ok = await obtainHttp01(token, projectId, { staging: true, profile: "tlsserver" });
    expect(ok.status, ok.text).toBe(200);
    expect((await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token)).status).toBe(200);

    const other = await newProject(token, freshDomain("profile-bad"));
    const bad = await obtainHttp01(token, other, { staging: true, profile: "shortlived" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/profile "shortlived" is not offered by this CA \(offered: classic, tlsserver\)/);
    expect((await api("GET", `/api/v1/projects/${other}/certificate`, token)).body).toBeNull();
  });
});

describe("renewal timing from the CA's ARI window", () => {
  it("schedules the renewal inside the window, and the sweep renews there", async () => {
    const start = Date.now() + 10 * DAY;
    const end = start + DAY;
    await setWindow(start, end);
    const projectId = await newProject(token, freshDomain("ari"));
    const res = await obtainHttp01(token, projectId, { staging: true });
    expect(res.status, res.text).toBe(200);
    const cert = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    const status = (await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).body;
    const next = Date.parse(status.nextRenewalAt);
    // Pebble's certificates live for years: without ARI the renewal would be years away.
    expect(next).toBeGreaterThanOrEqual(start - 1000);
    expect(next).toBeLessThanOrEqual(end);
    const seen = (await (await fetch(`${inject("ariControlUrl")}/seen`)).json()) as { ids: string[] };
    expect(seen.ids.at(-1)).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const tick = await api("POST", "/api/v1/admin/renewal-sweep", e2e().adminToken, { asOf: new Date(end).toISOString() });
    expect(tick.body.ids).toContain(cert.id);
    const renewed = await eventually(async () => {
      const c = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
      return c.serial !== cert.serial ? c : undefined;
    });
    expect(renewed.renewedFrom).toBe(cert.issuedAt);
  });

  it("a window already past makes the certificate due at once", async () => {
    await setWindow(Date.now() - 2 * DAY, Date.now() - DAY);
    const projectId = await newProject(token, freshDomain("ari-past"));
    expect((await obtainHttp01(token, projectId, { staging: true })).status).toBe(200);
    const status = (await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).body;
    expect(Date.parse(status.nextRenewalAt)).toBeLessThan(Date.now());
  });
});
