/** Vercel `/v8/certs` through the unmodified current @vercel/sdk (uploadCert, getCertById, getCerts, removeCert). */
import { VercelError } from "@vercel/sdk/models/vercelerror.js";
import { beforeAll, describe, expect, it } from "vitest";
import { call, env, newProject, newTenant, type Tenant, uniqueDomain } from "../../support/api";
import { dayMs, makeChain } from "../../support/pki-fixtures";
import { vercel } from "./sdk";

type Chain = Awaited<ReturnType<typeof makeChain>>;

/** Runs `action`, which must fail through the SDK with a VercelError; returns its status and parsed body. */
async function vercelFailure(action: () => Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(VercelError);
    const e = error as VercelError;
    return { status: e.statusCode, body: JSON.parse(e.body) };
  }
  throw new Error("expected the SDK call to fail");
}

let tenant: Tenant;
let stranger: Tenant;
let domain: string;
let good: Chain;

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
  domain = (await newProject(tenant)).domain!;
  good = await makeChain({ names: [domain] });
});

const upload = (t: Tenant, chain: Chain, extra: { ca?: string; skipValidation?: boolean; teamId?: string; slug?: string } = {}) =>
  vercel(t.token).certs.uploadCert({
    teamId: extra.teamId,
    slug: extra.slug,
    requestBody: { cert: chain.chainPem, key: chain.keyPem, ca: extra.ca ?? chain.rootPem, skipValidation: extra.skipValidation },
  });

describe("certs: happy path", () => {
  it("uploads, gets by id, lists and removes a certificate", async () => {
    const before = Date.now();
    const cert = await upload(tenant, good);
    expect(cert).toEqual({
      id: expect.stringMatching(/^cert_/),
      createdAt: expect.any(Number),
      expiresAt: good.leaf.notAfter.getTime(),
      autoRenew: false,
      cns: [domain],
    });
    expect(cert.createdAt).toBeGreaterThanOrEqual(before);
    expect(cert.createdAt).toBeLessThanOrEqual(Date.now());

    const sdk = vercel(tenant.readToken);
    expect(await sdk.certs.getCertById({ id: cert.id })).toEqual(cert);
    const list = await sdk.certs.getCerts({});
    expect(list.certs).toContainEqual(cert);
    expect(list.pagination).toMatchObject({ count: list.certs.length });

    const row = await env.DB.prepare("SELECT * FROM certificates WHERE id = ?").bind(cert.id).first<any>();
    expect(row).toMatchObject({ project_id: null, type: "custom", domain });
    expect(row.sealed_key).toMatch(/^v\d+\./);
    expect(JSON.stringify(row)).not.toMatch(/PRIVATE KEY/);

    expect(await vercel(tenant.token).certs.removeCert({ id: cert.id })).toEqual({});
    const gone = await vercelFailure(() => sdk.certs.getCertById({ id: cert.id }));
    expect(gone).toEqual({ status: 404, body: { error: { code: "not_found", message: `Certificate ${cert.id} not found` } } });
    expect((await sdk.certs.getCerts({})).certs.map((c) => c.id)).not.toContain(cert.id);
  });

  it("accepts the team's own teamId and slug", async () => {
    const cert = await upload(tenant, good, { teamId: tenant.teamId, slug: tenant.slug });
    const sdk = vercel(tenant.token);
    expect(await sdk.certs.getCertById({ id: cert.id, teamId: tenant.teamId, slug: tenant.slug })).toEqual(cert);
    expect((await sdk.certs.getCerts({ slug: tenant.slug })).certs.map((c) => c.id)).toContain(cert.id);
    expect(await sdk.certs.removeCert({ id: cert.id, teamId: tenant.teamId })).toEqual({});
  });

  it("completes the served chain from `ca`, without the root", async () => {
    const cert = await vercel(tenant.token).certs.uploadCert({
      requestBody: { cert: good.leafPem, key: good.keyPem, ca: good.intermediatePem! + good.rootPem },
    });
    const row = await env.DB.prepare("SELECT certificate_pem, chain_pem FROM certificates WHERE id = ?").bind(cert.id).first<any>();
    expect(row.chain_pem.trim()).toBe(good.intermediatePem!.trim());
  });

  it("takes the names from the subjectAltNames, including a held wildcard", async () => {
    const apex = uniqueDomain("wild");
    await newProject(tenant, `*.${apex}`);
    await newProject(tenant, apex);
    const chain = await makeChain({ names: [apex, `*.${apex}`] });
    const cert = await upload(tenant, chain);
    expect(cert.cns).toEqual([apex, `*.${apex}`]);
  });

  it("skipValidation stores an expired certificate, but never one whose key does not match", async () => {
    const expired = await makeChain({ names: [domain], notBefore: new Date(Date.now() - 100 * dayMs), notAfter: new Date(Date.now() - dayMs) });
    const refused = await vercelFailure(() => upload(tenant, expired));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({ code: "bad_request", message: expect.stringMatching(/^Certificate expired on /) });
    const stored = await upload(tenant, expired, { skipValidation: true });
    expect(stored.expiresAt).toBe(expired.leaf.notAfter.getTime());

    const other = await makeChain({ names: [domain] });
    const mismatch = await vercelFailure(() =>
      vercel(tenant.token).certs.uploadCert({ requestBody: { cert: good.chainPem, key: other.keyPem, ca: "", skipValidation: true } }),
    );
    expect(mismatch).toEqual({ status: 400, body: { error: { code: "bad_request", message: "Certificate and private key do not match" } } });
  });
});

