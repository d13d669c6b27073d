/** Every Vercel and OpenAI surface route: no token, a wrong token, a read-only token on a write, another team's token. */
import { beforeAll, describe, expect, it } from "vitest";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { makeCa } from "../../support/pki-fixtures";

interface Ids {
  project: string;
  cert: string;
  clientCert: string;
  orgCert: string;
}

interface RouteCase {
  surface: "vercel" | "openai";
  method: string;
  path: (ids: Ids) => string;
  write: boolean;
  /** Whether the route names a resource of the team (another team's token then gets 404). */
  owned: boolean;
  json?: (ids: Ids) => unknown;
}

const ROUTES: RouteCase[] = [
  { surface: "vercel", method: "PUT", path: () => "/v8/certs", owned: false, write: true, json: () => ({ cert: "x", key: "y", ca: "" }) },
  { surface: "vercel", method: "GET", path: () => "/v8/certs", owned: false, write: false },
  { surface: "vercel", method: "GET", path: (i) => `/v8/certs/${i.cert}`, owned: true, write: false },
  { surface: "vercel", method: "DELETE", path: (i) => `/v8/certs/${i.cert}`, owned: true, write: true },
  { surface: "vercel", method: "POST", path: (i) => `/v8/certs/${i.cert}/export`, owned: true, write: true },
  { surface: "vercel", method: "POST", path: (i) => `/v1/projects/${i.project}/client-cert`, owned: true, write: true, json: () => ({ cert: "x", key: "y", ca: "z" }) },
  { surface: "vercel", method: "GET", path: (i) => `/v1/projects/${i.project}/client-cert`, owned: true, write: false },
  { surface: "vercel", method: "DELETE", path: (i) => `/v1/projects/${i.project}/client-cert/${i.clientCert}`, owned: true, write: true },
  { surface: "openai", method: "POST", path: () => "/v1/organization/certificates", owned: false, write: true, json: () => ({ certificate: "x" }) },
  { surface: "openai", method: "GET", path: () => "/v1/organization/certificates", owned: false, write: false },
  { surface: "openai", method: "GET", path: (i) => `/v1/organization/certificates/${i.orgCert}`, owned: true, write: false },
  { surface: "openai", method: "POST", path: (i) => `/v1/organization/certificates/${i.orgCert}`, owned: true, write: true, json: () => ({ name: "n" }) },
  { surface: "openai", method: "DELETE", path: (i) => `/v1/organization/certificates/${i.orgCert}`, owned: true, write: true },
  { surface: "openai", method: "POST", path: () => "/v1/organization/certificates/activate", owned: false, write: true, json: (i) => ({ certificate_ids: [i.orgCert] }) },
  { surface: "openai", method: "POST", path: () => "/v1/organization/certificates/deactivate", owned: false, write: true, json: (i) => ({ certificate_ids: [i.orgCert] }) },
  { surface: "openai", method: "GET", path: (i) => `/v1/organization/projects/${i.project}/certificates`, owned: true, write: false },
  { surface: "openai", method: "POST", path: (i) => `/v1/organization/projects/${i.project}/certificates/activate`, owned: true, write: true, json: (i) => ({ certificate_ids: [i.orgCert] }) },
  { surface: "openai", method: "POST", path: (i) => `/v1/organization/projects/${i.project}/certificates/deactivate`, owned: true, write: true, json: (i) => ({ certificate_ids: [i.orgCert] }) },
];

let owner: Tenant;
let stranger: Tenant;
let ids: Ids;

beforeAll(async () => {
  [owner, stranger] = await Promise.all([newTenant(), newTenant()]);
  const project = await newProject(owner, null);
  const ca = await makeCa({ cn: "Matrix CA" });
  const org = await call("POST", "/v1/organization/certificates", { token: owner.token, json: { certificate: ca.pem } });
  // Ids of the owner's resources that exist (team cert and client cert ids need not: 404 either way for the stranger).
  ids = { project: project.id, cert: "cert_matrix", clientCert: "ccert_matrix", orgCert: org.body.id };
});

const placeholders: Ids = { project: "{project}", cert: "{cert}", clientCert: "{clientCert}", orgCert: "{orgCert}" };

describe.each(ROUTES.map((route) => ({ ...route, label: route.path(placeholders) })))("$surface $method $label", (route) => {
  const send = (token: string | null) => call(route.method, route.path(ids), { token, json: route.json?.(ids) });

  it("401 without a token or with a wrong one, in the surface's error style", async () => {
    for (const token of [null, "cdk_" + "A".repeat(43)]) {
      const res = await send(token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
      if (route.surface === "openai") expect(res.body.error).toMatchObject({ type: "authentication_error", param: null });
      else expect(Object.keys(res.body.error).sort()).toEqual(["code", "message"]);
    }
  });

  it.runIf(route.write)("403 with a read-only token", async () => {
    const res = await send(owner.readToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });

  it.runIf(route.owned)("404 with another team's token", async () => {
    const res = await send(stranger.token);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});
