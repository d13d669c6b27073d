/** Vercel client certificates for egress mTLS through the unmodified @vercel/sdk@1.18.5 (strict response validation). */
import { VercelError } from "vercel-sdk-v1185/models/vercelerror.js";
import { beforeAll, describe, expect, it } from "vitest";
import { normalizeOrigin } from "../../../src/services/client-certificate-origin";
import { call, env, newProject, newTenant, type Tenant } from "../../support/api";
import { dayMs, makeCa, makeChain, type TestCa } from "../../support/pki-fixtures";
import { vercel1185 } from "./sdk";

type Chain = Awaited<ReturnType<typeof makeChain>>;

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
let project: { id: string; name: string };
let ca: TestCa;
let client: Chain;

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
  project = await newProject(tenant, null);
  ca = await makeCa({ cn: "Client CA" });
  client = await makeChain({ issuer: ca, eku: ["clientAuth"], names: [], cn: "client-1" });
});

const body = (chain: Chain, extra: { origin?: string; skipValidation?: boolean; ca?: string } = {}) => ({
  cert: chain.leafPem,
  key: chain.keyPem,
  ca: extra.ca ?? ca.pem,
  origin: extra.origin,
  skipValidation: extra.skipValidation,
});

describe("client certificates: happy path", () => {
  it("uploads per origin (normalized), replaces, lists and deletes", async () => {
    const p = await newProject(tenant, null);
    const sdk = vercel1185(tenant.token);
    const first = await sdk.projects.uploadProjectClientCert({
      idOrName: p.id,
      requestBody: body(client, { origin: "https://API.example.com:443/" }),
    });
    expect(first).toEqual({ updated: false, origin: "https://api.example.com", certId: expect.stringMatching(/^ccert_/) });

    const other = await makeChain({ issuer: ca, eku: ["clientAuth"], names: [], cn: "client-2" });
    const replaced = await sdk.projects.uploadProjectClientCert({
      idOrName: p.name,
      teamId: tenant.teamId,
      slug: tenant.slug,
      requestBody: body(other, { origin: "https://api.example.com" }),
    });
    expect(replaced).toMatchObject({ updated: true, origin: "https://api.example.com" });
    expect(replaced.certId).not.toBe(first.certId);

    const wide = await sdk.projects.uploadProjectClientCert({ idOrName: p.id, requestBody: body(client) });
    expect(wide).toMatchObject({ updated: false, origin: "" });

    const listed = await vercel1185(tenant.readToken).projects.getProjectClientCerts({ idOrName: p.name });
    expect(listed).toEqual({
      clientCerts: [
        { origin: "", id: wide.certId },
        { origin: "https://api.example.com", id: replaced.certId },
      ],
    });

    const row = await env.DB.prepare("SELECT * FROM client_certificates WHERE id = ?").bind(replaced.certId).first<any>();
    expect(row).toMatchObject({ project_id: p.id, team_id: tenant.teamId, origin: "https://api.example.com" });
    expect(row.sealed_key).toMatch(/^v\d+\./);
    expect(row.expires_at).toBe(other.leaf.notAfter.getTime());
    expect(JSON.stringify(row)).not.toMatch(/PRIVATE KEY/);

    const deleted = await sdk.projects.deleteProjectClientCert({ idOrName: p.id, certId: replaced.certId });
    expect(deleted).toEqual({ origin: "https://api.example.com", certId: replaced.certId });
    expect((await sdk.projects.getProjectClientCerts({ idOrName: p.id })).clientCerts).toEqual([{ origin: "", id: wide.certId }]);
    const again = await vercelFailure(() => sdk.projects.deleteProjectClientCert({ idOrName: p.id, certId: replaced.certId }));
    expect(again).toEqual({ status: 404, body: { error: { code: "not_found", message: `Client certificate ${replaced.certId} not found` } } });
  });

  it("lists nothing for a project without client certificates", async () => {
    const p = await newProject(tenant, null);
    expect(await vercel1185(tenant.token).projects.getProjectClientCerts({ idOrName: p.id })).toEqual({ clientCerts: [] });
  });

  it("skipValidation accepts what policy refuses, but not a key that does not match", async () => {
    const serverOnly = await makeChain({ issuer: ca, eku: ["serverAuth"], names: [], cn: "server-eku" });
    const sdk = vercel1185(tenant.token);
    const refused = await vercelFailure(() => sdk.projects.uploadProjectClientCert({ idOrName: project.id, requestBody: body(serverOnly, { origin: "https://skip.example.com" }) }));
    expect(refused.status).toBe(400);
    const stored = await sdk.projects.uploadProjectClientCert({
      idOrName: project.id,
      requestBody: body(serverOnly, { origin: "https://skip.example.com", skipValidation: true, ca: "" }),
    });
    expect(stored.origin).toBe("https://skip.example.com");
    const mismatch = await vercelFailure(() =>
      sdk.projects.uploadProjectClientCert({
        idOrName: project.id,
        requestBody: { ...body(client, { skipValidation: true }), key: serverOnly.keyPem },
      }),
    );
    expect(mismatch).toEqual({ status: 400, body: { error: { code: "bad_request", message: "Certificate and private key do not match" } } });
  });
});

