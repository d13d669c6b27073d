/** `/openapi.json` lists every error status an operation answers, derived from the error registry and the route's traits. */
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../../src/http/body-limit";
import type { OpenApiDocument, OpenApiOperation } from "../../../src/routes/openapi-document";
import { raises, withErrorResponses } from "../../../src/routes/openapi-errors";
import { ADMIN_TOKEN, call, newProject, newTenant } from "../../support/api";

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

interface Response {
  description: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}

type Operation = OpenApiOperation & { responses: Record<string, Response>; requestBody?: unknown; security?: unknown[] };

/** Every operation of the served document as `METHOD path`. */
async function servedOperations(): Promise<{ document: OpenApiDocument & { components: { schemas: Record<string, unknown> } }; operations: Map<string, Operation> }> {
  const document = (await call("GET", "/openapi.json")).body;
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries<Record<string, Operation>>(document.paths)) {
    for (const method of METHODS) if (item[method]) operations.set(`${method.toUpperCase()} ${path}`, item[method]);
  }
  return { document, operations };
}

const statuses = (operation: Operation | undefined) => Object.keys(operation?.responses ?? {}).map(Number);

describe("the error statuses of /openapi.json", () => {
  it("gives every body 413, 415 and 400, every token 401 and 403, each in its surface's error shape", async () => {
    const { document, operations } = await servedOperations();
    for (const [name, operation] of operations) {
      if (operation.requestBody) expect(statuses(operation), name).toEqual(expect.arrayContaining([400, 413, 415]));
      if (operation.security?.length) expect(statuses(operation), name).toEqual(expect.arrayContaining([401, 403]));
      expect(operation, name).not.toHaveProperty("x-raises");
      const schema = name.includes(" /v8/") || name.includes(" /v1/projects/") ? "VercelError" : name.includes(" /v1/organization/") ? "OpenAIError" : "Error";
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || status === "422") continue;
        expect(response.content?.["application/json"]?.schema?.$ref, `${name} ${status}`).toBe(`#/components/schemas/${schema}`);
        expect(response.description, `${name} ${status}`).toMatch(/\S/);
      }
    }
    for (const schema of ["Error", "VercelError", "OpenAIError"]) expect(document.components.schemas).toHaveProperty(schema);
  });

  it("lists what the routes that call a CA, store names or count quotas raise", async () => {
    const { operations } = await servedOperations();
    const has = (name: string, ...expected: number[]) => expect(statuses(operations.get(name)), name).toEqual(expect.arrayContaining(expected));
    has("POST /api/v1/projects/{id}/certificate/obtain", 409, 429, 502, 503);
    has("POST /api/v1/projects/{id}/certificate/renew", 429, 502, 503);
    has("POST /api/v1/projects/{id}/certificate/revoke", 429, 502, 503);
    has("POST /v8/certs", 409, 429, 449, 502, 503);
    has("POST /api/v1/projects", 409);
    has("PATCH /api/v1/projects/{id}", 409);
    has("POST /api/v1/teams", 409);
    has("POST /api/v1/projects/{id}/certificate/upload", 409);
    has("POST /v1/projects/{idOrName}/client-cert", 409);
    has("PUT /v8/certs", 409);
    // Codes by name, in each surface's words: Vercel's outage is `service_unavailable`, the native one `ca_unreachable`.
    expect(operations.get("POST /v8/certs")?.responses["503"]?.description).toContain("`service_unavailable`");
    expect(operations.get("POST /api/v1/projects/{id}/certificate/obtain")?.responses["503"]?.description).toContain("`ca_unreachable`");
    expect(operations.get("POST /api/v1/projects")?.responses["409"]?.description).toMatch(/`conflict`.*`domain_taken`/);
  });

  it("documents the status of every refusal the app layer makes for a body, a token and a name taken", async () => {
    const { operations } = await servedOperations();
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const answers = [
      await call("POST", "/api/v1/projects", { token: tenant.token, body: "name=x", headers: { "Content-Type": "text/plain" } }),
      await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: "x".repeat(MAX_BODY_BYTES) } }),
      await call("POST", "/api/v1/projects", { token: tenant.token, body: "{", headers: { "Content-Type": "application/json" } }),
      await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: project.name } }),
      await call("POST", "/api/v1/projects", { token: tenant.readToken, json: { name: `p-${crypto.randomUUID().slice(0, 8)}` } }),
      await call("POST", "/api/v1/projects", { json: { name: `p-${crypto.randomUUID().slice(0, 8)}` } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([415, 413, 400, 409, 403, 401]);
    for (const answer of answers) expect(statuses(operations.get("POST /api/v1/projects"))).toContain(answer.status);
    const team = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug: tenant.slug, name: "Again" } });
    expect(team.status).toBe(409);
    expect(statuses(operations.get("POST /api/v1/teams"))).toContain(409);
  });
});

describe("withErrorResponses", () => {
  const ok = { 200: { description: "OK" } };
  const errorBody = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

  it("derives each status from the codes a route raises, keeps a route's own words first, and drops the marker", () => {
    const document = withErrorResponses<OpenApiDocument>({
      paths: {
        "/api/v1/things/{id}": {
          post: { ...raises("conflict", "limit_reached"), requestBody: {}, parameters: [{ in: "path", name: "id" }], responses: { ...ok, 409: { description: "Taken", content: errorBody } } },
        },
        "/v8/things": { post: { ...raises("ca_unreachable"), security: [{ Bearer: [] }], responses: ok } },
      },
    });
    const native = document.paths!["/api/v1/things/{id}"]!.post as Operation;
    expect(Object.keys(native.responses)).toEqual(["200", "400", "404", "409", "413", "415"]);
    expect(native.responses["409"]!.description).toMatch(/^Taken\. `conflict`: .*`limit_reached`: /);
    expect(native).not.toHaveProperty("x-raises");
    const vercel = document.paths!["/v8/things"]!.post as Operation;
    expect(Object.keys(vercel.responses)).toEqual(["200", "400", "401", "403", "503"]);
    expect(vercel.responses["503"]!.description).toMatch(/^`service_unavailable`: /);
    expect(vercel.responses["503"]!.content).toEqual({ "application/json": { schema: { $ref: "#/components/schemas/VercelError" } } });
  });

  it("refuses an error status a route declares that none of its codes answers", () => {
    const paths = { "/api/v1/things": { get: { responses: { ...ok, 409: { description: "Taken", content: errorBody } } } } };
    expect(() => withErrorResponses<OpenApiDocument>({ paths })).toThrow("GET /api/v1/things declares 409");
  });
});
