/**
 * `POST /api/v1/projects/:id/certificate/renew` that fails (unit tests have no CA: every request to it gets a 502):
 * ahead of its schedule, the failure is shown but automatic renewal keeps its `nextRenewalAt` and failure count; a
 * certificate that was due moves to its backoff, as a failed automatic renewal does.
 */
import { describe, expect, it } from "vitest";
import { certificateTime } from "../../../src/routes/native/wire-time";
import { storeCertificate } from "../../../src/store/certificates";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { deps, issuedMaterial, readRow } from "../issuance/acme-rows";

const DAY_MS = 86_400_000;

/** A project of `tenant` with an ACME certificate for its domain, renewing at `nextRenewalAt` (null: autoRenew off). */
async function projectWithCertificate(tenant: Tenant, nextRenewalAt: number | null) {
  const project = await newProject(tenant);
  const owner = { teamId: tenant.teamId, projectId: project.id };
  const input = await issuedMaterial(owner, [project.domain!], { nextRenewalAt, autoRenew: nextRenewalAt !== null });
  const row = await storeCertificate(deps().db, deps().config.ENCRYPTION_KEY, input, Date.now());
  return { project, row };
}

async function renewAndStatus(tenant: Tenant, projectId: string) {
  const renew = await call("POST", `/api/v1/projects/${projectId}/certificate/renew`, { token: tenant.token });
  const status = await call("GET", `/api/v1/projects/${projectId}/certificate/status`, { token: tenant.token });
  expect(status.status).toBe(200);
  return { renew, status: status.body };
}

describe("a manual renew that fails", () => {
  it("of a certificate not yet due: the error is shown, nextRenewalAt and the failure count stay as they were", async () => {
    const tenant = await newTenant();
    const nextRenewalAt = Date.now() + 30 * DAY_MS;
    const { project, row } = await projectWithCertificate(tenant, nextRenewalAt);
    const before = Date.now();
    const { renew, status } = await renewAndStatus(tenant, project.id);

    expect(renew.status).toBe(503);
    expect(renew.body).toMatchObject({ success: false, code: "ca_unreachable" });
    expect(status.nextRenewalAt).toBe(certificateTime(nextRenewalAt));
    expect(status.lastRenewError).toBe(renew.body.error);
    expect(Date.parse(status.lastRenewAttempt)).toBeGreaterThanOrEqual(before - 1_000);
    const stored = (await readRow(row.id))!;
    expect(stored).toMatchObject({ nextRenewalAt, renewalFailures: 0, autoRenew: true, fingerprint: row.fingerprint });
  });

  it("of a certificate with autoRenew off: no renewal is scheduled by the failure", async () => {
    const tenant = await newTenant();
    const { project, row } = await projectWithCertificate(tenant, null);
    const { renew, status } = await renewAndStatus(tenant, project.id);
    expect(renew.status).toBe(503);
    expect(status).toMatchObject({ autoRenew: false, nextRenewalAt: null, lastRenewError: renew.body.error });
    expect((await readRow(row.id))!).toMatchObject({ nextRenewalAt: null, renewalFailures: 0 });
  });

  it("of a certificate that was due: it moves to its backoff and counts, as a failed automatic renewal does", async () => {
    const tenant = await newTenant();
    const due = Date.now() - 60_000;
    const { project, row } = await projectWithCertificate(tenant, due);
    const { renew } = await renewAndStatus(tenant, project.id);
    expect(renew.status).toBe(503);
    const stored = (await readRow(row.id))!;
    expect(stored.renewalFailures).toBe(1);
    expect(stored.nextRenewalAt).toBeGreaterThan(Date.now());
    expect(stored.lastRenewError).toBe(renew.body.error);
  });
});
