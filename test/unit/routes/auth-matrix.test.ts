/**
 * Every authenticated route: no token, a wrong token, a read-only token on a write, and another team's token;
 * each refusal with the security headers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { expectSecurityHeaders } from "../http/expect-security-headers";

interface RouteCase {
  method: string;
  path: (projectId: string) => string;
  write: boolean;
  /** Whether the route names a resource of the team (another team's token then gets 404). */
  owned: boolean;
  json?: unknown;
}

const certBody = { certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", privateKey: "x" };

const deployTargetBody = {
  kind: "aws_acm",
  settings: { region: "us-east-1" },
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
};

export const NATIVE_ROUTES: RouteCase[] = [
  { method: "GET", path: () => "/api/v1/team", write: false, owned: false },
  { method: "GET", path: () => "/api/v1/tokens", write: false, owned: false },
  { method: "GET", path: () => "/api/v1/audit-log", write: false, owned: false },
  { method: "POST", path: () => "/api/v1/tokens", write: true, owned: false, json: { name: "x", scopes: ["projects:read"] } },
  { method: "GET", path: () => "/api/v1/projects", write: false, owned: false },
  { method: "POST", path: () => "/api/v1/projects", write: true, owned: false, json: { name: "matrix" } },
  { method: "GET", path: (id) => `/api/v1/projects/${id}`, write: false, owned: true },
  { method: "PATCH", path: (id) => `/api/v1/projects/${id}`, write: true, owned: true, json: { name: "renamed" } },
  { method: "DELETE", path: (id) => `/api/v1/projects/${id}`, write: true, owned: true },
  { method: "GET", path: (id) => `/api/v1/projects/${id}/domain`, write: false, owned: true },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/domain/verify`, write: true, owned: true },
  { method: "GET", path: (id) => `/api/v1/projects/${id}/certificate`, write: false, owned: true },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/certificate/validate`, write: false, owned: true, json: certBody },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/certificate/upload`, write: true, owned: true, json: certBody },
  { method: "GET", path: (id) => `/api/v1/projects/${id}/certificate/status`, write: false, owned: true },
  { method: "PATCH", path: (id) => `/api/v1/projects/${id}/certificate`, write: true, owned: true, json: { autoRenew: false } },
  { method: "DELETE", path: (id) => `/api/v1/projects/${id}/certificate`, write: true, owned: true },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/certificate/obtain`, write: true, owned: true, json: { email: "a@example.com", challengeType: "http-01", dryRun: true } },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/certificate/renew`, write: true, owned: true },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/certificate/revoke`, write: true, owned: true },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/certificate/export`, write: true, owned: true },
  { method: "GET", path: (id) => `/api/v1/projects/${id}/deploy-targets`, write: false, owned: true },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/deploy-targets`, write: true, owned: true, json: deployTargetBody },
  { method: "GET", path: (id) => `/api/v1/projects/${id}/deploy-targets/dtg_matrix`, write: false, owned: true },
  { method: "POST", path: (id) => `/api/v1/projects/${id}/deploy-targets/dtg_matrix/deploy`, write: true, owned: true },
  { method: "DELETE", path: (id) => `/api/v1/projects/${id}/deploy-targets/dtg_matrix`, write: true, owned: true },
];

let owner: Tenant;
let stranger: Tenant;
let projectId: string;

beforeAll(async () => {
  owner = await newTenant();
  stranger = await newTenant();
  projectId = (await newProject(owner)).id;
});

describe.each(NATIVE_ROUTES)("$method $path", (route) => {
  const send = async (token: string | null) => {
    const res = await call(route.method, route.path(projectId), { token, json: route.json });
    expectSecurityHeaders(res.headers, `${res.status} from ${route.method} ${route.path(projectId)}`);
    return res;
  };

  it("401 without a token", async () => {
    const res = await send(null);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, code: "unauthorized" });
  });

  it("401 with a wrong token", async () => {
    expect((await send("cdk_" + "A".repeat(43))).status).toBe(401);
    expect((await send("garbage")).status).toBe(401);
  });

  it.runIf(route.write)("403 with a read-only token", async () => {
    const res = await send(owner.readToken);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/lacks the .+ scope/);
  });

  it.runIf(route.owned)("404 with another team's token, revealing nothing", async () => {
    const res = await send(stranger.token);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(owner.teamId);
    // The owner's project is untouched.
    expect((await call("GET", `/api/v1/projects/${projectId}`, { token: owner.token })).status).toBe(200);
  });
});
