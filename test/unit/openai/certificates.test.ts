/** OpenAI organization certificates through the unmodified `openai` SDK (admin.organization.certificates / projects.certificates). */
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { call, env, newProject, newTenant, type Tenant } from "../../support/api";
import { makeCa, makeChain, type TestCa } from "../../support/pki-fixtures";
import { openai } from "./sdk";

/** Runs `action`, which must fail through the SDK with an APIError; returns it. */
async function apiFailure(action: () => Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error("expected the SDK call to fail");
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

let tenant: Tenant;
let stranger: Tenant;
let ca: TestCa;
let admin: OpenAI;

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
  ca = await makeCa({ cn: "Org Store CA" });
  admin = openai(tenant.token);
});

describe("organization certificates: happy path", () => {
  it("creates, retrieves (with and without content), renames and deletes", async () => {
    const before = Math.floor(Date.now() / 1000);
    const created = await admin.admin.organization.certificates.create({ certificate: ca.pem, name: "My Example Certificate" });
    expect(created).toEqual({
      object: "certificate",
      id: expect.stringMatching(/^cert_/),
      name: "My Example Certificate",
      created_at: expect.any(Number),
      certificate_details: { valid_at: seconds(ca.cert.notBefore), expires_at: seconds(ca.cert.notAfter) },
    });
    expect(created.created_at).toBeGreaterThanOrEqual(before);
    expect(created.created_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));

    const reader = openai(tenant.readToken).admin.organization.certificates;
    expect(await reader.retrieve(created.id)).toEqual(created);
    const withContent = await reader.retrieve(created.id, { include: ["content"] });
    expect(withContent.certificate_details.content?.trim()).toBe(ca.pem.trim());
    // `include=content` (no brackets) is accepted too.
    const plain = await call("GET", `/v1/organization/certificates/${created.id}?include=content`, { token: tenant.readToken });
    expect(plain.body.certificate_details.content.trim()).toBe(ca.pem.trim());

    const renamed = await admin.admin.organization.certificates.update(created.id, { name: "Renamed" });
    expect(renamed).toEqual({ ...created, name: "Renamed" });
    expect(await admin.admin.organization.certificates.update(created.id, {})).toEqual(renamed);

    expect(await admin.admin.organization.certificates.delete(created.id)).toEqual({ object: "certificate.deleted", id: created.id });
    const gone = await apiFailure(() => reader.retrieve(created.id));
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect(gone.error).toEqual({ message: `Certificate ${created.id} not found`, type: "not_found_error", param: null, code: "not_found" });
  });

  it("accepts the `content` field and no name", async () => {
    const created = await admin.admin.organization.certificates.create({ content: ca.pem } as never);
    expect(created).toMatchObject({ object: "certificate", name: null });
    const row = await env.DB.prepare("SELECT * FROM organization_certificates WHERE id = ?").bind(created.id).first<any>();
    expect(row).toMatchObject({ team_id: tenant.teamId, active_in_organization: 0 });
    await admin.admin.organization.certificates.delete(created.id);
  });

  it("lists with cursor pagination in both orders, and auto-paginates with for await", async () => {
    const t = await newTenant();
    const sdk = openai(t.token).admin.organization.certificates;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await sdk.create({ certificate: ca.pem, name: `c${i}` })).id);
    // Same second for several of them: the id breaks the tie, so pages never skip or repeat.
    await env.DB.prepare("UPDATE organization_certificates SET created_at = 1700000000000 WHERE team_id = ?").bind(t.teamId).run();

    const page = await sdk.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    expect(page.data[0]).toEqual({
      object: "organization.certificate",
      id: expect.any(String),
      name: expect.any(String),
      created_at: 1_700_000_000,
      certificate_details: { valid_at: seconds(ca.cert.notBefore), expires_at: seconds(ca.cert.notAfter) },
      active: false,
    });
    const raw = await call("GET", "/v1/organization/certificates?limit=2", { token: t.token });
    expect(raw.body).toMatchObject({ object: "list", first_id: page.data[0]!.id, last_id: page.data[1]!.id, has_more: true });

    const desc: string[] = [];
    for await (const cert of sdk.list({ limit: 2 })) desc.push(cert.id);
    expect(desc).toHaveLength(5);
    expect(new Set(desc)).toEqual(new Set(ids));
    const asc: string[] = [];
    for await (const cert of sdk.list({ limit: 2, order: "asc" })) asc.push(cert.id);
    expect(asc).toEqual([...desc].reverse());

    const all = await sdk.list();
    expect(all.data.map((c) => c.id)).toEqual(desc);
    expect(all.has_more).toBe(false);
    const empty = await openai((await newTenant()).token).admin.organization.certificates.list();
    expect(empty.data).toEqual([]);
    const emptyRaw = await call("GET", "/v1/organization/certificates", { token: (await newTenant()).token });
    expect(emptyRaw.body).toEqual({ object: "list", data: [], first_id: null, last_id: null, has_more: false });
  });

  it("activates and deactivates at the organization, atomically and idempotently", async () => {
    const sdk = admin.admin.organization.certificates;
    const a = await sdk.create({ certificate: ca.pem, name: "a" });
    const b = await sdk.create({ certificate: ca.pem, name: "b" });

    const activated = await sdk.activate({ certificate_ids: [a.id, b.id, a.id] });
    expect(activated.data.map((c) => [c.object, c.id, c.active])).toEqual([
      ["organization.certificate", a.id, true],
      ["organization.certificate", b.id, true],
    ]);
    const rawActivation = await call("POST", "/v1/organization/certificates/activate", { token: tenant.token, json: { certificate_ids: [a.id] } });
    expect(rawActivation.body).toMatchObject({ object: "organization.certificate.activation", data: [{ id: a.id, active: true }] });

    const listed = new Map((await sdk.list({ limit: 100 })).data.map((c) => [c.id, c.active]));
    expect(listed.get(a.id)).toBe(true);

    // One unknown id: 404 and nothing changes.
    const missing = await apiFailure(() => sdk.deactivate({ certificate_ids: [a.id, "cert_missing"] }));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.error).toMatchObject({ message: "Certificate not found: cert_missing", param: "certificate_ids", code: "not_found" });
    expect((await sdk.list({ limit: 100 })).data.find((c) => c.id === a.id)?.active).toBe(true);

    const deactivated = await sdk.deactivate({ certificate_ids: [a.id, b.id] });
    expect(deactivated.data.every((c) => c.active === false && c.object === "organization.certificate")).toBe(true);
    const again = await call("POST", "/v1/organization/certificates/deactivate", { token: tenant.token, json: { certificate_ids: [a.id] } });
    expect(again.body).toMatchObject({ object: "organization.certificate.deactivation", data: [{ id: a.id, active: false }] });
  });

  it("activates per project, independently of the organization", async () => {
    const project = await newProject(tenant, null);
    const sdk = admin.admin.organization;
    const cert = await sdk.certificates.create({ certificate: ca.pem, name: "per-project" });

    const before = (await sdk.projects.certificates.list(project.id, { limit: 100 })).data.find((c) => c.id === cert.id);
    expect(before).toMatchObject({ object: "organization.project.certificate", active: false });

    const activated = await sdk.projects.certificates.activate(project.id, { certificate_ids: [cert.id] });
    expect(activated.data).toEqual([expect.objectContaining({ object: "organization.project.certificate", id: cert.id, active: true })]);
    await sdk.projects.certificates.activate(project.id, { certificate_ids: [cert.id] });
    const raw = await call("POST", `/v1/organization/projects/${project.id}/certificates/activate`, { token: tenant.token, json: { certificate_ids: [cert.id] } });
    expect(raw.body.object).toBe("organization.project.certificate.activation");

    const inProject: string[] = [];
    for await (const c of sdk.projects.certificates.list(project.id, { limit: 1 })) if (c.active) inProject.push(c.id);
    expect(inProject).toEqual([cert.id]);
    expect((await sdk.certificates.list({ limit: 100 })).data.find((c) => c.id === cert.id)?.active).toBe(false);
    const otherProject = await newProject(tenant, null);
    expect((await sdk.projects.certificates.list(otherProject.id, { limit: 100 })).data.find((c) => c.id === cert.id)?.active).toBe(false);

    const deactivated = await sdk.projects.certificates.deactivate(project.id, { certificate_ids: [cert.id] });
    expect(deactivated.data).toEqual([expect.objectContaining({ id: cert.id, active: false })]);
    const rawOff = await call("POST", `/v1/organization/projects/${project.id}/certificates/deactivate`, { token: tenant.token, json: { certificate_ids: [cert.id] } });
    expect(rawOff.body).toMatchObject({ object: "organization.project.certificate.deactivation", data: [{ active: false }] });
    await sdk.certificates.delete(cert.id);
  });
});

