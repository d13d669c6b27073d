/** Every response carries the security headers: pages, data, assets, errors of each surface, 404s and 413s. */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, newTenant } from "../../support/api";
import { expectSecurityHeaders } from "./expect-security-headers";

describe("security headers", () => {
  it.each([
    ["the landing page", "GET", "/", undefined, 200],
    ["the landing page as JSON", "GET", "/", { Accept: "application/json" }, 200],
    ["the health check", "GET", "/health", undefined, 200],
    ["the OpenAPI document", "GET", "/openapi.json", undefined, 200],
    ["the docs page", "GET", "/docs", undefined, 200],
    ["the docs start-up script", "GET", "/docs/init.js", undefined, 200],
    ["the console's entry script", "GET", "/console/app.js", undefined, 200],
    ["the console's stylesheet", "GET", "/console/console.css", undefined, 200],
    ["an unknown route", "GET", "/nope", undefined, 404],
    ["a missing token (native)", "GET", "/api/v1/projects", undefined, 401],
    ["a missing token (Vercel)", "GET", "/v8/certs", undefined, 401],
    ["a missing token (OpenAI)", "GET", "/v1/organization/certificates", undefined, 401],
    ["an unknown ACME challenge", "GET", "/.well-known/acme-challenge/unknownTokenUnknownToken123", undefined, 404],
  ])("on %s", async (what, method, path, headers, status) => {
    const res = await call(method, path, { headers });
    expect(res.status).toBe(status);
    expectSecurityHeaders(res.headers, what);
  });

  it("on JSON answers, with a policy that allows nothing at all", async () => {
    const tenant = await newTenant();
    const res = await call("GET", "/api/v1/team", { token: tenant.token });
    expect(res.status).toBe(200);
    expectSecurityHeaders(res.headers, "a team");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  });

  it("on refusals and validation errors", async () => {
    const tenant = await newTenant();
    const forbidden = await call("POST", "/api/v1/projects", { token: tenant.readToken, json: { name: "x" } });
    expect(forbidden.status).toBe(403);
    expectSecurityHeaders(forbidden.headers, "a 403");
    const invalid = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug: "Not Valid", name: "x" } });
    expect(invalid.status).toBe(400);
    expectSecurityHeaders(invalid.headers, "a 400");
    const malformed = await call("POST", "/api/v1/projects", { token: tenant.token, body: "{", headers: { "Content-Type": "application/json" } });
    expect(malformed.status).toBe(400);
    expectSecurityHeaders(malformed.headers, "malformed JSON");
  });

  it("on a body too large", async () => {
    const res = await call("POST", "/api/v1/projects", { token: "x", body: "x".repeat(300 * 1024), headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(413);
    expectSecurityHeaders(res.headers, "a 413");
  });

  it("keeps a page's own policy: the dashboard allows its own script, styles and API calls, and still no frame", async () => {
    const res = await call("GET", "/");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; script-src 'self'; style-src 'self'; " +
        "connect-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'",
    );
  });
});
