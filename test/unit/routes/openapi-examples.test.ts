/**
 * Every request-body example of the served `/openapi.json` is accepted as sent: no 400 for a field the schema refuses,
 * no 415 or 413. Path parameters are a real project's id where the path names a project; others (a CA, a webhook) are
 * ids that exist nowhere, so those answer 404 once the body has passed validation, which runs before the handler.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, newProject, newTenant } from "../../support/api";

const METHODS = ["post", "put", "patch", "delete"] as const;
/** The codes of a body the schema (or the JSON parser) refused. */
const REFUSED = new Set(["validation_failed", "invalid_json", "payload_too_large", "unsupported_media_type"]);

interface Example {
  method: string;
  path: string;
  example: unknown;
}

describe("request-body examples of /openapi.json", () => {
  it("are each accepted as sent by the service", { timeout: 120_000 }, async () => {
    const document = (await call("GET", "/openapi.json")).body;
    const examples: Example[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const method of METHODS) {
        const example = item[method]?.requestBody?.content?.["application/json"]?.example;
        if (example !== undefined) examples.push({ method: method.toUpperCase(), path, example });
      }
    }
    expect(examples.length).toBeGreaterThanOrEqual(10);

    const tenant = await newTenant();
    const project = await newProject(tenant);
    // A project's id wherever the path names a project; any other object by an id that is well-formed but unknown.
    const fill = (path: string) =>
      path.replace(/\/([a-z-]+)\/\{([^}]+)\}/g, (_, collection: string) => `/${collection}/${collection === "projects" ? project.id : "ex_unknown"}`);
    for (const { method, path, example } of examples) {
      const token = path.startsWith("/api/v1/admin/") || path === "/api/v1/teams" ? ADMIN_TOKEN : tenant.token;
      const res = await call(method, fill(path), { token, json: example });
      const name = `${method} ${path} ${res.status} ${res.text.slice(0, 200)}`;
      expect([413, 415], name).not.toContain(res.status);
      // Vercel's codes are coarse (a refused field is `bad_request`): there, any 400 fails; elsewhere the code says why.
      if (/^\/v\d+\/(certs|projects)/.test(path) && !path.startsWith("/v1/organization")) expect(res.status, name).not.toBe(400);
      const code: unknown = res.body?.code ?? res.body?.error?.code;
      expect(REFUSED.has(String(code)), name).toBe(false);
    }
  });
});
