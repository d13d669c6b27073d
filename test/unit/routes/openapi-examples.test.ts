/**
 * Every request-body example of the served `/openapi.json` is accepted as sent: no 400 for a field the schema refuses,
 * no 415 or 413. Path parameters and id fields name real objects: the tenant's project, and what earlier examples
 * created (a CA); others are ids that exist nowhere, which answer 404 once the body has passed validation. An example
 * whose private key is elided (the document holds no key) is sent with a certificate and key made here: a chain for the
 * project's domain, or a client certificate and its CA where the example shows the client certificate.
 */
import { describe, expect, it } from "vitest";
import { EXAMPLE_CLIENT_CERTIFICATE_PEM, EXAMPLE_PRIVATE_KEY } from "../../../src/routes/openapi-example-material";
import { ADMIN_TOKEN, call, newProject, newTenant } from "../../support/api";
import { makeChain, type TestChain } from "../../support/pki-fixtures";

const METHODS = ["post", "put", "patch", "delete"] as const;
/** The codes of a body the schema (or the JSON parser) refused. */
const REFUSED = new Set(["validation_failed", "invalid_json", "payload_too_large", "unsupported_media_type"]);
/**
 * The refusals an accepted body may still meet here, each for a reason outside the body: an id no example created
 * (`not_found`), the unit tests' unreachable CA (`ca_unreachable`, Vercel's `service_unavailable`) and resolver
 * (`dns_provider_error`: a webhook URL's host cannot be checked), and a revocation of the uploaded, not issued,
 * certificate (`not_revocable`). Anything else fails.
 */
const OUTSIDE_THE_BODY = new Set(["not_found", "ca_unreachable", "service_unavailable", "dns_provider_error", "not_revocable"]);

interface Example {
  method: string;
  path: string;
  example: unknown;
  statuses: string[];
}

/** Credentials the provider checks, as the test's fake provider accepts them (test/support/dns-fakes/unit-host.mjs). */
const TEST_CREDENTIALS: Record<string, string> = { apiToken: "cf-ok-openapi-example" };

/** The key fields an example elides, and the certificate fields that must then match the substituted key. */
const KEY_FIELDS = ["privateKey", "key"];
const CERTIFICATE_FIELDS = ["certificate", "cert"];

/** An example with its elided key (and the certificate beside it) replaced by a chain made here. */
function withTestKeys(example: unknown, server: TestChain, client: TestChain): unknown {
  if (Array.isArray(example)) return example.map((entry) => withTestKeys(entry, server, client));
  if (example === null || typeof example !== "object") return example;
  const fields = example as Record<string, unknown>;
  if (!KEY_FIELDS.some((field) => fields[field] === EXAMPLE_PRIVATE_KEY)) {
    return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, withTestKeys(value, server, client)]));
  }
  const chain = CERTIFICATE_FIELDS.some((field) => fields[field] === EXAMPLE_CLIENT_CERTIFICATE_PEM) ? client : server;
  const swapped = Object.entries(fields).map(([key, value]) => {
    if (KEY_FIELDS.includes(key)) return [key, chain.keyPem];
    if (CERTIFICATE_FIELDS.includes(key)) return [key, chain.chainPem];
    if (key === "ca") return [key, chain.rootPem];
    return [key, value];
  });
  return Object.fromEntries(swapped);
}

/** Each operation of the document that takes a body, with its example (undefined when it has none). */
function bodyOperations(document: any): Example[] {
  const operations: Example[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
    for (const method of METHODS) {
      const requestBody = item[method]?.requestBody;
      if (!requestBody) continue;
      const example = requestBody.content?.["application/json"]?.example;
      operations.push({ method: method.toUpperCase(), path, example, statuses: Object.keys(item[method].responses) });
    }
  }
  return operations;
}

describe("request-body examples of /openapi.json", () => {
  it("are on every operation that takes a body", async () => {
    const operations = bodyOperations((await call("GET", "/openapi.json")).body);
    expect(operations.length).toBeGreaterThanOrEqual(30);
    expect(operations.filter((operation) => operation.example === undefined).map(({ method, path }) => `${method} ${path}`)).toEqual([]);
  });

  it("hold no private key: an elided placeholder where a key goes", async () => {
    const text = (await call("GET", "/openapi.json")).text;
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(text).toContain(JSON.stringify(EXAMPLE_PRIVATE_KEY));
  });

  it("are each accepted as sent by the service", { timeout: 120_000 }, async () => {
    const examples = bodyOperations((await call("GET", "/openapi.json")).body);

    const tenant = await newTenant();
    const project = await newProject(tenant);
    // The server certificate covers the domain of the project the paths name (the project example's, once created).
    let domain = project.domain!;
    const servers = new Map<string, Promise<TestChain>>();
    const serverFor = (name: string) => servers.get(name) ?? servers.set(name, makeChain({ names: [name] })).get(name)!;
    const client = await makeChain({ eku: ["clientAuth"], withIntermediate: false });
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
        Object.entries(value).map(([key, field]) => {
          if (key in TEST_CREDENTIALS) return [key, TEST_CREDENTIALS[key]];
          return [key, ID_FIELDS[key] && created.has(ID_FIELDS[key]) ? created.get(ID_FIELDS[key]) : withIds(field)];
        }),
      );
    };
    for (const { method, path, example, statuses } of examples) {
      const token = path.startsWith("/api/v1/admin/") || path === "/api/v1/teams" ? ADMIN_TOKEN : tenant.token;
      const json = withTestKeys(withIds(example), await serverFor(domain), client);
      const res = await call(method, fill(path), { token, json });
      const collection = /^\/api\/v1\/([a-z-]+)$/.exec(path)?.[1];
      if (method === "POST" && collection && res.status < 300 && typeof res.body?.id === "string") created.set(collection, res.body.id);
      if (collection === "projects" && res.status < 300 && typeof res.body?.domain === "string") domain = res.body.domain;
      const name = `${method} ${path} ${res.status} ${res.text.slice(0, 200)}`;
      expect(statuses, `${name}: a status the operation does not document`).toContain(String(res.status));
      if (res.status < 300) continue;
      // Vercel's codes are coarse (a refused field is `bad_request`): there, any 400 fails; elsewhere the code says why.
      if (/^\/v\d+\/(certs|projects)/.test(path) && !path.startsWith("/v1/organization")) expect(res.status, name).not.toBe(400);
      const code = String(res.body?.code ?? res.body?.error?.code);
      expect(REFUSED.has(code), name).toBe(false);
      expect(OUTSIDE_THE_BODY.has(code), `${name}: refused for a reason the example does not explain`).toBe(true);
    }
  });
});
