/** ACME Renewal Information (RFC 9773) through a small ARI endpoint in front of Pebble (the Worker's "staging" CA). */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ariCertificateId } from "../../src/acme";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { e2e } from "../support/pebble-context";

let token: string;
beforeAll(async () => {
  token = await newTeamToken();
});

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The window the ARI endpoint answers: for every certificate, or (certId) for one, with an explanation and Retry-After. */
async function setWindow(start: number, end: number, extra: { explanationURL?: string; retryAfter?: number; certId?: string } = {}) {
  const res = await fetch(`${inject("ariControlUrl")}/window`, {
    method: "POST",
    body: JSON.stringify({ start: new Date(start).toISOString(), end: new Date(end).toISOString(), ...extra }),
  });
  expect(res.ok).toBe(true);
}

/** An instant as the API shows certificate times: ISO 8601, to the second. */
const seconds = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");

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

  it("a window the CA moves earlier is fetched again on its Retry-After schedule: the renewal moves into it, status says why", async () => {
    const start = Date.now() + 30 * DAY;
    const end = start + DAY;
    await setWindow(start, end);
    const projectId = await newProject(token, freshDomain("ari-moved"));
    const res = await obtainHttp01(token, projectId, { staging: true });
    expect(res.status, res.text).toBe(200);
    const cert = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    const statusPath = `/api/v1/projects/${projectId}/certificate/status`;
    const before = (await api("GET", statusPath, token)).body;
    expect(before).toMatchObject({ renewalWindow: { start: seconds(start), end: seconds(end) }, renewalExplanationUrl: null });
    expect(Date.parse(before.nextRenewalAt)).toBeGreaterThanOrEqual(start - 1000);

    // The CA pulls this certificate's window in (ahead of a mass revocation, say), and links its reason.
    const movedStart = Date.now() + 2 * DAY;
    const movedEnd = movedStart + DAY;
    const explanationURL = "https://ca.certdesk.test/incidents/early-renewal";
    await setWindow(movedStart, movedEnd, { explanationURL, retryAfter: 3600, certId: ariCertificateId(cert.certificatePem) });

    // Not before the next check the CA asked for at issuance (Retry-After: 6 h).
    const refresh = (asOf: number) => api("POST", "/api/v1/admin/ari-refresh", e2e().adminToken, { asOf: new Date(asOf).toISOString(), batchSize: 200 });
    const early = await refresh(Date.now() + 5 * HOUR);
    expect(early.status, early.text).toBe(200);
    expect(early.body.ids).not.toContain(cert.id);
    expect((await api("GET", statusPath, token)).body.nextRenewalAt).toBe(before.nextRenewalAt);

    const checkAt = Date.now() + 6 * HOUR + 60_000;
    const tick = await refresh(checkAt);
    expect(tick.status, tick.text).toBe(200);
    expect(tick.body.ids).toContain(cert.id);
    const after = (await api("GET", statusPath, token)).body;
    const next = Date.parse(after.nextRenewalAt);
    expect(next).toBeGreaterThanOrEqual(movedStart - 1000);
    expect(next).toBeLessThanOrEqual(movedEnd);
    expect(after).toMatchObject({ renewalWindow: { start: seconds(movedStart), end: seconds(movedEnd) }, renewalExplanationUrl: explanationURL });

    // The sweep renews in the moved window, weeks before the old one opens.
    const sweep = await api("POST", "/api/v1/admin/renewal-sweep", e2e().adminToken, { asOf: new Date(movedEnd).toISOString() });
    expect(sweep.body.ids).toContain(cert.id);
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
    // Due now on the real clock: any later file's cron tick would renew it, an order in that file's counts. Gone with its project.
    expect((await api("DELETE", `/api/v1/projects/${projectId}`, token)).status).toBe(200);
  });
});