describe("client certificates: validation", () => {
  it("refuses a certificate without clientAuth, from another CA, expired, or without ca", async () => {
    const otherCa = await makeCa({ cn: "Other Client CA" });
    const cases: { chain: Chain; ca?: string; message: RegExp }[] = [
      { chain: await makeChain({ issuer: ca, eku: ["serverAuth"], names: [], cn: "s" }), message: /clientAuth/ },
      { chain: await makeChain({ issuer: ca, eku: null, names: [], cn: "no-eku" }), message: /clientAuth/ },
      { chain: await makeChain({ issuer: otherCa, eku: ["clientAuth"], names: [], cn: "o" }), message: /not signed by the given CA|broken|issuer/i },
      {
        chain: await makeChain({ issuer: ca, eku: ["clientAuth"], names: [], cn: "old", notBefore: new Date(Date.now() - 90 * dayMs), notAfter: new Date(Date.now() - dayMs) }),
        message: /expired/,
      },
      { chain: client, ca: "", message: /^ca: Required/ },
      { chain: client, ca: "garbage", message: /CA certificate/ },
      { chain: { ...client, keyPem: client.leafPem }, message: /private key/i },
    ];
    for (const { chain, ca: caPem, message } of cases) {
      const res = await vercelFailure(() =>
        vercel1185(tenant.token).projects.uploadProjectClientCert({ idOrName: project.id, requestBody: body(chain, { ca: caPem }) }),
      );
      expect(res.status, String(message)).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
      expect(res.body.error.message).toMatch(message);
    }
  });

  it("refuses bad origins with a specific message", async () => {
    const cases: [string, RegExp][] = [
      ["api.example.com", /must be an absolute URL/],
      ["ftp://api.example.com", /https or http/],
      ["https://api.example.com/path", /must not contain a path/],
      ["https://api.example.com/?q=1", /query or fragment/],
      ["https://api.example.com#frag", /query or fragment/],
      ["https://user:pw@api.example.com", /credentials/],
      ["https://*.example.com", /must name a host/],
      ["https://", /not a valid URL/],
    ];
    for (const [origin, message] of cases) {
      const res = await vercelFailure(() =>
        vercel1185(tenant.token).projects.uploadProjectClientCert({ idOrName: project.id, requestBody: body(client, { origin }) }),
      );
      expect(res.status, origin).toBe(400);
      expect(res.body.error.message, origin).toMatch(/^origin: /);
      expect(res.body.error.message, origin).toMatch(message);
    }
  });

  it("answers 400 (never 500) for an empty body or missing fields", async () => {
    const path = `/v1/projects/${project.id}/client-cert`;
    const empty = await call("POST", path, { token: tenant.token, body: "", headers: { "Content-Type": "application/json" } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("bad_request");
    for (const json of [{}, { cert: client.leafPem, ca: ca.pem }, { cert: client.leafPem, key: client.keyPem, ca: ca.pem, origin: 5 }]) {
      const res = await call("POST", path, { token: tenant.token, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
  });
});

describe("normalizeOrigin", () => {
  it.each([
    [undefined, ""],
    ["", ""],
    ["  ", ""],
    ["https://API.example.com:443/", "https://api.example.com"],
    ["http://api.example.com:80", "http://api.example.com"],
    ["http://api.example.com:443", "http://api.example.com:443"],
    ["HTTPS://Api.Example.COM:8443", "https://api.example.com:8443"],
    ["https://bücher.example/", "https://xn--bcher-kva.example"],
    ["https://api.example.com.", "https://api.example.com"],
    ["https://10.0.0.1:8443/", "https://10.0.0.1:8443"],
    ["https://[::1]/", "https://[::1]"],
  ])("%s → %s", (input, want) => {
    expect(normalizeOrigin(input)).toBe(want);
  });
});

describe("client certificates: auth and isolation", () => {
  it("401 without a token, 403 for a read-only token on writes", async () => {
    const sdk = vercel1185(undefined);
    expect((await vercelFailure(() => sdk.projects.getProjectClientCerts({ idOrName: project.id }))).status).toBe(401);
    expect((await vercelFailure(() => sdk.projects.uploadProjectClientCert({ idOrName: project.id, requestBody: body(client) }))).status).toBe(401);
    const read = vercel1185(tenant.readToken);
    const forbidden = await vercelFailure(() => read.projects.uploadProjectClientCert({ idOrName: project.id, requestBody: body(client) }));
    expect(forbidden).toEqual({ status: 403, body: { error: { code: "forbidden", message: "This token lacks the projects:write scope" } } });
    expect((await vercelFailure(() => read.projects.deleteProjectClientCert({ idOrName: project.id, certId: "ccert_x" }))).status).toBe(403);
  });

  it("404 for an unknown project, another team's project, or another team's teamId / slug", async () => {
    const sdk = vercel1185(tenant.token);
    const mine = await sdk.projects.uploadProjectClientCert({ idOrName: project.id, requestBody: body(client, { origin: "https://iso.example.com" }) });
    const theirs = vercel1185(stranger.token);
    for (const idOrName of [project.id, project.name, "prj_unknown"]) {
      const listed = await vercelFailure(() => theirs.projects.getProjectClientCerts({ idOrName }));
      expect(listed).toEqual({ status: 404, body: { error: { code: "not_found", message: `Project ${idOrName} not found` } } });
      expect((await vercelFailure(() => theirs.projects.uploadProjectClientCert({ idOrName, requestBody: body(client) }))).status).toBe(404);
      expect((await vercelFailure(() => theirs.projects.deleteProjectClientCert({ idOrName, certId: mine.certId }))).status).toBe(404);
    }
    // The stranger's own project cannot reach the certificate either.
    const strangersProject = await newProject(stranger, null);
    expect((await vercelFailure(() => theirs.projects.deleteProjectClientCert({ idOrName: strangersProject.id, certId: mine.certId }))).status).toBe(404);

    const teamNotFound = { status: 404, body: { error: { code: "not_found", message: "Team not found" } } };
    expect(await vercelFailure(() => sdk.projects.getProjectClientCerts({ idOrName: project.id, teamId: stranger.teamId }))).toEqual(teamNotFound);
    expect(await vercelFailure(() => sdk.projects.getProjectClientCerts({ idOrName: project.id, slug: stranger.slug }))).toEqual(teamNotFound);

    const still = await sdk.projects.getProjectClientCerts({ idOrName: project.id });
    expect(still.clientCerts).toContainEqual({ origin: "https://iso.example.com", id: mine.certId });
  });
});
