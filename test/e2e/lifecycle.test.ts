/** Renew, revoke and the cron sweep against a real Pebble (HTTP-01 through this Worker). */
import { beforeAll, describe, expect, it } from "vitest";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { e2e, ordersAfterSweep, pebbleCertStatus, pebbleNewOrderCount, restartPebble, settledOrderCount, stopPebble } from "../support/pebble-context";

let token: string;


beforeAll(async () => {
  token = await newTeamToken();
});

const certificate = (projectId: string) => api("GET", `/api/v1/projects/${projectId}/certificate`, token);
const status = (projectId: string) => api("GET", `/api/v1/projects/${projectId}/certificate/status`, token);
const sweep = (asOf: number, batchSize = 200) =>
  api("POST", "/api/v1/admin/renewal-sweep", e2e().adminToken, { asOf: new Date(asOf).toISOString(), batchSize });

async function issued(label: string, extra: Record<string, unknown> = {}) {
  const projectId = await newProject(token, freshDomain(label));
  const res = await obtainHttp01(token, projectId, extra);
  expect(res.status, res.text).toBe(200);
  return { projectId, cert: (await certificate(projectId)).body };
}

describe("renew and revoke", () => {
  it("renews in place: new serial, same id, renewedFrom the old issue time", async () => {
    const { projectId, cert } = await issued("renew");
    const res = await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token);
    expect(res.status, res.text).toBe(200);
    expect(res.body.certificate.renewedFrom).toBe(cert.issuedAt);
    const after = (await certificate(projectId)).body;
    expect(after.id).toBe(cert.id);
    expect(after.serial).not.toBe(cert.serial);
    expect((await status(projectId)).body.lastRenewAttempt).not.toBeNull();
  });

  it("revokes at the CA, is terminal, stops renewal, and a new certificate can still be obtained", async () => {
    const { projectId, cert } = await issued("revoke");
    const res = await api("POST", `/api/v1/projects/${projectId}/certificate/revoke`, token, { reason: "superseded" });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ success: true, message: "Certificate revoked" });
    const atPebble = await pebbleCertStatus(cert.serial);
    expect(atPebble.Status).toBe("Revoked");
    expect((await status(projectId)).body).toMatchObject({ status: "revoked", autoRenew: false, nextRenewalAt: null });
    const again = await api("POST", `/api/v1/projects/${projectId}/certificate/revoke`, token);
    expect(again.status).toBe(409);
    const renew = await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token);
    expect(renew.status).toBe(400);
    expect(renew.body.error).toBe("A revoked certificate cannot be renewed; obtain a new one");
    const fresh = await obtainHttp01(token, projectId);
    expect(fresh.status, fresh.text).toBe(200);
    expect((await status(projectId)).body.status).toBe("valid");
  });
});

describe("the cron sweep", () => {
  it("renews a due certificate end to end and leaves the others untouched", async () => {
    const due = await issued("due");
    const manual = await issued("manual-only", { autoRenew: false });
    const dueAt = Date.parse((await status(due.projectId)).body.nextRenewalAt);
    expect(dueAt).toBeGreaterThan(Date.now());

    // Nothing of this team is due yet.
    const early = await sweep(Date.now());
    expect(early.body.ids).not.toContain(due.cert.id);

    const tick = await sweep(dueAt + 1000);
    expect(tick.status, tick.text).toBe(200);
    expect(tick.body.ids).toContain(due.cert.id);
    expect(tick.body.ids).not.toContain(manual.cert.id);
    const renewed = await eventually(async () => {
      const c = (await certificate(due.projectId)).body;
      return c.serial !== due.cert.serial ? c : undefined;
    });
    expect(renewed.renewedFrom).toBe(due.cert.issuedAt);
    expect((await certificate(manual.projectId)).body.serial).toBe(manual.cert.serial);
  });

  it("turning automatic renewal off takes a certificate out of the sweep, and on puts it back", async () => {
    const { projectId, cert } = await issued("toggle");
    const dueAt = Date.parse((await status(projectId)).body.nextRenewalAt);
    const off = await api("PATCH", `/api/v1/projects/${projectId}/certificate`, token, { autoRenew: false });
    expect(off.body.autoRenew).toBe(false);
    expect((await status(projectId)).body.nextRenewalAt).toBeNull();
    expect((await sweep(dueAt + 1000)).body.ids).not.toContain(cert.id);
    await api("PATCH", `/api/v1/projects/${projectId}/certificate`, token, { autoRenew: true });
    expect(Date.parse((await status(projectId)).body.nextRenewalAt)).toBe(dueAt);
  });

  it("a manual renew and the sweep at the same moment make one order", async () => {
    const { projectId, cert } = await issued("race");
    const dueAt = Date.parse((await status(projectId)).body.nextRenewalAt);
    const before = await settledOrderCount();
    const [manual, tick] = await Promise.all([api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token), sweep(dueAt + 1000)]);
    expect(manual.status, manual.text).toBe(200);
    expect(tick.body.ids).toContain(cert.id);
    // Every certificate the tick handed off orders once; the manual renew joined the same job.
    expect((await settledOrderCount()) - before).toBe(tick.body.due);
  });

  it("CA down: the old certificate stays, status stays valid, the error is recorded, the next due sweep renews", async () => {
    const { projectId, cert } = await issued("outage");
    const dueAt = Date.parse((await status(projectId)).body.nextRenewalAt);
    await stopPebble();
    let retryAt: number;
    try {
      const tick = await sweep(dueAt + 1000);
      expect(tick.body.ids).toContain(cert.id);
      const failed = await eventually(async () => {
        const s = (await status(projectId)).body;
        return s.lastRenewError ? s : undefined;
      });
      expect(failed.status).toBe("valid");
      expect(failed.lastRenewError).toMatch(/^Could not reach the ACME CA/);
      retryAt = Date.parse(failed.nextRenewalAt);
      // First failure: one hour later on the sweep's clock (backoff schedule).
      expect(retryAt - (dueAt + 1000)).toBeGreaterThanOrEqual(3_600_000 - 5_000);
      expect(retryAt - (dueAt + 1000)).toBeLessThanOrEqual(3_600_000 + 60_000);
      expect((await certificate(projectId)).body.serial).toBe(cert.serial);
      // Before the retry time, the sweep does not touch it.
      expect((await sweep(retryAt - 60_000)).body.ids).not.toContain(cert.id);
    } finally {
      await restartPebble();
    }
    const before = await pebbleNewOrderCount();
    const tick = await sweep(retryAt + 1000);
    expect(tick.body.ids).toContain(cert.id);
    const renewed = await eventually(async () => {
      const c = (await certificate(projectId)).body;
      return c.serial !== cert.serial ? c : undefined;
    }, 60_000);
    expect(renewed.renewedFrom).toBe(cert.issuedAt);
    expect((await status(projectId)).body.lastRenewError).toBeNull();
    // The tick also handed off every other certificate of the run that failed or fell due meanwhile: they renew now,
    // in this test, not during the next file's (whose order counts would see them).
    await ordersAfterSweep(before, tick.body.due, 60_000);
  }, 180_000);
});


