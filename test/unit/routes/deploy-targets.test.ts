/**
 * `/api/v1/projects/:id/deploy-targets`: who may add one (it receives the private key), what settings and credentials
 * are accepted, that credentials never come back, and how a failing delivery shows. Unit tests have no network (every
 * outbound call gets a 502), so deliveries here fail; test/unit/services/deploy-delivery.test.ts and the e2e suite
 * deliver for real.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { recipientKeys, SCOPE_SETS_WITHOUT_EXPORT, tokenWith } from "../../support/export-checks";
import { makeChain } from "../../support/pki-fixtures";

const ZONE = "0123456789abcdef0123456789abcdef";
const CF_TOKEN = "cf-deploy-token-0123456789abcdefghijkl";
const AWS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

const targets = (projectId: string) => `/api/v1/projects/${projectId}/deploy-targets`;

let tenant: Tenant;
let stranger: Tenant;

beforeAll(async () => {
  [tenant, stranger] = await Promise.all([newTenant(), newTenant()]);
});

const acmTarget = { kind: "aws_acm", settings: { region: "eu-west-1" }, credentials: AWS };
const zoneTarget = { kind: "cloudflare_zone_certificate", settings: { zoneId: ZONE }, credentials: { apiToken: CF_TOKEN } };

describe("who may add a deploy target", () => {
  it("takes projects:write and certificates:export together: a target receives the private key", async () => {
    const project = await newProject(tenant);
    for (const scopes of [...SCOPE_SETS_WITHOUT_EXPORT, ["certificates:export"]]) {
      const { token } = await tokenWith(tenant, scopes);
      const res = await call("POST", targets(project.id), { token, json: acmTarget });
      expect(res.status, `${scopes.join(",")}: ${res.text}`).toBe(403);
      const missing = scopes.includes("certificates:export") ? "projects:write" : scopes.includes("projects:write") ? "certificates:export" : undefined;
      if (missing) expect(res.body.error).toBe(`This token lacks the ${missing} scope`);
    }
    expect((await call("GET", targets(project.id), { token: tenant.token })).body.targets).toEqual([]);
    const { token } = await tokenWith(tenant, ["projects:write", "certificates:export"]);
    expect((await call("POST", targets(project.id), { token, json: acmTarget })).status).toBe(201);
  });

  it("answers 404 for another team's project, and lists nothing of it", async () => {
    const project = await newProject(tenant);
    expect((await call("POST", targets(project.id), { token: stranger.token, json: acmTarget })).status).toBe(404);
    expect((await call("GET", targets(project.id), { token: stranger.token })).status).toBe(404);
    const created = await call("POST", targets(project.id), { token: tenant.token, json: acmTarget });
    const one = `${targets(project.id)}/${created.body.id}`;
    expect((await call("GET", one, { token: stranger.token })).status).toBe(404);
    expect((await call("DELETE", one, { token: stranger.token })).status).toBe(404);
    expect((await call("POST", `${one}/deploy`, { token: stranger.token })).status).toBe(404);
    expect((await call("GET", one, { token: tenant.token })).status).toBe(200);
  });
});

describe("what a target takes", () => {
  const refusals: [string, unknown, number, string][] = [
    ["an unknown kind", { kind: "ftp", settings: {} }, 400, "kind: must be one of cloudflare_custom_hostname, cloudflare_zone_certificate, aws_acm, https_push"],
    ["a zone id that is not 32 hex digits", { ...zoneTarget, settings: { zoneId: "example.com" } }, 400, "settings.zoneId"],
    ["a misspelt setting", { ...zoneTarget, settings: { zoneId: ZONE, bundle: "force" } }, 400, "settings.bundle: Unknown field"],
    ["missing credentials", { kind: "aws_acm", settings: { region: "eu-west-1" } }, 400, "credentials.accessKeyId: Required"],
    ["an ARN of another region", { ...acmTarget, settings: { region: "eu-west-1", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" } }, 400, "settings.certificateArn"],
    ["a push to a private address", { kind: "https_push", settings: { url: "https://10.0.0.7/hook", recipient: {} } }, 400, "settings."],
    ["a field outside the body's shape", { ...acmTarget, name: "x" }, 400, "name"],
  ];

  it.each(refusals)("refuses %s with a 400 naming the field, and adds nothing", async (_label, body, status, message) => {
    const project = await newProject(tenant);
    const res = await call("POST", targets(project.id), { token: tenant.token, json: body });
    expect(res.status, res.text).toBe(status);
    expect(res.body.error).toContain(message);
    expect((await call("GET", targets(project.id), { token: tenant.token })).body.targets).toEqual([]);
  });

  it("refuses a custom hostname the project does not hold", async () => {
    const project = await newProject(tenant);
    const res = await call("POST", targets(project.id), {
      token: tenant.token,
      json: { kind: "cloudflare_custom_hostname", settings: { zoneId: ZONE, hostname: "elsewhere.example.net" }, credentials: { apiToken: CF_TOKEN } },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ code: "domain_mismatch" });
    expect(res.body.error).toContain(`elsewhere.example.net is not covered by the project's domain ${project.domain}`);
    const own = await call("POST", targets(project.id), {
      token: tenant.token,
      json: { kind: "cloudflare_custom_hostname", settings: { zoneId: ZONE, hostname: project.domain }, credentials: { apiToken: CF_TOKEN } },
    });
    expect(own.status, own.text).toBe(201);
    expect(own.body).toMatchObject({ kind: "cloudflare_custom_hostname", settings: { zoneId: ZONE, hostname: project.domain }, state: "no_certificate" });
  });

  it("never shows credentials again, and makes a push's signing secret once", async () => {
    const project = await newProject(tenant);
    const created = await call("POST", targets(project.id), { token: tenant.token, json: zoneTarget });
    expect(created.status, created.text).toBe(201);
    expect(created.text).not.toContain(CF_TOKEN);
    expect(created.body.credentials).toBeUndefined();
    const { publicJwk } = await recipientKeys("P-256");
    const push = await call("POST", targets(project.id), {
      token: tenant.token,
      json: { kind: "https_push", settings: { url: "https://deploy.example.com/hooks/certdesk", recipient: publicJwk } },
    });
    expect(push.status, push.text).toBe(201);
    const secret = push.body.credentials.signingSecret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await call("GET", targets(project.id), { token: tenant.token });
    const audit = await call("GET", "/api/v1/audit-log?limit=200", { token: tenant.token });
    for (const text of [listed.text, audit.text, (await call("GET", `${targets(project.id)}/${push.body.id}`, { token: tenant.token })).text]) {
      expect(text).not.toContain(CF_TOKEN);
      expect(text).not.toContain(secret.slice(6));
    }
    expect(listed.body.targets.map((t: { kind: string }) => t.kind)).toEqual(["cloudflare_zone_certificate", "https_push"]);
    expect(audit.body.events.find((e: { target: string }) => e.target === created.body.id)).toMatchObject({
      action: "POST /api/v1/projects/:id/deploy-targets",
      detail: { projectId: project.id, kind: "cloudflare_zone_certificate", settings: { zoneId: ZONE } },
    });
  });

  it("shows a push URL's query values as [redacted], in its answers and in the audit log, to anyone who may read them", async () => {
    const project = await newProject(tenant);
    const { publicJwk } = await recipientKeys("P-256");
    const receiverToken = "rcv-token-0123456789abcdef";
    const url = `https://deploy.example.com/hooks/certdesk?team=7&token=${receiverToken}&bare`;
    const shown = "https://deploy.example.com/hooks/certdesk?team=[redacted]&token=[redacted]&[redacted]";
    const push = await call("POST", targets(project.id), { token: tenant.token, json: { kind: "https_push", settings: { url, recipient: publicJwk } } });
    expect(push.status, push.text).toBe(201);
    expect(push.body.settings.url).toBe(shown);
    const one = `${targets(project.id)}/${push.body.id}`;
    const deleted = await call("DELETE", one, { token: tenant.token });
    expect(deleted.status, deleted.text).toBe(200);

    const reader = await tokenWith(tenant, ["projects:read"]);
    const again = await call("POST", targets(project.id), { token: tenant.token, json: { kind: "https_push", settings: { url, recipient: publicJwk } } });
    const listed = await call("GET", targets(project.id), { token: reader.token });
    expect(listed.status).toBe(200);
    expect(listed.body.targets.map((t: { settings: { url: string } }) => t.settings.url)).toEqual([shown]);
    const single = await call("GET", `${targets(project.id)}/${again.body.id}`, { token: reader.token });
    expect(single.body.settings.url).toBe(shown);
    const audit = await call("GET", "/api/v1/audit-log?limit=200", { token: tenant.token });
    const events = audit.body.events.filter((e: { target: string }) => e.target === push.body.id || e.target === again.body.id);
    expect(events.map((e: { action: string }) => e.action).sort()).toEqual([
      "DELETE /api/v1/projects/:id/deploy-targets/:targetId",
      "POST /api/v1/projects/:id/deploy-targets",
      "POST /api/v1/projects/:id/deploy-targets",
    ]);
    for (const event of events) expect(event.detail.settings.url).toBe(shown);
    for (const text of [push.text, listed.text, single.text, audit.text]) expect(text).not.toContain(receiverToken);
  });

  it("holds at most DEPLOY_TARGETS_PER_PROJECT (10) per project", async () => {
    const project = await newProject(tenant);
    for (let i = 0; i < 10; i++) expect((await call("POST", targets(project.id), { token: tenant.token, json: acmTarget })).status).toBe(201);
    const over = await call("POST", targets(project.id), { token: tenant.token, json: acmTarget });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: "limit_reached", error: "A project can have at most 10 deploy targets; remove one before adding another" });
    expect((await call("GET", targets(project.id), { token: tenant.token })).body.targets).toHaveLength(10);
  });

  it("removes a target, leaving what it holds where it is; a second removal is 404", async () => {
    const project = await newProject(tenant);
    const created = await call("POST", targets(project.id), { token: tenant.token, json: acmTarget });
    const one = `${targets(project.id)}/${created.body.id}`;
    const removed = await call("DELETE", one, { token: tenant.token });
    expect(removed.status).toBe(200);
    expect(removed.body.message).toContain("left in place");
    expect((await call("DELETE", one, { token: tenant.token })).status).toBe(404);
    expect((await call("GET", one, { token: tenant.token })).status).toBe(404);
  });
});

describe("a delivery that fails", () => {
  it("is recorded on the target and in the certificate's status, with the next attempt scheduled; the certificate stays", async () => {
    const project = await newProject(tenant);
    const chain = await makeChain({ key: "EC-P256", names: [project.domain!] });
    const uploaded = await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, {
      token: tenant.token,
      json: { certificate: chain.chainPem, privateKey: chain.keyPem },
    });
    expect(uploaded.status).toBe(200);
    const before = Date.now();
    const created = await call("POST", targets(project.id), { token: tenant.token, json: acmTarget });
    expect(created.status, created.text).toBe(201);
    // No network in unit tests: ACM answers through a gateway that cannot reach it.
    expect(created.body).toMatchObject({ state: "failing", failures: 1, deployedSerial: null, remoteId: null });
    expect(created.body.lastError).toContain("AWS Certificate Manager");
    expect(created.body.lastError).toContain("HTTP 502");
    const next = Date.parse(created.body.nextAttemptAt);
    expect(next).toBeGreaterThanOrEqual(before + 60_000);
    expect(next).toBeLessThan(Date.now() + 120_000);

    const again = await call("POST", `${targets(project.id)}/${created.body.id}/deploy`, { token: tenant.token });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: "failed", target: { state: "failing", failures: 2 } });

    const status = await call("GET", `/api/v1/projects/${project.id}/certificate/status`, { token: tenant.token });
    expect(status.body.status).toBe("valid");
    expect(status.body.deployments).toEqual([
      expect.objectContaining({ targetId: created.body.id, kind: "aws_acm", state: "failing", failures: 2, warning: null }),
    ]);
    const certificate = await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token });
    expect(certificate.body.serial).toBe(uploaded.body.certificate.serial);
  });

  it("is audited as a delivery before anything is sent", async () => {
    const project = await newProject(tenant);
    const chain = await makeChain({ key: "EC-P256", names: [project.domain!] });
    await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, { token: tenant.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
    const created = await call("POST", targets(project.id), { token: tenant.token, json: zoneTarget });
    const audit = await call("GET", "/api/v1/audit-log?limit=200", { token: tenant.token });
    const delivery = audit.body.events.find((e: { action: string; detail: { targetId?: string } | null }) => e.action === "DELIVER deploy target" && e.detail?.targetId === created.body.id);
    expect(delivery).toMatchObject({ actor: "deployer", detail: { kind: "cloudflare_zone_certificate", trigger: "created", projectId: project.id } });
  });
});