describe("organization certificates: errors", () => {
  it("refuses to delete a certificate while it is active anywhere", async () => {
    const sdk = admin.admin.organization;
    const project = await newProject(tenant, null);
    const cert = await sdk.certificates.create({ certificate: ca.pem });

    await sdk.certificates.activate({ certificate_ids: [cert.id] });
    const atOrg = await apiFailure(() => sdk.certificates.delete(cert.id));
    expect(atOrg).toBeInstanceOf(OpenAI.ConflictError);
    expect(atOrg.error).toEqual({
      message: `Certificate ${cert.id} is active for the organization; deactivate it before deleting it`,
      type: "conflict_error",
      param: null,
      code: "conflict",
    });
    expect(atOrg.headers?.get("x-should-retry")).toBe("false");
    await sdk.certificates.deactivate({ certificate_ids: [cert.id] });

    await sdk.projects.certificates.activate(project.id, { certificate_ids: [cert.id] });
    const atProject = await apiFailure(() => sdk.certificates.delete(cert.id));
    expect(atProject.status).toBe(409);
    expect(atProject.message).toMatch(new RegExp(`active for 1 project\\(s\\) \\(${project.id}\\)`));
    await sdk.projects.certificates.deactivate(project.id, { certificate_ids: [cert.id] });

    expect(await sdk.certificates.delete(cert.id)).toEqual({ object: "certificate.deleted", id: cert.id });
  });

  it("holds at most 50 certificates per organization", async () => {
    const t = await newTenant();
    const sdk = openai(t.token).admin.organization.certificates;
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await sdk.create({ certificate: ca.pem })).id);
    const refused = await apiFailure(() => sdk.create({ certificate: ca.pem }));
    expect(refused.status).toBe(409);
    expect(refused.error).toMatchObject({ code: "limit_reached", type: "conflict_error" });
    expect(refused.message).toMatch(/at most 50 certificates/);
    await sdk.delete(ids[0]!);
    expect((await sdk.create({ certificate: ca.pem })).object).toBe("certificate");
  });

  it("refuses what is not exactly one certificate", async () => {
    const chain = await makeChain();
    const csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n";
    const cases: [string, RegExp][] = [
      ["", /certificate/i],
      ["garbage", /certificate/i],
      [chain.keyPem, /private key/],
      [csr, /certificate request|CSR/i],
      [chain.chainPem, /exactly one PEM certificate but found 2/],
      [`${ca.pem.slice(0, 120)}\n-----END CERTIFICATE-----\n`, /certificate/i],
    ];
    for (const [pem, message] of cases) {
      const res = await apiFailure(() => admin.admin.organization.certificates.create({ certificate: pem }));
      expect(res, pem.slice(0, 40)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(res.message).toMatch(message);
      expect(res.error).toMatchObject({ type: "invalid_request_error", param: "certificate" });
    }
  });

  it("answers 400 for bad input: empty body, missing certificate, bad ids, bad paging, bad include", async () => {
    const empty = await call("POST", "/v1/organization/certificates", { token: tenant.token, body: "", headers: { "Content-Type": "application/json" } });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_json" });
    const missing = await apiFailure(() => admin.admin.organization.certificates.create({} as never));
    expect(missing.error).toMatchObject({ param: "certificate", code: "validation_failed" });

    const sdk = admin.admin.organization.certificates;
    expect((await apiFailure(() => sdk.activate({ certificate_ids: [] }))).status).toBe(400);
    const eleven = Array.from({ length: 11 }, (_, i) => `cert_${i}`);
    expect((await apiFailure(() => sdk.activate({ certificate_ids: eleven }))).message).toMatch(/at most 10/);
    expect((await apiFailure(() => sdk.deactivate({} as never))).status).toBe(400);

    expect((await apiFailure(() => sdk.list({ limit: 0 }))).status).toBe(400);
    expect((await apiFailure(() => sdk.list({ limit: 101 }))).status).toBe(400);
    expect((await apiFailure(() => sdk.list({ order: "sideways" as never }))).status).toBe(400);
    expect((await apiFailure(() => sdk.list({ after: "cert_unknown" }))).error).toMatchObject({ param: "after" });
    expect((await apiFailure(() => sdk.retrieve("cert_x", { include: ["secrets" as never] }))).error).toMatchObject({ param: "include" });
    expect((await apiFailure(() => sdk.update("cert_x", { name: 5 as never }))).status).toBe(400);
  });

  it("answers 404 for unknown certificates and projects", async () => {
    const sdk = admin.admin.organization;
    for (const action of [
      () => sdk.certificates.retrieve("cert_unknown"),
      () => sdk.certificates.update("cert_unknown", { name: "x" }),
      () => sdk.certificates.delete("cert_unknown"),
      () => sdk.certificates.activate({ certificate_ids: ["cert_unknown"] }),
      () => sdk.projects.certificates.list("prj_unknown"),
      () => sdk.projects.certificates.activate("prj_unknown", { certificate_ids: ["cert_unknown"] }),
      () => sdk.projects.certificates.deactivate("prj_unknown", { certificate_ids: ["cert_unknown"] }),
    ]) {
      expect(await apiFailure(action)).toBeInstanceOf(OpenAI.NotFoundError);
    }
  });
});

