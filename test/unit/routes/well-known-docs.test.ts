import { describe, expect, it } from "vitest";
import { call, env } from "../../support/api";

describe("GET /.well-known/acme-challenge/:token", () => {
  it("answers the key authorization from KV as text/plain, the same every time, without auth", async () => {
    const token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    await env.CHALLENGES.put(`http-01:${token}`, `${token}.thumbprint`);
    for (let i = 0; i < 3; i++) {
      const res = await call("GET", `/.well-known/acme-challenge/${token}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(res.text).toBe(`${token}.thumbprint`);
    }
  });

  it.each([["unknownTokenUnknownToken123"], ["short"], ["has.dots.in.it.aaaaaaaaaaaa"], ["x".repeat(300)]])("404 for %s", async (token) => {
    const res = await call("GET", `/.well-known/acme-challenge/${token}`);
    expect(res.status).toBe(404);
  });

  it("does not serve other KV entries", async () => {
    await env.CHALLENGES.put("secret-entry", "nope");
    expect((await call("GET", "/.well-known/acme-challenge/secret-entry")).status).toBe(404);
  });
});

describe("OpenAPI and docs", () => {
  it("serves an OpenAPI 3.1 document generated from the routes", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    for (const path of [
      "/api/v1/projects/{id}/certificate",
      "/api/v1/projects/{id}/certificate/obtain",
      "/api/v1/projects/{id}/certificate/upload",
      "/api/v1/projects/{id}/certificate/validate",
      "/api/v1/projects/{id}/certificate/status",
      "/v8/certs",
    ]) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    expect(res.body.components.securitySchemes.Bearer).toEqual({ type: "http", scheme: "bearer" });
  });

  it("serves interactive docs", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.text).toContain("/openapi.json");
  });

  it("answers unknown routes with a 404 in the native style", async () => {
    const res = await call("GET", "/api/v1/nope");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, code: "not_found" });
  });
});