describe("certs: pagination", () => {
  it("pages newest first with until / since cursors and never splits a millisecond", async () => {
    const t = await newTenant();
    const d = (await newProject(t)).domain!;
    const chain = await makeChain({ names: [d] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await upload(t, chain)).id);
    // Give each a distinct time, newest last, then make the 2nd and 3rd newest share a millisecond.
    const base = 1_700_000_000_000;
    for (const [i, id] of ids.entries()) {
      await env.DB.prepare("UPDATE certificates SET created_at = ? WHERE id = ?").bind(base + i * 1000, id).run();
    }
    await env.DB.prepare("UPDATE certificates SET created_at = ? WHERE id = ?").bind(base + 3000, ids[2]).run();

    const first = await call("GET", "/v8/certs?limit=2", { token: t.token });
    expect(first.status).toBe(200);
    // limit 2 would cut between the two certificates of base+3000: the page takes both.
    expect(first.body.certs.map((c: any) => c.id).sort()).toEqual([ids[4], ids[3], ids[2]].sort());
    expect(first.body.pagination).toEqual({ count: 3, next: base + 3000, prev: null });

    const second = await call("GET", `/v8/certs?limit=2&until=${first.body.pagination.next}`, { token: t.token });
    expect(second.body.certs.map((c: any) => c.id)).toEqual([ids[1], ids[0]]);
    expect(second.body.pagination).toEqual({ count: 2, next: null, prev: base + 1000 });

    const back = await call("GET", `/v8/certs?limit=2&since=${second.body.pagination.prev}`, { token: t.token });
    expect(back.body.certs.map((c: any) => c.id).sort()).toEqual([ids[3], ids[2]].sort());
    expect(back.body.pagination).toEqual({ count: 2, next: base + 3000, prev: base + 3000 });

    // The SDK's getCerts has no paging parameters: it reads the first page (20 by default).
    const viaSdk = await vercel(t.token).certs.getCerts({});
    expect(viaSdk.certs.map((c) => c.id)).toEqual([ids[4], ...[ids[3], ids[2]].sort().reverse(), ids[1], ids[0]]);
    expect(viaSdk.pagination).toEqual({ count: 5, next: null, prev: null });
  });

  it("refuses bad paging parameters", async () => {
    for (const query of ["limit=0", "limit=101", "limit=abc", "until=-1", "until=1&since=2"]) {
      const res = await call("GET", `/v8/certs?${query}`, { token: tenant.token });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
    }
  });
});