describe("organization certificates: auth and isolation", () => {
  it("401 without a key or with a bad one, 403 for a read-only key on writes", async () => {
    for (const token of [null, "cdk_not-a-token"]) {
      const sdk = openai(token).admin.organization;
      for (const action of [
        () => sdk.certificates.list(),
        () => sdk.certificates.create({ certificate: ca.pem }),
        () => sdk.projects.certificates.list("prj_x"),
      ]) {
        const res = await apiFailure(action);
        expect(res).toBeInstanceOf(OpenAI.AuthenticationError);
        expect(res.error).toMatchObject({ type: "authentication_error", code: "unauthorized" });
      }
    }
    const read = openai(tenant.readToken).admin.organization;
    const cert = await admin.admin.organization.certificates.create({ certificate: ca.pem });
    const project = await newProject(tenant, null);
    for (const action of [
      () => read.certificates.create({ certificate: ca.pem }),
      () => read.certificates.update(cert.id, { name: "x" }),
      () => read.certificates.delete(cert.id),
      () => read.certificates.activate({ certificate_ids: [cert.id] }),
      () => read.certificates.deactivate({ certificate_ids: [cert.id] }),
      () => read.projects.certificates.activate(project.id, { certificate_ids: [cert.id] }),
      () => read.projects.certificates.deactivate(project.id, { certificate_ids: [cert.id] }),
    ]) {
      const res = await apiFailure(action);
      expect(res).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(res.error).toMatchObject({ type: "permission_error", code: "forbidden" });
    }
    await admin.admin.organization.certificates.delete(cert.id);
  });

  it("another organization's key never sees or changes the certificates", async () => {
    const mine = admin.admin.organization;
    const cert = await mine.certificates.create({ certificate: ca.pem, name: "mine" });
    const project = await newProject(tenant, null);
    const theirs = openai(stranger.token).admin.organization;
    const theirProject = await newProject(stranger, null);

    for (const action of [
      () => theirs.certificates.retrieve(cert.id),
      () => theirs.certificates.update(cert.id, { name: "stolen" }),
      () => theirs.certificates.delete(cert.id),
      () => theirs.certificates.activate({ certificate_ids: [cert.id] }),
      () => theirs.certificates.deactivate({ certificate_ids: [cert.id] }),
      () => theirs.projects.certificates.list(project.id),
      () => theirs.projects.certificates.activate(project.id, { certificate_ids: [cert.id] }),
      () => theirs.projects.certificates.activate(theirProject.id, { certificate_ids: [cert.id] }),
      () => theirs.projects.certificates.deactivate(theirProject.id, { certificate_ids: [cert.id] }),
    ]) {
      const res = await apiFailure(action);
      expect(res).toBeInstanceOf(OpenAI.NotFoundError);
    }
    const theirList: string[] = [];
    for await (const c of theirs.certificates.list()) theirList.push(c.id);
    expect(theirList).not.toContain(cert.id);
    expect((await apiFailure(() => theirs.certificates.list({ after: cert.id }))).status).toBe(400);

    expect(await mine.certificates.retrieve(cert.id)).toMatchObject({ name: "mine" });
    const row = await env.DB.prepare("SELECT count(*) AS n FROM project_certificate_activations WHERE certificate_id = ?").bind(cert.id).first<{ n: number }>();
    expect(row?.n).toBe(0);
    await mine.certificates.delete(cert.id);
  });
});
