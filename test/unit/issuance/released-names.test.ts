/**
 * A name a team gave up (project deleted, domain changed) is never ordered or stored again on its ACME
 * account: releasing it stops the renewals that carry it, and the issuer re-checks under the lock before
 * ordering and when storing. (Against Pebble: test/e2e/released-names.test.ts.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { obtainAcmeCertificate } from "../../../src/services/certificates/acme";
import { projectOwner } from "../../../src/services/certificates/owner";
import { runIssuance } from "../../../src/issuance/run-issuance";
import { storeIssued } from "../../../src/issuance/store-issued";
import { ADMIN_TOKEN, call, newProject, newTenant, type Tenant, uniqueDomain } from "../../support/api";
import { deps, issuedMaterial, obtainRequest, readRow, renewRequest, storedAcmeCertificate, testCommit } from "./acme-rows";

let a: Tenant;
let b: Tenant;
beforeAll(async () => {
  [a, b] = await Promise.all([newTenant(), newTenant()]);
});

const teamCertificate = (tenant: Tenant, names: string[], nextRenewalAt?: number) =>
  storedAcmeCertificate({ teamId: tenant.teamId, projectId: null }, names, nextRenewalAt);

const claim = (tenant: Tenant, domain: string) =>
  call("POST", "/api/v1/projects", { token: tenant.token, json: { name: `p-${crypto.randomUUID().slice(0, 8)}`, domain } });

const sweepNow = () => call("POST", "/api/v1/admin/renewal-sweep", { token: ADMIN_TOKEN, json: { batchSize: 200 } });

describe("releasing a name stops every renewal of the team that carries it", () => {
  it("deleting the project: autoRenew off with the reason, the sweep leaves it alone, the other team may claim the name", async () => {
    const project = await newProject(a);
    const name = project.domain!;
    const cert = await teamCertificate(a, [name], Date.now() - 60_000);

    expect((await call("DELETE", `/api/v1/projects/${project.id}`, { token: a.token })).status).toBe(200);
    const seen = await call("GET", `/v8/certs/${cert.id}`, { token: a.token });
    expect(seen.status).toBe(200);
    expect(seen.body.autoRenew).toBe(false);
    expect(await readRow(cert.id)).toMatchObject({
      autoRenew: false,
      nextRenewalAt: null,
      lastRenewError: `Automatic renewal stopped: the team no longer holds ${name}`,
      fingerprint: cert.fingerprint,
    });

    expect((await claim(b, name)).status).toBe(200);
    const tick = await sweepNow();
    expect(tick.status, tick.text).toBe(200);
    expect(tick.body.ids).not.toContain(cert.id);
  });

  it("changing the project's domain releases the old name the same way", async () => {
    const project = await newProject(a);
    const cert = await teamCertificate(a, [project.domain!]);
    const moved = await call("PATCH", `/api/v1/projects/${project.id}`, { token: a.token, json: { domain: uniqueDomain("moved") } });
    expect(moved.status, moved.text).toBe(200);
    expect(await readRow(cert.id)).toMatchObject({ autoRenew: false, nextRenewalAt: null, lastRenewError: `Automatic renewal stopped: the team no longer holds ${project.domain}` });
  });

  it("stops a certificate of several names when any one of them is released, naming it", async () => {
    const kept = await newProject(a);
    const gone = await newProject(a);
    const cert = await teamCertificate(a, [kept.domain!, gone.domain!]);
    await call("DELETE", `/api/v1/projects/${gone.id}`, { token: a.token });
    expect(await readRow(cert.id)).toMatchObject({ autoRenew: false, lastRenewError: `Automatic renewal stopped: the team no longer holds ${gone.domain}` });
  });

  it("keeps renewing while another project of the team still uses the name, and leaves other teams' certificates alone", async () => {
    const first = await newProject(a);
    const second = await newProject(a, first.domain);
    const cert = await teamCertificate(a, [first.domain!]);
    const theirs = await newProject(b);
    const theirCert = await teamCertificate(b, [theirs.domain!]);
    await call("DELETE", `/api/v1/projects/${first.id}`, { token: a.token });
    expect(await readRow(cert.id)).toMatchObject({ autoRenew: true, lastRenewError: null });
    expect((await readRow(cert.id))!.nextRenewalAt).not.toBeNull();
    expect(await readRow(theirCert.id)).toMatchObject({ autoRenew: true, updatedAt: theirCert.updatedAt });
    expect(second.domain).toBe(first.domain);
  });
});

describe("under the certificate's lock", () => {
  it("a renewal of a name the team no longer holds orders nothing and records why", async () => {
    // Stored after the release (as a renewal in flight would have): the release's own stop missed it.
    const name = uniqueDomain("unheld");
    const cert = await teamCertificate(a, [name]);
    const outcome = await runIssuance(deps(), renewRequest(cert, "manual"));
    // Without the check, the job would have gone to the (unreachable) CA: 503 ca_unreachable.
    expect(outcome).toEqual({
      state: "failed",
      error: expect.objectContaining({ code: "domain_not_configured", status: 400, message: `The team no longer holds ${name}: nothing was ordered`, retryable: false }),
    });
    expect(await readRow(cert.id)).toMatchObject({ autoRenew: false, nextRenewalAt: null, lastRenewError: `Automatic renewal stopped: the team no longer holds ${name}` });
  });

  it("an obtain for a project whose domain changed while it waited orders nothing (through the issuer)", async () => {
    const project = await newProject(a);
    const old = project.domain!;
    expect((await call("PATCH", `/api/v1/projects/${project.id}`, { token: a.token, json: { domain: uniqueDomain("next") } })).status).toBe(200);
    // The request as the route built it before the change: for the old name.
    const outcome = await obtainAcmeCertificate(deps(), projectOwner({ id: project.id, teamId: a.teamId }), [old], {
      email: "admin@example.com",
      challengeType: "http-01",
      autoRenew: true,
      keyType: "ec",
      staging: false,
      dryRun: false,
    }, testCommit());
    expect(outcome).toEqual({
      state: "failed",
      error: expect.objectContaining({ code: "conflict", status: 409, message: `The project no longer has the domain ${old}: nothing was ordered` }),
    });
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: a.token })).body).toBeNull();
  });

  it("an obtain whose project changed its domain mid-order stores nothing; unchanged, it stores", async () => {
    const { db, config } = deps();
    const project = await newProject(a);
    const owner = { teamId: a.teamId, projectId: project.id };
    const request = obtainRequest(owner, [project.domain!]);
    const input = await issuedMaterial(owner, [project.domain!]);
    expect((await call("PATCH", `/api/v1/projects/${project.id}`, { token: a.token, json: { domain: uniqueDomain("mid") } })).status).toBe(200);
    expect(await storeIssued(db, config.ENCRYPTION_KEY, request, null, input, Date.now())).toEqual({ state: "released" });
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: a.token })).body).toBeNull();

    const steady = await newProject(a);
    const steadyOwner = { teamId: a.teamId, projectId: steady.id };
    const stored = await storeIssued(db, config.ENCRYPTION_KEY, obtainRequest(steadyOwner, [steady.domain!]), null, await issuedMaterial(steadyOwner, [steady.domain!]), Date.now());
    expect(stored.state).toBe("stored");
    expect((await call("GET", `/api/v1/projects/${steady.id}/certificate`, { token: a.token })).body.domain).toBe(steady.domain);
  });

  it("a team obtain whose name went to another team mid-order stores nothing", async () => {
    const { db, config } = deps();
    const project = await newProject(a);
    const name = project.domain!;
    const owner = { teamId: a.teamId, projectId: null };
    const input = await issuedMaterial(owner, [name]);
    await call("DELETE", `/api/v1/projects/${project.id}`, { token: a.token });
    expect((await claim(b, name)).status).toBe(200);
    expect(await storeIssued(db, config.ENCRYPTION_KEY, obtainRequest(owner, [name]), null, input, Date.now())).toEqual({ state: "released" });
    const listed = await call("GET", "/v8/certs", { token: a.token });
    expect(listed.body.certs.map((c: { cns: string[] }) => c.cns).flat()).not.toContain(name);
  });
});
