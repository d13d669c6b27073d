/**
 * `/api/v1/dns-connections`: saved DNS provider credentials. The Worker's Cloudflare API calls reach the fake of
 * test/support/dns-fakes/unit-host.mjs (`cf-ok-…` tokens are valid and see example.com and example.net; any other is
 * refused with Cloudflare's 403), so the probe runs for real against the API's documented shapes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config";
import { database } from "../../../src/db/client";
import { depsFrom } from "../../../src/deps";
import { runIssuance, withStoredCredentials } from "../../../src/issuance/run-issuance";
import { CA, FakeCa } from "../acme/fake-ca";
import type { IssueRequest } from "../../../src/issuance/issue-request";
import type { CertificateRow } from "../../../src/store/certificates";
import { call, env, newProject, newTenant, type Tenant } from "../../support/api";
import { DNS_FAKE_ORIGIN, DNS_FAKE_ZONES } from "../../support/dns-fakes/unit-host.mjs";
import { tokenWith } from "../../support/export-checks";
import { makeChain } from "../../support/pki-fixtures";

const PATH = "/api/v1/dns-connections";

let tenant: Tenant;
let stranger: Tenant;
let counter = 0;

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
});

/** A token the fake accepts, different in every test (the fake's log of tokens is shared by the whole run). */
const okToken = () => `cf-ok-${Date.now().toString(36)}-${counter++}-0123456789abcdef`;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;
const tokensSeen = async (): Promise<string[]> => (await fetch(`${DNS_FAKE_ORIGIN}/__seen`)).json();

/** POST of a connection as `token` (any body, to check refusals too). */
const save = (token: string, json: unknown) => call("POST", PATH, { token, json });
/** A Cloudflare connection's body. */
const cloudflare = (name: string, apiToken: string) => ({ name, provider: "cloudflare", credentials: { apiToken } });
/** `method` on the connection `id`, as `token`. */
const onConnection = (method: string, id: string, token: string, json?: unknown) => call(method, `${PATH}/${id}`, { token, json });

async function create(t: Tenant, apiToken = okToken(), name = unique("cf")) {
  const res = await save(t.token, cloudflare(name, apiToken));
  expect(res.status, res.text).toBe(201);
  return { ...(res.body as { id: string; name: string; provider: string; zones: string[] }), apiToken };
}

