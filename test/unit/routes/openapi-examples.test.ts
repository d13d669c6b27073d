/**
 * Every request-body example of the served `/openapi.json` is accepted as sent: no 400 for a field the schema refuses,
 * no 415 or 413. Path parameters and id fields name real objects: the tenant's project, and what earlier examples
 * created (a CA); others are ids that exist nowhere, which answer 404 once the body has passed validation.
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
    // Objects the examples create, by collection (`cas` → the CA's id): the paths and bodies of later examples name
    // them; an object not created is named by an id that is well-formed but unknown (a 404 after validation).
    const created = new Map<string, string>([["projects", project.id]]);
    const fill = (path: string) =>
      path.replace(/\/([a-z-]+)\/\{([^}]+)\}/g, (_, collection: string) => `/${collection}/${created.get(collection) ?? "ex_unknown"}`);
    const ID_FIELDS: Record<string, string> = { caId: "cas", parentId: "cas", dnsConnectionId: "dns-connections" };
    const withIds = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(withIds);
      if (value === null || typeof value !== "object") return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, field]) => [key, ID_FIELDS[key] && created.has(ID_FIELDS[key]) ? created.get(ID_FIELDS[key]) : withIds(field)]),
      );
    };
    for (const { method, path, example } of examples) {
      const token = path.startsWith("/api/v1/admin/") || path === "/api/v1/teams" ? ADMIN_TOKEN : tenant.token;
      const res = await call(method, fill(path), { token, json: withIds(example) });
      const collection = /^\/api\/v1\/([a-z-]+)$/.exec(path)?.[1];
      if (method === "POST" && collection && res.status < 300 && typeof res.body?.id === "string") created.set(collection, res.body.id);
      const name = `${method} ${path} ${res.status} ${res.text.slice(0, 200)}`;
      expect([413, 415], name).not.toContain(res.status);
      // Vercel's codes are coarse (a refused field is `bad_request`): there, any 400 fails; elsewhere the code says why.
      if (/^\/v\d+\/(certs|projects)/.test(path) && !path.startsWith("/v1/organization")) expect(res.status, name).not.toBe(400);
      const code: unknown = res.body?.code ?? res.body?.error?.code;
      expect(REFUSED.has(String(code)), name).toBe(false);
    }
  });
});
