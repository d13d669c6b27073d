/**
 * Verified claims (DOMAIN_VERIFICATION=required): a project's domain is the team's only once a TXT record at
 * `_certdesk.<domain>` carries the team's token. The Worker under test is an isolate with verification required whose
 * DNS-over-HTTPS lookups a resolver fake answers (test/support/verification-isolate.ts); the unit project's own Worker
 * (SELF) runs with it off.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CRON_STAGES } from "../../../src/services/cron-tick";
import { verifyPendingDomains } from "../../../src/services/domain-verification";
import { call, newProject, newTenant, uniqueDomain } from "../../support/api";
import { auditRowOf, withAuditFailing } from "../../support/audit-outage";
import { makeChain } from "../../support/pki-fixtures";
import { cnames, createPending, holderOf, isolate, published, queried, required } from "../../support/verification-isolate";
import { delegationRecord } from "../../../src/dns/delegation";

describe("verified claims: DOMAIN_VERIFICATION=required", () => {
  it("two teams wait on one name; both publish their tokens and verify at once: exactly one holds it, the other sees conflict", async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    const domain = uniqueDomain("race");
    const [pa, pb] = [await createPending(a, domain), await createPending(b, domain)];
    for (const project of [pa, pb]) {
      expect(project.verification).toMatchObject({ status: "pending", method: "txt", recordName: `_certdesk.${domain}` });
      expect(project.verification.recordValue).toMatch(/^certdesk-verification=[0-9a-f]{40}$/);
    }
    expect(pa.verification.recordValue).not.toBe(pb.verification.recordValue);
    expect(await holderOf(domain)).toBeNull();

    published[`_certdesk.${domain}`] = ["v=spf1 -all", pa.verification.recordValue, pb.verification.recordValue];
    const [ra, rb] = await Promise.all([
      required.request("POST", `/api/v1/projects/${pa.id}/domain/verify`, { token: a.token }),
      required.request("POST", `/api/v1/projects/${pb.id}/domain/verify`, { token: b.token }),
    ]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    const statuses = [ra.body.verification.status, rb.body.verification.status];
    expect([...statuses].sort()).toEqual(["conflict", "verified"]);
    const [winner, loser, loserProject] = statuses[0] === "verified" ? [a, b, pb] : [b, a, pa];
    expect(await holderOf(domain)).toBe(winner.teamId);

    const seen = await required.request("GET", `/api/v1/projects/${loserProject.id}/domain`, { token: loser.readToken });
    expect(seen.body).toMatchObject({ domain, verification: { status: "conflict", message: expect.stringContaining("Another team verified") } });
    // A verified claim is exclusive: a third team cannot even add the name.
    const third = await newTenant();
    const refused = await required.request("POST", "/api/v1/projects", { token: third.token, json: { name: "late", domain } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("domain_taken");
    // The verification is in the audit log of the winner's team, as the route's change.
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE team_id = ? AND action = ?")
      .bind(winner.teamId, "POST /api/v1/projects/:id/domain/verify")
      .all<{ detail: string }>();
    expect(audit.results.map((row) => JSON.parse(row.detail))).toEqual([expect.objectContaining({ domain, verified: true })]);
  });

  it("answers pending with what the lookup found, and verified once the record carries the token", async () => {
    const tenant = await newTenant();
    const domain = uniqueDomain("found");
    const project = await createPending(tenant, domain);
    const path = `/api/v1/projects/${project.id}/domain/verify`;
    const none = await required.request("POST", path, { token: tenant.token });
    expect(none.body.verification).toMatchObject({ status: "pending", message: expect.stringContaining("NXDOMAIN") });
    expect(none.body.verification.checkedAt).toEqual(expect.any(String));
    published[`_certdesk.${domain}`] = ["certdesk-verification=wrong"];
    const wrong = await required.request("POST", path, { token: tenant.token });
    expect(wrong.body.verification.message).toContain('found "certdesk-verification=wrong"');
    published[`_certdesk.${domain}`] = [project.verification.recordValue];
    const ok = await required.request("POST", path, { token: tenant.token });
    expect(ok.body.verification.status).toBe("verified");
    expect((await required.request("GET", `/api/v1/projects/${project.id}`, { token: tenant.readToken })).body.verification.status).toBe("verified");
    // A projects:read token may look, not verify.
    expect((await required.request("POST", path, { token: tenant.readToken })).status).toBe(403);
  });

  it("claims nothing when the verification's audit row cannot be written (500), and verifies on the next try", async () => {
    const tenant = await newTenant();
    const domain = uniqueDomain("outage");
    const project = await createPending(tenant, domain);
    published[`_certdesk.${domain}`] = [project.verification.recordValue];
    const path = `/api/v1/projects/${project.id}/domain/verify`;
    const failed = await withAuditFailing(auditRowOf("POST /api/v1/projects/:id/domain/verify", tenant.teamId), () =>
      required.request("POST", path, { token: tenant.token }),
    );
    expect(failed.status).toBe(500);
    expect(await holderOf(domain)).toBeNull();
    expect((await required.request("POST", path, { token: tenant.token })).body.verification.status).toBe("verified");
    expect(await holderOf(domain)).toBe(tenant.teamId);
  });

  it("refuses an obtain and an upload for a pending name with a 400 that names the TXT record to create", async () => {
    const tenant = await newTenant();
    const domain = uniqueDomain("pending");
    const project = await createPending(tenant, domain);
    const obtain = await required.request("POST", `/api/v1/projects/${project.id}/certificate/obtain`, {
      token: tenant.token,
      json: { email: "ops@example.com", challengeType: "http-01", dryRun: true },
    });
    expect(obtain.status, obtain.text).toBe(400);
    expect(obtain.body.code).toBe("domain_not_configured");
    expect(obtain.body.error).toContain(`TXT record at _certdesk.${domain} with the value ${project.verification.recordValue}`);

    const chain = await makeChain({ key: "EC-P256", names: [domain] });
    const upload = await required.request("POST", `/api/v1/projects/${project.id}/certificate/upload`, {
      token: tenant.token,
      json: { certificate: chain.chainPem, privateKey: chain.keyPem },
    });
    expect(upload.status, upload.text).toBe(400);
    expect(upload.body.error).toContain(`_certdesk.${domain}`);
  });

  it("counts a claim made before verification was required as verified", async () => {
    const tenant = await newTenant();
    // Created by the unit project's Worker, which runs with verification off: claimed at once.
    const project = await newProject(tenant);
    const seen = await required.request("GET", `/api/v1/projects/${project.id}/domain`, { token: tenant.readToken });
    expect(seen.status).toBe(200);
    expect(seen.body).toEqual({ domain: project.domain, verification: { status: "verified", method: "txt", recordName: `_certdesk.${project.domain}` } });
    const other = await newTenant();
    const refused = await required.request("POST", "/api/v1/projects", { token: other.token, json: { name: "mine", domain: project.domain } });
    expect(refused.status).toBe(409);
  });

  it("names the apex's record for a wildcard domain", async () => {
    const tenant = await newTenant();
    const apex = uniqueDomain("wild");
    const project = await createPending(tenant, `*.${apex}`);
    expect(project.verification.recordName).toBe(`_certdesk.${apex}`);
  });

  it("a name under the team's verified wildcard is the team's at once: no pending verification", async () => {
    const tenant = await newTenant();
    const apex = uniqueDomain("covered");
    const wildcard = await createPending(tenant, `*.${apex}`);
    published[`_certdesk.${apex}`] = [wildcard.verification.recordValue];
    const verified = await required.request("POST", `/api/v1/projects/${wildcard.id}/domain/verify`, { token: tenant.token });
    expect(verified.body.verification.status).toBe("verified");
    const below = await createPending(tenant, `shop.${apex}`);
    expect(below.verification).toEqual({ status: "verified", method: "txt", recordName: `_certdesk.shop.${apex}` });
    const rows = await env.DB.prepare("SELECT domain FROM domain_verifications WHERE team_id = ?").bind(tenant.teamId).all<{ domain: string }>();
    expect(rows.results.map((row) => row.domain)).toEqual([`*.${apex}`]);
  });

  it("the cron stage domain_verification verifies a pending name whose record is published", async () => {
    expect(CRON_STAGES).toContain("domain_verification");
    const tenant = await newTenant();
    const domain = uniqueDomain("cron");
    const project = await createPending(tenant, domain);
    published[`_certdesk.${domain}`] = [project.verification.recordValue];
    const result = await verifyPendingDomains(required.deps, Date.now());
    expect(result.verified).toBeGreaterThanOrEqual(1);
    expect(await holderOf(domain)).toBe(tenant.teamId);
    const audit = await env.DB.prepare("SELECT actor FROM audit_log WHERE team_id = ? AND action = 'verify domain'").bind(tenant.teamId).all();
    expect(audit.results).toEqual([{ actor: "domain-verifier" }]);
  });

  it("deleting the project or changing its domain drops the team's pending verification of the old name", async () => {
    const tenant = await newTenant();
    const [first, second] = [uniqueDomain("old"), uniqueDomain("new")];
    const project = await createPending(tenant, first);
    const pendingOf = async () =>
      (await env.DB.prepare("SELECT domain FROM domain_verifications WHERE team_id = ?").bind(tenant.teamId).all<{ domain: string }>()).results.map((r) => r.domain);
    expect(await pendingOf()).toEqual([first]);
    const moved = await required.request("PATCH", `/api/v1/projects/${project.id}`, { token: tenant.token, json: { domain: second } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.verification.status).toBe("pending");
    expect(await pendingOf()).toEqual([second]);
    expect((await required.request("DELETE", `/api/v1/projects/${project.id}`, { token: tenant.token })).status).toBe(200);
    expect(await pendingOf()).toEqual([]);
  });

  it("refuses to verify when DNS checks are disabled (DOH_RESOLVER_URL=none)", async () => {
    const tenant = await newTenant();
    const project = await createPending(tenant, uniqueDomain("nodns"));
    const noDns = isolate({ DOMAIN_VERIFICATION: "required", DOH_RESOLVER_URL: "none" });
    const res = await noDns.request("POST", `/api/v1/projects/${project.id}/domain/verify`, { token: tenant.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("DNS checks are disabled");
  });
});

describe("verified claims: DOMAIN_VERIFICATION=off", () => {
  it("claims on create as before; the domain shows verified and verify looks nothing up", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    expect(await holderOf(project.domain!)).toBe(tenant.teamId);
    const before = queried.length;
    const verified = await call("POST", `/api/v1/projects/${project.id}/domain/verify`, { token: tenant.token });
    expect(verified.body).toEqual({ domain: project.domain, verification: { status: "verified", method: "txt", recordName: `_certdesk.${project.domain}` } });
    expect(queried.length).toBe(before);
    const pending = await env.DB.prepare("SELECT count(*) AS n FROM domain_verifications WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(pending?.n).toBe(0);
  });

  it("verify claims a name the team was still waiting on when verification was required; another team's name stays theirs", async () => {
    const [tenant, other] = [await newTenant(), await newTenant()];
    const project = await createPending(tenant, uniqueDomain("switched"));
    const waiting = await createPending(other, project.domain);
    const chain = await makeChain({ key: "EC-P256", names: [project.domain] });
    const upload = () =>
      call("POST", `/api/v1/projects/${project.id}/certificate/upload`, { token: tenant.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
    expect((await upload()).status).toBe(400);

    const before = queried.length;
    const verified = await call("POST", `/api/v1/projects/${project.id}/domain/verify`, { token: tenant.token });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.verification.status).toBe("verified");
    expect(queried.length).toBe(before);
    expect(await holderOf(project.domain)).toBe(tenant.teamId);
    const uploaded = await upload();
    expect(uploaded.status, uploaded.text).toBe(200);

    // The other team waiting on the same name now that this one holds it: verify claims nothing for it.
    const refused = await call("POST", `/api/v1/projects/${waiting.id}/domain/verify`, { token: other.token });
    expect(refused.status, refused.text).toBe(200);
    expect(refused.body.verification.status).toBe("conflict");
    expect(await holderOf(project.domain)).toBe(tenant.teamId);
  });
});

describe("verified claims through DNS delegation (RFC 8555 §8.4 CNAME)", () => {
  const ZONE = "acme-validation.example.net";
  const delegating = isolate({
    DOMAIN_VERIFICATION: "required",
    ACME_DELEGATION_ZONE: ZONE,
    ACME_DELEGATION_DNS_PROVIDER: "cloudflare",
    ACME_DELEGATION_DNS_CREDENTIALS: JSON.stringify({ apiToken: "cf-ok-operator-zone" }),
  });

  it("verifies a name whose _acme-challenge CNAME points at the team's label, and not one pointing elsewhere", async () => {
    const tenant = await newTenant();
    const domain = uniqueDomain("delegated");
    const res = await delegating.request("POST", "/api/v1/projects", { token: tenant.token, json: { name: `p-${crypto.randomUUID().slice(0, 8)}`, domain } });
    expect(res.status, res.text).toBe(200);
    const project = res.body as { id: string };
    const record = await delegationRecord(tenant.teamId, domain, ZONE);

    cnames[record.recordName] = `someone-else.${ZONE}`;
    const wrong = await delegating.request("POST", `/api/v1/projects/${project.id}/domain/verify`, { token: tenant.token });
    expect(wrong.status, wrong.text).toBe(200);
    expect(wrong.body.verification.status).toBe("pending");
    expect(await holderOf(domain)).toBeNull();

    cnames[record.recordName] = record.recordValue;
    const right = await delegating.request("POST", `/api/v1/projects/${project.id}/domain/verify`, { token: tenant.token });
    expect(right.status, right.text).toBe(200);
    expect(right.body.verification.status).toBe("verified");
    expect(await holderOf(domain)).toBe(tenant.teamId);
    const audit = await env.DB.prepare("SELECT detail FROM audit_log WHERE team_id = ? AND target = ? ORDER BY rowid DESC LIMIT 1").bind(tenant.teamId, project.id).first<{ detail: string }>();
    expect(JSON.parse(audit!.detail)).toMatchObject({ domain, verified: true, method: "cname", recordName: record.recordName });
  });

  it("a delegated obtain of a pending name without the CNAME is a 400 naming the CNAME to create; with it, the name is verified", async () => {
    const tenant = await newTenant();
    const domain = uniqueDomain("delegated-obtain");
    const res = await delegating.request("POST", "/api/v1/projects", { token: tenant.token, json: { name: `p-${crypto.randomUUID().slice(0, 8)}`, domain } });
    expect(res.status, res.text).toBe(200);
    const project = res.body as { id: string };
    const record = await delegationRecord(tenant.teamId, domain, ZONE);
    const obtain = () =>
      delegating.request("POST", `/api/v1/projects/${project.id}/certificate/obtain`, {
        token: tenant.token,
        json: { email: "ops@example.com", challengeType: "dns-01", dnsDelegation: true, dryRun: true },
      });
    const refused = await obtain();
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toContain(`${record.recordName}. CNAME ${record.recordValue}.`);
    expect(await holderOf(domain)).toBeNull();

    cnames[record.recordName] = record.recordValue;
    await obtain(); // Past the claim it goes on to the issuance (no CA is reachable here): the claim is what is checked.
    expect(await holderOf(domain)).toBe(tenant.teamId);
  });
});
