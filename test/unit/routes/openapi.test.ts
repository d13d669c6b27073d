/** `/openapi.json`: an operationId on every operation (derived where a route sets none), tags by surface, servers, license. */
import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../../src/routes/docs";
import type { OpenApiDocument, OpenApiOperation } from "../../../src/routes/openapi-document";
import { deriveOperationId, withOperationIds } from "../../../src/routes/openapi-operation-ids";
import { withSurfaceTags } from "../../../src/routes/openapi-tags";
import { newRouter } from "../../../src/routes/router";
import { call } from "../../support/api";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Every operation of a document as `METHOD path` → operation, webhooks as `METHOD webhook:name`. */
function operations(document: OpenApiDocument): Map<string, OpenApiOperation> {
  const found = new Map<string, OpenApiOperation>();
  for (const [where, items] of [["", document.paths], ["webhook:", document.webhooks]] as const) {
    for (const [key, item] of Object.entries(items ?? {})) {
      for (const method of METHODS) {
        const operation = (item as Record<string, OpenApiOperation | undefined>)[method];
        if (operation) found.set(`${method.toUpperCase()} ${where}${key}`, operation);
      }
    }
  }
  return found;
}

const ok = { 200: { description: "OK" } };

describe("GET /openapi.json", () => {
  it("gives every operation a unique, URL-safe operationId, derived from its method and path", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const found = operations(res.body);
    expect(found.size).toBeGreaterThan(40);
    const ids = [...found.values()].map((operation) => operation.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(found.get("GET /api/v1/projects/{id}/certificate/status")?.operationId).toBe("getProjectCertificateStatus");
    expect(found.get("GET /api/v1/projects/{id}")?.operationId).toBe("getProject");
    expect(found.get("GET /api/v1/projects")?.operationId).toBe("getProjects");
    expect(found.get("DELETE /v8/certs/{id}")?.operationId).toBe("deleteCert");
  });

  it("tags every operation, declares every tag, and groups the tags by surface", async () => {
    const document: OpenApiDocument = (await call("GET", "/openapi.json")).body;
    const used = new Set([...operations(document).values()].flatMap((operation) => operation.tags ?? []));
    for (const [name, operation] of operations(document)) expect(operation.tags?.length, name).toBeGreaterThan(0);
    const declared = (document.tags ?? []).map((tag) => tag.name);
    expect(new Set(declared)).toEqual(used);
    for (const tag of document.tags ?? []) expect(tag.description, tag.name).toBeTruthy();
    const groups = document["x-tagGroups"] ?? [];
    // Redoc shows no tag that is in no group: each tag is in exactly one.
    expect(groups.flatMap((group) => group.tags).sort()).toEqual([...used].sort());
    const groupOf = (tag: string) => groups.find((group) => group.tags.includes(tag))?.name;
    expect(groupOf("Projects")).toBe("Native API");
    expect(groupOf("Operator")).toBe("Operator");
    expect(groupOf("Vercel: certs")).toBe("Vercel-compatible");
    expect(groupOf("OpenAI: organization certificates")).toBe("OpenAI-compatible");
  });

  it("names its server relatively and its license", async () => {
    const document = (await call("GET", "/openapi.json")).body;
    expect(document.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    expect(document.info.license).toEqual({ name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" });
  });

  it("serves the same bytes every time", async () => {
    const [first, second] = [await call("GET", "/openapi.json"), await call("GET", "/openapi.json")];
    expect(second.text).toBe(first.text);
  });

  it("keeps an operationId a route sets itself and derives one for a route that sets none", () => {
    const app = newRouter()
      .openapi(createRoute({ method: "get", path: "/api/v1/widgets/{id}", operationId: "fetchWidget", responses: ok }), (c) => c.body(null))
      .openapi(createRoute({ method: "post", path: "/api/v1/widgets", responses: ok }), (c) => c.body(null));
    const found = operations(openApiDocument(app));
    expect(found.get("GET /api/v1/widgets/{id}")?.operationId).toBe("fetchWidget");
    expect(found.get("POST /api/v1/widgets")?.operationId).toBe("postWidgets");
  });
});

describe("deriveOperationId", () => {
  it.each([
    ["get", "/api/v1/projects/{id}/certificate/status", "getProjectCertificateStatus"],
    ["post", "/api/v1/projects/{id}/deploy-targets/{targetId}/deploy", "postProjectDeployTargetDeploy"],
    ["get", "/v1/organization/projects/{project_id}/certificates", "getOrganizationProjectCertificates"],
    ["delete", "/v1/projects/{idOrName}/client-cert/{certId}", "deleteProjectClientCert"],
    ["get", "/api/v1/policies/{id}", "getPolicy"],
    ["get", "/api/v1/addresses/{id}", "getAddress"],
    ["get", "/api/v1/status", "getStatus"],
    ["GET", "/metrics", "getMetrics"],
    ["get", "/api/v1", "getV1"],
  ])("%s %s → %s", (method, path, expected) => {
    expect(deriveOperationId(method, path)).toBe(expected);
  });

  it("keeps the prefix on request", () => {
    expect(deriveOperationId("get", "/v8/certs/{id}", { keepPrefix: true })).toBe("getV8Cert");
    expect(deriveOperationId("get", "/api/v1/certs", { keepPrefix: true })).toBe("getApiV1Certs");
  });
});

describe("withOperationIds", () => {
  it("gives operations that would share a name their prefixed names, whatever the order of the routes", () => {
    const paths = { "/v9/certs": { get: { responses: ok } }, "/v8/certs": { get: { responses: ok } }, "/api/v1/teams": { get: { responses: ok } } };
    const forward = operations(withOperationIds({ paths }));
    const reversed = operations(withOperationIds({ paths: Object.fromEntries(Object.entries(paths).reverse()) }));
    expect(forward.get("GET /v8/certs")?.operationId).toBe("getV8Certs");
    expect(forward.get("GET /v9/certs")?.operationId).toBe("getV9Certs");
    expect(forward.get("GET /api/v1/teams")?.operationId).toBe("getTeams");
    for (const [name, operation] of forward) expect(reversed.get(name)?.operationId).toBe(operation.operationId);
  });

  it("never reuses an id a route set itself, and numbers what still collides", () => {
    const document = withOperationIds({
      paths: {
        "/api/v1/teams": { get: { operationId: "getProjects", responses: ok } },
        "/api/v1/projects": { get: { responses: ok } },
        "/a-b": { get: { responses: ok } },
        "/a/b": { get: { responses: ok } },
      },
    });
    const found = operations(document);
    expect(found.get("GET /api/v1/teams")?.operationId).toBe("getProjects");
    expect(found.get("GET /api/v1/projects")?.operationId).toBe("getApiV1Projects");
    expect([found.get("GET /a-b")?.operationId, found.get("GET /a/b")?.operationId]).toEqual(["getAB", "getAB2"]);
  });

  it("names webhooks too, and leaves the document it was given as it was", () => {
    const input = { paths: { "/api/v1/teams": { post: { responses: ok } } }, webhooks: { "certificate.renewed": { post: { responses: ok } } } };
    const before = JSON.stringify(input);
    const found = operations(withOperationIds(input));
    expect(found.get("POST webhook:certificate.renewed")?.operationId).toBe("postCertificateRenewed");
    expect(found.get("POST /api/v1/teams")?.operationId).toBe("postTeams");
    expect(JSON.stringify(input)).toBe(before);
  });

  it("refuses two routes that set the same id, naming both", () => {
    const paths = { "/a": { get: { operationId: "same", responses: ok } }, "/b": { post: { operationId: "same", responses: ok } } };
    expect(() => withOperationIds({ paths })).toThrow('operationId "same" is set by both GET /a and POST /b');
  });
});

describe("withSurfaceTags", () => {
  it("tags an untagged operation with its surface and declares an unknown tag without inventing a description", () => {
    const document = withSurfaceTags<OpenApiDocument>({
      paths: {
        "/api/v1/things": { get: { responses: ok } },
        "/api/v1/admin/things": { post: { responses: ok } },
        "/v2/things": { get: { tags: ["Vercel: things"], responses: ok } },
        "/status": { get: { responses: ok } },
      },
      tags: [{ name: "Vercel: things", description: "Declared by the document itself" }],
    });
    const found = operations(document);
    expect(found.get("GET /api/v1/things")?.tags).toEqual(["Native API"]);
    expect(found.get("POST /api/v1/admin/things")?.tags).toEqual(["Operator"]);
    expect(found.get("GET /status")?.tags).toEqual(["Service"]);
    expect(document.tags).toEqual([
      { name: "Native API" },
      { name: "Operator", description: expect.stringContaining("ADMIN_TOKEN") },
      { name: "Vercel: things", description: "Declared by the document itself" },
      { name: "Service" },
    ]);
    expect(document["x-tagGroups"]).toEqual([
      { name: "Native API", tags: ["Native API"] },
      { name: "Operator", tags: ["Operator"] },
      { name: "Vercel-compatible", tags: ["Vercel: things"] },
      { name: "Service", tags: ["Service"] },
    ]);
  });
});
