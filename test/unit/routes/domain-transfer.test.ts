/**
 * How a verified name changes hands (DOMAIN_VERIFICATION=required): the holder releases it (deletes the project or
 * changes its domain) and a newcomer verifies, or an operator revokes the holder's claim
 * (`POST /api/v1/admin/domains/{domain}/revoke-verification`). Black-box: only API calls, the resolver fake and the
 * claim table's holder are looked at.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, newProject, newTenant, type Tenant, uniqueDomain } from "../../support/api";
import { makeChain } from "../../support/pki-fixtures";
import { RELEASED_NAME_STOP } from "../../../src/store/released-names";
import { readRow, storedAcmeCertificate } from "../issuance/acme-rows";
import { createPending, holderOf, isolate, published, required } from "../../support/verification-isolate";

const REVOKE_ACTION = "POST /api/v1/admin/domains/:domain/revoke-verification";
const revokePath = (domain: string) => `/api/v1/admin/domains/${encodeURIComponent(domain)}/revoke-verification`;

/** A project of the tenant's whose name is verified: its token published and verify called. */
async function verifiedProject(tenant: Tenant, domain: string) {
  const project = await createPending(tenant, domain);
  published[`_certdesk.${project.verification.recordName.slice("_certdesk.".length)}`] = [project.verification.recordValue];
  const verified = await verify(tenant, project.id);
  expect(verified.verification.status).toBe("verified");
  return project;
}

async function verify(tenant: Tenant, projectId: string) {
  const res = await required.request("POST", `/api/v1/projects/${projectId}/domain/verify`, { token: tenant.token });
  expect(res.status, res.text).toBe(200);
  return res.body as { verification: { status: string; recordValue: string; message?: string } };
}

const statusOf = async (tenant: Tenant, projectId: string) =>
  (await required.request("GET", `/api/v1/projects/${projectId}/domain`, { token: tenant.readToken })).body.verification as { status: string; recordValue: string };

describe("a transfer: the holder releases the name, the newcomer verifies it", () => {
  for (const release of ["deletes its project", "changes its project's domain"] as const) {
    it(`when the holder ${release}, the newcomer's pending claim verifies, and the old holder can no longer take the name`, async () => {
      const [holder, newcomer] = [await newTenant(), await newTenant()];
      const domain = uniqueDomain("transfer");
      const held = await verifiedProject(holder, domain);
      // While the name is held, the newcomer cannot even add it.
      const early = await required.request("POST", "/api/v1/projects", { token: newcomer.token, json: { name: "early", domain } });
      expect(early.status).toBe(409);

      if (release === "deletes its project") {
        expect((await required.request("DELETE", `/api/v1/projects/${held.id}`, { token: holder.token })).status).toBe(200);
      } else {
        const moved = await required.request("PATCH", `/api/v1/projects/${held.id}`, { token: holder.token, json: { domain: uniqueDomain("elsewhere") } });
        expect(moved.status, moved.text).toBe(200);
      }
      expect(await holderOf(domain)).toBeNull();

      const incoming = await createPending(newcomer, domain);
      expect(incoming.verification.status).toBe("pending");
      // The holder's old record is still published: it carries the holder's token, not the newcomer's.
      expect((await verify(newcomer, incoming.id)).verification.status).toBe("pending");
      published[`_certdesk.${domain}`] = [...(published[`_certdesk.${domain}`] ?? []), incoming.verification.recordValue];
      expect((await verify(newcomer, incoming.id)).verification.status).toBe("verified");
      expect(await holderOf(domain)).toBe(newcomer.teamId);

      // The old holder: no project may take the name again, new or moved, so nothing is obtained or uploaded for it.
      const again = await required.request("POST", "/api/v1/projects", { token: holder.token, json: { name: "again", domain } });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe("domain_taken");
      const other = await createPending(holder, uniqueDomain("other"));
      const moveBack = await required.request("PATCH", `/api/v1/projects/${other.id}`, { token: holder.token, json: { domain } });
      expect(moveBack.status).toBe(409);
      expect(await holderOf(domain)).toBe(newcomer.teamId);
    });
  }
});

