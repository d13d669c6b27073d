/**
 * Delete, autoRenew, upload and `DELETE /v8/certs/:id` do not take the certificate's lock. A renewal that
 * read the row before them must not write its stale result back over theirs: its store step (and its
 * failure record) is conditional on the row it started from, and records nothing over a newer one.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { recordRenewalFailure } from "../../../src/issuance/renewal-record";
import { storeIssued } from "../../../src/issuance/store-issued";
import { setAutoRenew } from "../../../src/services/certificates/auto-renew";
import type { CertificateRow } from "../../../src/store/certificates";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { makeChain } from "../../support/pki-fixtures";
import { deps, issuedMaterial, readRow, renewRequest, storedAcmeCertificate, testCommit } from "./acme-rows";

let tenant: Tenant;
beforeAll(async () => {
  tenant = await newTenant();
});

const certificatePath = (projectId: string) => `/api/v1/projects/${projectId}/certificate`;

/** A project with an ACME certificate, and the row as a renewal read it under the lock before anything else happened. */
async function renewalStartedOn(): Promise<{ projectId: string; domain: string; started: CertificateRow }> {
  const project = await newProject(tenant);
  const stored = await storedAcmeCertificate({ teamId: tenant.teamId, projectId: project.id }, [project.domain!]);
  return { projectId: project.id, domain: project.domain!, started: (await readRow(stored.id))! };
}

/** The renewal's store step, run with the version it started from. */
async function finishRenewal(started: CertificateRow) {
  const { db, config } = deps();
  const renewed = await issuedMaterial({ teamId: started.teamId, projectId: started.projectId }, started.names, { renewedFrom: started.issuedAt });
  return storeIssued(db, config.ENCRYPTION_KEY, renewRequest(started), started, renewed, Date.now());
}

describe("a renewal's result over a row changed since it started", () => {
  it("is stored in place (same id, new certificate) when nothing changed", async () => {
    const { projectId, started } = await renewalStartedOn();
    const outcome = await finishRenewal(started);
    expect(outcome.state).toBe("stored");
    const now = (await call("GET", certificatePath(projectId), { token: tenant.token })).body;
    expect(now.id).toBe(started.id);
    expect(now.fingerprint).not.toBe(started.fingerprint);
    expect((await readRow(started.id))!.updatedAt).toBeGreaterThan(started.updatedAt);
  });

  it("DELETE …/certificate: the certificate does not reappear", async () => {
    const { projectId, started } = await renewalStartedOn();
    expect((await call("DELETE", certificatePath(projectId), { token: tenant.token })).status).toBe(200);
    expect(await finishRenewal(started)).toEqual({ state: "stale" });
    expect((await call("GET", certificatePath(projectId), { token: tenant.token })).body).toBeNull();
    expect(await readRow(started.id)).toBeUndefined();
  });

  it("PATCH …/certificate {autoRenew: false}: the opt-out is not undone", async () => {
    const { projectId, started } = await renewalStartedOn();
    expect((await call("PATCH", certificatePath(projectId), { token: tenant.token, json: { autoRenew: false } })).status).toBe(200);
    expect(await finishRenewal(started)).toEqual({ state: "stale" });
    expect(await readRow(started.id)).toMatchObject({ autoRenew: false, nextRenewalAt: null, fingerprint: started.fingerprint });
  });

  it("an autoRenew change in the same millisecond as the row it changed still counts as a change", async () => {
    const { started } = await renewalStartedOn();
    await setAutoRenew(deps().db, started, false, started.updatedAt, testCommit());
    expect(await finishRenewal(started)).toEqual({ state: "stale" });
    expect(await readRow(started.id)).toMatchObject({ autoRenew: false, fingerprint: started.fingerprint });
  });

  it("upload: the fresh custom certificate is not replaced", async () => {
    const { projectId, domain, started } = await renewalStartedOn();
    const chain = await makeChain({ names: [domain] });
    const uploaded = await call("POST", `${certificatePath(projectId)}/upload`, { token: tenant.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
    expect(uploaded.status, uploaded.text).toBe(200);
    expect(await finishRenewal(started)).toEqual({ state: "stale" });
    const now = (await call("GET", certificatePath(projectId), { token: tenant.token })).body;
    expect(now).toMatchObject({ type: "custom", fingerprint: uploaded.body.certificate.fingerprint });
  });

  it("DELETE /v8/certs/:id: the team certificate does not reappear", async () => {
    const project = await newProject(tenant);
    const stored = await storedAcmeCertificate({ teamId: tenant.teamId, projectId: null }, [project.domain!]);
    const started = (await readRow(stored.id))!;
    expect((await call("DELETE", `/v8/certs/${started.id}`, { token: tenant.token })).status).toBe(200);
    expect(await finishRenewal(started)).toEqual({ state: "stale" });
    expect((await call("GET", `/v8/certs/${started.id}`, { token: tenant.token })).status).toBe(404);
  });

  it("a failed renewal records nothing over a newer row", async () => {
    const { projectId, started } = await renewalStartedOn();
    expect((await call("PATCH", certificatePath(projectId), { token: tenant.token, json: { autoRenew: false } })).status).toBe(200);
    const error = new AppError("ca_unreachable", "Could not reach the ACME CA");
    await recordRenewalFailure(deps().db, started, error, false, Date.now());
    expect(await readRow(started.id)).toMatchObject({ autoRenew: false, nextRenewalAt: null, lastRenewError: null, renewalFailures: 0 });
  });
});
