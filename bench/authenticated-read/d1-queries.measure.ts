/**
 * D1 statements per request of the main routes, counted by running them (bench/authenticated-read/throughput.mjs
 * turns the result into the "D1 queries per request" table). Every route is sent twice to a Worker isolate of its
 * own (test/support/d1-count.ts `countingIsolate`): first with a cold token (verified by D1, as in an isolate that
 * has not seen it; the token was used a moment ago elsewhere, so no last-used write), then with the token warm in
 * that isolate's cache (src/services/token-cache.ts). A benchmark, not a test: it asserts nothing, prints one line.
 */
import { it } from "vitest";
import { call, newProject, newTenant, uniqueDomain, type Tenant } from "../../test/support/api";
import { countingIsolate } from "../../test/support/d1-count";
import { makeChain } from "../../test/support/pki-fixtures";

/** As throughput.mjs D1_MARKER. */
const RESULT_MARKER = "D1_QUERIES_RESULT";

/** What one counted request ran: its status, its statements (SQL; "batch: " before a batch's members), its sessions. */
async function send(isolate: ReturnType<typeof countingIsolate>, route: Route, token: string) {
  const res = await isolate.request(route.method, route.path, token, route.json ? { json: route.json() } : {});
  // `sessions`: the D1 sessions the request opened (withSession's argument), where d1-count.ts records them.
  return { status: res.status, statements: res.statements, sessions: (res as { sessions?: string[] }).sessions ?? [] };
}

interface Route {
  method: string;
  /** As the table shows it. */
  route: string;
  path: string;
  json?: () => unknown;
}

async function routesOf(tenant: Tenant): Promise<Route[]> {
  const project = await newProject(tenant);
  const elsewhere = await newProject(tenant);
  const base = `/api/v1/projects/${project.id}`;
  const chain = await makeChain({ key: "EC-P256", names: [project.domain!] });
  const material = { certificate: chain.leafPem + chain.intermediatePem!, privateKey: chain.keyPem };
  // Uploaded once beforehand, so both counted uploads replace a certificate, as every upload after the first does.
  const first = await call("POST", `${base}/certificate/upload`, { token: tenant.token, json: material });
  if (first.status !== 200) throw new Error(`upload: ${first.status} ${first.text}`);
  let created = 0;
  return [
    { method: "GET", route: "GET /api/v1/projects/:id", path: base },
    { method: "GET", route: "GET /api/v1/projects", path: "/api/v1/projects" },
    { method: "POST", route: "POST /api/v1/projects", path: "/api/v1/projects", json: () => ({ name: `counted-${created++}-${Date.now()}`, domain: uniqueDomain("counted") }) },
    { method: "GET", route: "GET /api/v1/projects/:id/certificate", path: `${base}/certificate` },
    { method: "GET", route: "GET /api/v1/projects/:id/certificate/status", path: `${base}/certificate/status` },
    { method: "POST", route: "POST /api/v1/projects/:id/certificate/validate", path: `${base}/certificate/validate`, json: () => material },
    {
      method: "POST",
      route: "POST /api/v1/projects/:id/certificate/validate, certificate for another name (422)",
      path: `/api/v1/projects/${elsewhere.id}/certificate/validate`,
      json: () => material,
    },
    { method: "POST", route: "POST /api/v1/projects/:id/certificate/upload (replacing)", path: `${base}/certificate/upload`, json: () => material },
    { method: "GET", route: "GET /api/v1/team", path: "/api/v1/team" },
    { method: "GET", route: "GET /v8/certs (Vercel)", path: "/v8/certs" },
    { method: "GET", route: "GET /v1/organization/certificates (OpenAI)", path: "/v1/organization/certificates" },
  ];
}

it("D1 statements per request, cold and warm token", async () => {
  const tenant = await newTenant();
  const rows = [];
  for (const route of await routesOf(tenant)) {
    // A use through another isolate (SELF) right before: the cold request reads the token but does not write its use.
    await call("GET", "/api/v1/team", { token: tenant.token });
    const isolate = countingIsolate();
    const cold = await send(isolate, route, tenant.token);
    const warm = await send(isolate, route, tenant.token);
    rows.push({ route: route.route, cold, warm });
  }

  // A token's very first request: the read and its last-used write.
  const fresh = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: "first-use", scopes: ["projects:read"] } });
  const firstUse = await send(countingIsolate(), { method: "GET", route: "GET /api/v1/projects", path: "/api/v1/projects" }, fresh.body.token);
  console.log(`${RESULT_MARKER} ${JSON.stringify({ kind: "d1-queries", rows, firstUse: { route: "GET /api/v1/projects", ...firstUse } })}`);
});