const countRows = async (teamId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM dns_connections WHERE team_id = ?").bind(teamId).first<{ n: number }>())?.n ?? 0;

type AuditEvent = { target: string; action: string; detail: Record<string, unknown> };
/** The team's audit events, newest first. */
const auditEvents = async (t: Tenant) => (await call("GET", "/api/v1/audit-log?limit=200", { token: t.token })).body.events as AuditEvent[];
/** The audit events about `target`, newest first. */
const auditOf = async (t: Tenant, target: string) => (await auditEvents(t)).filter((e) => e.target === target);

/** A project with an uploaded certificate whose row names `connectionId`, as an obtain through it stores it. */
async function certificateUsing(t: Tenant, connectionId: string) {
  const project = await newProject(t);
  const chain = await makeChain({ names: [project.domain!] });
  const upload = await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, { token: t.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
  expect(upload.status, upload.text).toBe(200);
  await env.DB.prepare("UPDATE certificates SET dns_connection_id = ? WHERE project_id = ?").bind(connectionId, project.id).run();
  return project;
}

/** The renewal request of a DNS-01 certificate (the connection's credentials are opened from the row, not sent). */
function dns01RenewalOf(previous: CertificateRow): IssueRequest {
  return {
    kind: "renew",
    teamId: previous.teamId,
    projectId: previous.projectId,
    names: previous.names,
    challengeType: "dns-01",
    keySpec: { keyType: "ec", curve: "P-256" },
    email: null,
    directoryUrl: "https://127.0.0.1:9/directory",
    staging: false,
    dryRun: false,
    autoRenew: true,
    certificateId: previous.id,
  };
}

/** The certificate row of the project's DNS-01 certificate. */
async function certificateOf(projectId: string): Promise<CertificateRow> {
  const db = database(env.DB);
  return (await db.query.certificates.findFirst({ where: (c, { eq }) => eq(c.projectId, projectId) })) as CertificateRow;
}

/** The job a renewal runs: the request with the credentials it opens from the row. */
const openedFor = (request: IssueRequest, previous: CertificateRow) =>
  withStoredCredentials(database(env.DB), parseConfig(env as unknown as Record<string, unknown>).ENCRYPTION_KEY, request, previous);

/** The job a DNS-01 renewal of the project's certificate would run (`extra` added to its request): the credentials it opens, or the error. */
async function renewalJob(projectId: string, extra: Partial<IssueRequest> = {}) {
  const previous = await certificateOf(projectId);
  return openedFor({ ...dns01RenewalOf(previous), ...extra }, previous);
}

describe("creating a DNS connection", () => {
  it("probes the credentials with the provider's zone listing and answers 201 with the zones, never the credentials", async () => {
    const t = await newTenant();
    const apiToken = okToken();
    const res = await save(t.token, cloudflare("cloudflare-prod", apiToken));
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^dnc_/),
      name: "cloudflare-prod",
      provider: "cloudflare",
      zones: [...DNS_FAKE_ZONES].sort(),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.text).not.toContain(apiToken);
    expect(await tokensSeen()).toContain(apiToken);
    const row = await env.DB.prepare("SELECT sealed_credentials FROM dns_connections WHERE id = ?").bind(res.body.id).first<{ sealed_credentials: string }>();
    expect(row?.sealed_credentials).not.toContain(apiToken);
    const audit = await auditOf(t, res.body.id);
    expect(audit).toEqual([expect.objectContaining({ action: "POST /api/v1/dns-connections", detail: { name: "cloudflare-prod", provider: "cloudflare", zones: [...DNS_FAKE_ZONES].sort() } })]);
    expect(JSON.stringify(audit)).not.toContain(apiToken);
  });

  it("refuses credentials the provider rejects with a 400 giving its reason, and stores nothing", async () => {
    const t = await newTenant();
    const apiToken = "revoked-token-0123456789abcdefghij";
    const res = await save(t.token, cloudflare("bad", apiToken));
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatch(/^credentials: Cloudflare .*Invalid access token.*\(nothing was stored\)$/);
    expect(res.text).not.toContain(apiToken);
    expect(await countRows(t.teamId)).toBe(0);
    expect((await auditEvents(t)).filter((e) => e.action.includes("dns-connections"))).toEqual([]);
  });

  it.each([
    [{ name: "x", provider: "bind9", credentials: {} }, "provider: must be one of cloudflare, aws, digitalocean, godaddy, google"],
    [{ name: "x", provider: "cloudflare", credentials: {} }, "credentials.apiToken"],
    [{ name: "x", provider: "cloudflare", credentials: { apiToken: "cf-ok-0123456789abcdef", zone: "a" } }, "credentials.zone: Unknown field"],
    [{ name: "", provider: "cloudflare", credentials: { apiToken: "cf-ok-0123456789abcdef" } }, "name: must not be empty"],
    [{ name: "a".repeat(65), provider: "cloudflare", credentials: { apiToken: "cf-ok-0123456789abcdef" } }, "name: must be at most 64 characters"],
    [{ name: "x", provider: "cloudflare" }, "credentials"],
    [{ name: "x", provider: "cloudflare", credentials: { apiToken: "cf-ok-0123456789abcdef" }, extra: 1 }, "Unrecognized key"],
  ])("refuses %j with a 400 naming the field", async (json, message) => {
    const t = await newTenant();
    const res = await save(t.token, json);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toContain(message);
    expect(await countRows(t.teamId)).toBe(0);
  });

  it("refuses a connection past DNS_CONNECTIONS_PER_TEAM (100) with 409, storing and recording nothing", async () => {
    const t = await newTenant();
    const filler = env.DB.prepare(
      "INSERT INTO dns_connections (id, team_id, name, provider, sealed_credentials, zones, created_at, updated_at) VALUES (?, ?, ?, 'cloudflare', 'x', '[]', 1, 1)",
    );
    await env.DB.batch(Array.from({ length: 99 }, (_, i) => filler.bind(`dnc_filler_${t.teamId}_${i}`, t.teamId, `filler-${i}`)));
    await create(t);
    const res = await save(t.token, cloudflare("one-too-many", okToken()));
    expect(res.status, res.text).toBe(409);
    expect(res.body).toMatchObject({ code: "limit_reached", error: "A team can have at most 100 DNS connections (DNS_CONNECTIONS_PER_TEAM); delete one before adding another" });
    expect(await countRows(t.teamId)).toBe(100);
    expect((await auditEvents(t)).filter((e) => e.action === "POST /api/v1/dns-connections")).toHaveLength(1);
  });

  it("names a field an adapter checks itself under credentials (a Google key that is not a usable private key)", async () => {
    const t = await newTenant();
    const serviceAccount = {
      type: "service_account",
      client_email: "dns@proj-123456.iam.gserviceaccount.com",
      private_key: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
    };
    const res = await save(t.token, { name: "gcp", provider: "google", credentials: { projectId: "proj-123456", credentials: serviceAccount } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toBe("credentials.credentials.private_key: Not a usable RSA PKCS#8 private key");
    expect(await countRows(t.teamId)).toBe(0);
  });

  it("refuses a second connection of the same name with 409", async () => {
    const first = await create(tenant);
    const res = await save(tenant.token, cloudflare(first.name, okToken()));
    expect(res.status, res.text).toBe(409);
    expect(res.body.error).toBe(`The team already has a DNS connection named "${first.name}"`);
    // Another team may use the name.
    await create(stranger, okToken(), first.name);
  });
});

describe("reading DNS connections", () => {
  it("lists the team's connections newest first, paged, and gets one; another team's is a 404", async () => {
    const t = await newTenant();
    const a = await create(t);
    const b = await create(t);
    const page1 = await call("GET", `${PATH}?limit=1`, { token: t.token });
    expect(page1.status).toBe(200);
    expect(page1.body.connections.map((c: { id: string }) => c.id)).toEqual([b.id]);
    const page2 = await call("GET", `${PATH}?limit=1&before=${encodeURIComponent(page1.body.next)}`, { token: t.token });
    expect(page2.body).toEqual({ connections: [expect.objectContaining({ id: a.id, name: a.name, provider: "cloudflare" })], next: null });
    expect(JSON.stringify([page1.body, page2.body])).not.toContain(a.apiToken);
    expect((await onConnection("GET", a.id, t.token)).body).toMatchObject({ id: a.id, zones: [...DNS_FAKE_ZONES].sort() });

    expect((await onConnection("GET", a.id, stranger.token)).status).toBe(404);
    expect((await onConnection("PATCH", a.id, stranger.token, { name: "mine" })).status).toBe(404);
    expect((await onConnection("DELETE", a.id, stranger.token)).status).toBe(404);
    expect((await call("GET", PATH, { token: stranger.token })).body.connections.map((c: { id: string }) => c.id)).not.toContain(a.id);
    expect(await countRows(t.teamId)).toBe(2);
  });
});

describe("scopes", () => {
  it("takes dns:read to read and dns:write to change; no other scope stands in", async () => {
    const connection = await create(tenant);
    const others = ["projects:write", "certs:write", "organization:write", "tokens:write", "certificates:export", "webhooks:write", "cas:write", "cas:issue"];
    const { token: without } = await tokenWith(tenant, others);
    expect((await call("GET", PATH, { token: without })).status).toBe(403);
    const one = await onConnection("GET", connection.id, without);
    expect(one.status).toBe(403);
    expect(one.body.error).toBe("This token lacks the dns:read scope");
    const { token: reader } = await tokenWith(tenant, ["dns:read"]);
    expect((await onConnection("GET", connection.id, reader)).status).toBe(200);
    const post = await save(reader, cloudflare(unique("r"), okToken()));
    expect(post.status).toBe(403);
    expect(post.body.error).toBe("This token lacks the dns:write scope");
    expect((await onConnection("PATCH", connection.id, reader, { name: "renamed" })).status).toBe(403);
    expect((await onConnection("DELETE", connection.id, reader)).status).toBe(403);
    const { token: writer } = await tokenWith(tenant, ["dns:write"]);
    expect((await onConnection("GET", connection.id, writer)).status).toBe(200);
  });

  it("gives new teams' bootstrap tokens dns:read and dns:write", async () => {
    const t = await newTenant();
    const tokens = (await call("GET", "/api/v1/tokens", { token: t.token })).body;
    expect(tokens.tokens.find((token: { name: string }) => token.name === "bootstrap").scopes).toEqual(expect.arrayContaining(["dns:read", "dns:write"]));
  });
});

describe("rotating and deleting", () => {
  it("PATCH probes the new credentials before storing them, and the next renewal opens the new ones", async () => {
    const connection = await create(tenant);
    const project = await certificateUsing(tenant, connection.id);
    const rotated = okToken();
    const res = await onConnection("PATCH", connection.id, tenant.token, { credentials: { apiToken: rotated } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: connection.id, name: connection.name, zones: [...DNS_FAKE_ZONES].sort() });
    expect(res.text).not.toContain(rotated);
    expect((await tokensSeen()).at(-1)).toBe(rotated);
    const audit = await auditOf(tenant, connection.id);
    expect(audit[0]).toMatchObject({ action: "PATCH /api/v1/dns-connections/:id", detail: { credentialsRotated: true } });
    expect(JSON.stringify(audit)).not.toContain(rotated);

    // A renewal of a certificate that uses the connection opens what the connection holds now.
    const previous = await certificateOf(project.id);
    const request: IssueRequest = { ...dns01RenewalOf(previous), dnsProvider: "cloudflare" };
    const job = await openedFor(request, previous);
    expect(job).toMatchObject({ dnsConnectionId: connection.id, dnsProvider: "cloudflare", dnsCredentials: { apiToken: rotated } });

    // The renewal itself, at a scripted CA that refuses the order: the preflight lists the zones with the rotated
    // token before any order, so the provider's fake sees it once more and the old one never (the fake's log is shared
    // by the whole run: other tests' tokens may be in it too).
    const ca = new FakeCa();
    ca.on("POST", "/acct", (asked) => {
      ca.addAccount(`${CA}/acct/1`, asked.protected!.jwk!);
      return { status: 201, headers: { location: `${CA}/acct/1` }, body: { status: "valid" } };
    });
    const seenBefore = await tokensSeen();
    const outcome = await runIssuance({ ...depsFrom(env), acmeFetch: ca.fetch }, { ...request, directoryUrl: `${CA}/dir`, trigger: "manual" });
    expect(outcome.state).toBe("failed");
    expect(ca.posts("/order")).toHaveLength(1);
    const seenDuring = (await tokensSeen()).slice(seenBefore.length);
    expect(seenDuring).toContain(rotated);
    expect(seenDuring).not.toContain(connection.apiToken);
  });

  it("refuses rotated credentials the provider rejects, keeping the old ones", async () => {
    const connection = await create(tenant);
    const res = await onConnection("PATCH", connection.id, tenant.token, { credentials: { apiToken: "bad-token-0123456789abcdefghij" } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toContain("credentials: Cloudflare");
    const row = await env.DB.prepare("SELECT updated_at, created_at FROM dns_connections WHERE id = ?").bind(connection.id).first<{ updated_at: number; created_at: number }>();
    expect(row?.updated_at).toBe(row?.created_at);
  });

  it("renames, refusing a name the team already uses", async () => {
    const a = await create(tenant);
    const b = await create(tenant);
    expect((await onConnection("PATCH", a.id, tenant.token, { name: b.name })).status).toBe(409);
    const renamed = unique("renamed");
    const res = await onConnection("PATCH", a.id, tenant.token, { name: renamed });
    expect(res.status, res.text).toBe(200);
    expect(res.body.name).toBe(renamed);
    expect((await onConnection("PATCH", a.id, tenant.token, {})).status).toBe(400);
  });

  it("DELETE is a 409 naming the certificates that use the connection, then 204 once none does", async () => {
    const connection = await create(tenant);
    const project = await certificateUsing(tenant, connection.id);
    const refused = await onConnection("DELETE", connection.id, tenant.token);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error).toBe(
      `DNS connection "${connection.name}" is used by 1 certificate (${project.domain}); delete them or obtain them again with other DNS credentials before deleting it`,
    );
    expect((await onConnection("GET", connection.id, tenant.token)).status).toBe(200);
    expect((await auditOf(tenant, connection.id)).filter((e) => e.action.startsWith("DELETE"))).toEqual([]);
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token })).body).toMatchObject({ dnsConnectionId: connection.id });

    expect((await call("DELETE", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token })).status).toBe(200);
    const deleted = await onConnection("DELETE", connection.id, tenant.token);
    expect(deleted.status, deleted.text).toBe(204);
    expect(deleted.text).toBe("");
    expect((await onConnection("GET", connection.id, tenant.token)).status).toBe(404);
    expect((await auditOf(tenant, connection.id))[0]).toMatchObject({ action: "DELETE /api/v1/dns-connections/:id" });
    expect((await onConnection("DELETE", connection.id, tenant.token)).status).toBe(404);
  });
});