describe("certs: errors", () => {
  it("refuses names the team does not hold (unclaimed or another team's)", async () => {
    const strangersDomain = (await newProject(stranger)).domain!;
    for (const names of [[uniqueDomain("unheld")], [domain, strangersDomain]]) {
      const chain = await makeChain({ names });
      const res = await vercelFailure(() => upload(tenant, chain));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
      expect(res.body.error.message).toMatch(/^The team does not hold .*add the domain to one of the team's projects/);
    }
  });

  it("answers 400 for malformed PEM, with or without skipValidation", async () => {
    const cases = [
      { cert: "not a certificate", key: good.keyPem, message: /certificate/i },
      { cert: good.keyPem, key: good.keyPem, message: /Expected a PEM certificate but found/ },
      { cert: good.chainPem, key: good.leafPem, message: /private key/i },
      { cert: good.chainPem, key: good.keyPem, ca: "garbage", message: /CA certificate/i },
    ];
    for (const skipValidation of [false, true]) {
      for (const { message, ...body } of cases) {
        const res = await vercelFailure(() =>
          vercel(tenant.token).certs.uploadCert({ requestBody: { ca: "", ...body, skipValidation } }),
        );
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe("bad_request");
        expect(res.body.error.message).toMatch(message);
      }
    }
  });

  it("answers 400 (never 500) for an empty body, missing fields and wrong types", async () => {
    const empty = await vercelFailure(() => vercel(tenant.token).certs.uploadCert({}));
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("bad_request");
    const raw = await call("PUT", "/v8/certs", { token: tenant.token, body: "", headers: { "Content-Type": "application/json" } });
    expect(raw.status).toBe(400);
    for (const json of [{}, { cert: good.chainPem, ca: "" }, { cert: 1, key: good.keyPem, ca: "" }, { cert: "", key: "", ca: "" }]) {
      const res = await call("PUT", "/v8/certs", { token: tenant.token, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
    }
  });

  it("answers 404 for an unknown id", async () => {
    const sdk = vercel(tenant.token);
    expect((await vercelFailure(() => sdk.certs.getCertById({ id: "cert_unknown" }))).status).toBe(404);
    expect((await vercelFailure(() => sdk.certs.removeCert({ id: "cert_unknown" }))).status).toBe(404);
  });
});

describe("certs: auth and isolation", () => {
  it("401 without a token or with a bad one", async () => {
    for (const token of [undefined, "cdk_not-a-token"]) {
      const sdk = vercel(token);
      for (const action of [() => sdk.certs.getCerts({}), () => sdk.certs.getCertById({ id: "cert_x" }), () => upload({ ...tenant, token: token! }, good)]) {
        const res = await vercelFailure(action);
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe("unauthorized");
      }
    }
  });

  it("403 for a read-only token on writes", async () => {
    const cert = await upload(tenant, good);
    const sdk = vercel(tenant.readToken);
    expect((await vercelFailure(() => upload({ ...tenant, token: tenant.readToken }, good))).body.error.code).toBe("forbidden");
    expect((await vercelFailure(() => sdk.certs.removeCert({ id: cert.id }))).status).toBe(403);
  });

  it("a teamId or slug of another team is 404 Team not found", async () => {
    const sdk = vercel(tenant.token);
    const notFound = { status: 404, body: { error: { code: "not_found", message: "Team not found" } } };
    expect(await vercelFailure(() => sdk.certs.getCerts({ teamId: stranger.teamId }))).toEqual(notFound);
    expect(await vercelFailure(() => sdk.certs.getCerts({ slug: stranger.slug }))).toEqual(notFound);
    expect(await vercelFailure(() => sdk.certs.getCerts({ teamId: "team_doesnotexist" }))).toEqual(notFound);
    expect(await vercelFailure(() => upload(tenant, good, { slug: stranger.slug }))).toEqual(notFound);
    expect(await vercelFailure(() => sdk.certs.removeCert({ id: "cert_x", teamId: tenant.teamId, slug: stranger.slug }))).toEqual(notFound);
  });

  it("another team's token never sees or removes the certificate", async () => {
    const cert = await upload(tenant, good);
    const theirs = vercel(stranger.token);
    expect((await vercelFailure(() => theirs.certs.getCertById({ id: cert.id }))).status).toBe(404);
    expect((await vercelFailure(() => theirs.certs.removeCert({ id: cert.id }))).status).toBe(404);
    expect((await theirs.certs.getCerts({})).certs.map((c) => c.id)).not.toContain(cert.id);
    expect((await vercelFailure(() => theirs.certs.getCerts({ teamId: tenant.teamId }))).status).toBe(404);
    expect(await vercel(tenant.token).certs.getCertById({ id: cert.id })).toEqual(cert);
  });

  it("a project's certificate (native API) is not a team-level cert", async () => {
    const project = await newProject(tenant);
    const chain = await makeChain({ names: [project.domain!] });
    const uploaded = await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, {
      token: tenant.token,
      json: { certificate: chain.chainPem, privateKey: chain.keyPem },
    });
    expect(uploaded.status).toBe(200);
    const id = uploaded.body.certificate.id;
    expect((await vercelFailure(() => vercel(tenant.token).certs.getCertById({ id }))).status).toBe(404);
    expect((await vercelFailure(() => vercel(tenant.token).certs.removeCert({ id }))).status).toBe(404);
  });
});