describe("POST /api/v1/admin/domains/{domain}/revoke-verification", () => {
  it("takes the name from its holder: the holder's project is pending on a fresh token, a waiting team may verify, and it is recorded", async () => {
    const [holder, waiting] = [await newTenant(), await newTenant()];
    const domain = uniqueDomain("revoke");
    const waitingProject = await createPending(waiting, domain);
    const held = await verifiedProject(holder, domain);
    const oldValue = held.verification.recordValue;
    expect((await statusOf(waiting, waitingProject.id)).status).toBe("conflict");
    const certificate = await storedAcmeCertificate({ teamId: holder.teamId, projectId: held.id }, [domain]);

    const res = await required.request("POST", revokePath(domain), { token: ADMIN_TOKEN });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ domain, teamId: holder.teamId, pendingProjects: [held.id] });
    expect(await holderOf(domain)).toBeNull();

    // The holder waits on a fresh token: the record it still publishes proves nothing now, and nothing is uploaded.
    const holderView = await statusOf(holder, held.id);
    expect(holderView.status).toBe("pending");
    expect(holderView.recordValue).toMatch(/^certdesk-verification=[0-9a-f]{40}$/);
    expect(holderView.recordValue).not.toBe(oldValue);
    expect((await verify(holder, held.id)).verification.status).toBe("pending");
    const chain = await makeChain({ key: "EC-P256", names: [domain] });
    const upload = await required.request("POST", `/api/v1/projects/${held.id}/certificate/upload`, {
      token: holder.token,
      json: { certificate: chain.chainPem, privateKey: chain.keyPem },
    });
    expect(upload.status).toBe(400);
    expect(upload.body.error).toContain(holderView.recordValue);

    // Its certificate of the name stops renewing, saying why (as when a team releases a name).
    const stopped = await readRow(certificate.id);
    expect(stopped).toMatchObject({ autoRenew: false, nextRenewalAt: null, lastRenewError: `${RELEASED_NAME_STOP}${domain}` });

    // The team that saw conflict is pending again, and its own record makes it the holder.
    expect((await statusOf(waiting, waitingProject.id)).status).toBe("pending");
    published[`_certdesk.${domain}`] = [oldValue, waitingProject.verification.recordValue];
    expect((await verify(waiting, waitingProject.id)).verification.status).toBe("verified");
    expect(await holderOf(domain)).toBe(waiting.teamId);
    expect((await verify(holder, held.id)).verification.status).toBe("conflict");

    const audit = await env.DB.prepare("SELECT actor, target, detail FROM audit_log WHERE team_id = ? AND action = ?")
      .bind(holder.teamId, REVOKE_ACTION)
      .all<{ actor: string; target: string; detail: string }>();
    expect(audit.results).toEqual([{ actor: "operator", target: domain, detail: JSON.stringify({ domain, revoked: true }) }]);
  });

  it("a wildcard claim is revoked by its own name; the holder may verify again with the new token", async () => {
    const holder = await newTenant();
    const apex = uniqueDomain("wildrevoke");
    const held = await verifiedProject(holder, `*.${apex}`);
    const res = await required.request("POST", revokePath(`*.${apex}`), { token: ADMIN_TOKEN });
    expect(res.status, res.text).toBe(200);
    expect(res.body.pendingProjects).toEqual([held.id]);
    const fresh = await statusOf(holder, held.id);
    published[`_certdesk.${apex}`] = [fresh.recordValue];
    expect((await verify(holder, held.id)).verification.status).toBe("verified");
    expect(await holderOf(`*.${apex}`)).toBe(holder.teamId);
  });

  it("404 for a name no team holds, 400 for a malformed name, 401 for a team token; none changes or records anything", async () => {
    const holder = await newTenant();
    const domain = uniqueDomain("kept");
    await verifiedProject(holder, domain);
    const pendingOnly = uniqueDomain("pendingonly");
    await createPending(holder, pendingOnly);

    const unknown = await required.request("POST", revokePath(uniqueDomain("nobody")), { token: ADMIN_TOKEN });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain("No team holds");
    // A name only waited on is held by no one either.
    expect((await required.request("POST", revokePath(pendingOnly), { token: ADMIN_TOKEN })).status).toBe(404);
    const malformed = await required.request("POST", revokePath("not a domain"), { token: ADMIN_TOKEN });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toContain("is not a valid domain name");
    const byTeam = await required.request("POST", revokePath(domain), { token: holder.token });
    expect(byTeam.status).toBe(401);

    expect(await holderOf(domain)).toBe(holder.teamId);
    const recorded = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = ? AND target IN (?, ?)").bind(REVOKE_ACTION, domain, pendingOnly).first<{ n: number }>();
    expect(recorded?.n).toBe(0);
  });

  it("is a 400 when verification is off (nothing could verify the name again), and the claim stays", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    // The unit project's own Worker runs with DOMAIN_VERIFICATION=off.
    const res = await call("POST", revokePath(project.domain!), { token: ADMIN_TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("DOMAIN_VERIFICATION=off");
    expect(await holderOf(project.domain!)).toBe(tenant.teamId);
    // With verification required, the same claim (made before, so counted as verified) can be revoked.
    expect((await isolate({ DOMAIN_VERIFICATION: "required" }).request("POST", revokePath(project.domain!), { token: ADMIN_TOKEN })).status).toBe(200);
    expect(await holderOf(project.domain!)).toBeNull();
  });
});