describe("obtaining with a DNS connection", () => {
  const obtain = (t: Tenant, projectId: string, json: unknown) => call("POST", `/api/v1/projects/${projectId}/certificate/obtain`, { token: t.token, json });
  const dns01 = { email: "admin@example.com", challengeType: "dns-01" };

  it("refuses both forms at once, and a connection with HTTP-01, with a 400", async () => {
    const connection = await create(tenant);
    const project = await newProject(tenant);
    const both = await obtain(tenant, project.id, { ...dns01, dnsConnectionId: connection.id, dnsProvider: "cloudflare", dnsCredentials: { apiToken: okToken() } });
    expect(both.status).toBe(400);
    expect(both.body.error).toContain("dnsConnectionId: Give either dnsConnectionId or dnsProvider and dnsCredentials, not both");
    const http = await obtain(tenant, project.id, { ...dns01, challengeType: "http-01", dnsConnectionId: connection.id });
    expect(http.status).toBe(400);
    expect(http.body.error).toContain("dnsConnectionId: Only used with challengeType dns-01");
  });

  it("refuses an unknown connection, or another team's, with a 400 naming it", async () => {
    const project = await newProject(tenant);
    const theirs = await create(stranger);
    for (const id of ["dnc_doesnotexist", theirs.id]) {
      const res = await obtain(tenant, project.id, { ...dns01, dnsConnectionId: id });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toBe(`dnsConnectionId: The team has no DNS connection ${id}`);
    }
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token })).body).toBeNull();
  });

  it("takes the team's connection: the order goes to the CA (unreachable here) with the connection recorded, no credentials", async () => {
    const connection = await create(tenant);
    const project = await newProject(tenant);
    const res = await obtain(tenant, project.id, { ...dns01, dnsConnectionId: connection.id });
    expect(res.status, res.text).toBe(503);
    const audit = (await auditOf(tenant, project.id))[0];
    expect(audit?.detail).toMatchObject({ challengeType: "dns-01", dnsProvider: "cloudflare", dnsConnectionId: connection.id });
    expect(JSON.stringify(audit)).not.toContain(connection.apiToken);
  });

  it("a renewal whose connection is gone fails with a clear message and orders nothing", async () => {
    const connection = await create(tenant);
    const project = await certificateUsing(tenant, connection.id);
    await env.DB.prepare("DELETE FROM dns_connections WHERE id = ?").bind(connection.id).run();
    const job = await renewalJob(project.id);
    expect(job).toBeInstanceOf(Error);
    expect((job as Error).message).toBe(`DNS connection ${connection.id} no longer exists: obtain the certificate again with other DNS credentials`);
  });
});
