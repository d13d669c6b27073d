/**
 * A CA that cannot be reached (unit tests have no CA: every request to it gets a 502) answers `POST /v8/certs` with
 * 503 and Vercel's `service_unavailable`, not `internal_server_error`, as the OpenAPI document says; nothing is stored.
 */
import { describe, expect, it } from "vitest";
import { call, env, newProject, newTenant } from "../../support/api";

describe("POST /v8/certs while the CA cannot be reached", () => {
  it("answers 503 service_unavailable in Vercel's shape, listed in the document, and stores nothing", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const res = await call("POST", "/v8/certs", { token: tenant.token, json: { cns: [project.domain] } });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: { code: "service_unavailable", message: expect.stringContaining("Could not reach the ACME CA") } });
    const documented = (await call("GET", "/openapi.json")).body.paths["/v8/certs"].post.responses["503"];
    expect(documented.description).toContain("`service_unavailable`");
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM certificates WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });
});
