/**
 * Every request-body example of the served `/openapi.json` is accepted as sent: no 400 for a field the schema refuses,
 * no 415 or 413, and a status the operation documents. Path parameters and id fields name real objects: the tenant's
 * project, and what earlier examples created (the project, a CA, a token); others are ids that exist nowhere, which
 * answer 404 once the body has passed validation. An example whose private key is elided (the document holds no key)
 * is sent with a certificate and key made here: a chain for the project's domain, or a client certificate and its CA
 * where the example shows the client certificate. A checked credential is one the test's fake provider accepts.
 */
import { describe, expect, it } from "vitest";
import { EXAMPLE_PRIVATE_KEY } from "../../../src/routes/openapi-example-material";
import { ADMIN_TOKEN, call, newProject, newTenant } from "../../support/api";
import { CreatedObjects, operationsOf, withTestKeys } from "../../support/openapi-operations";
import { makeChain, type TestChain } from "../../support/pki-fixtures";

/** The codes of a body the schema (or the JSON parser) refused. */
const REFUSED = new Set(["validation_failed", "invalid_json", "payload_too_large", "unsupported_media_type"]);
/**
 * The refusals an accepted body may still meet here, each for a reason outside the body: an id no example created
 * (`not_found`), the unit tests' unreachable CA (`ca_unreachable`, Vercel's `service_unavailable`) and resolver
 * (`dns_provider_error`: a webhook URL's host cannot be checked). Anything else fails, but for the operations below.
 */
const OUTSIDE_THE_BODY = new Set(["not_found", "ca_unreachable", "service_unavailable", "dns_provider_error"]);
/** Refusals of a state the earlier examples made, by operation. */
const STATE_REFUSALS: Record<string, string> = {
  // The project's certificate is the uploaded one: a custom certificate is revoked by the CA that issued it.
  "POST /api/v1/projects/{id}/certificate/revoke": "not_revocable",
  // The CA's certificate is the issue example's, from a CSR: its private key never was here.
  "POST /api/v1/cas/{id}/certificates/{certId}/export": "bad_request",
};

async function bodyOperations() {
  const document = (await call("GET", "/openapi.json")).body;
  return operationsOf(document).filter((entry) => entry.operation.requestBody);
}

describe("request-body examples of /openapi.json", () => {
  it("are on every operation that takes a body", async () => {
    const operations = await bodyOperations();
    expect(operations.length).toBeGreaterThanOrEqual(30);
    expect(operations.filter((operation) => operation.example === undefined).map(({ method, path }) => `${method} ${path}`)).toEqual([]);
  });

  it("hold no private key: an elided placeholder where a key goes", async () => {
    const text = (await call("GET", "/openapi.json")).text;
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(text).toContain(JSON.stringify(EXAMPLE_PRIVATE_KEY));
  });

  it("are each accepted as sent by the service", { timeout: 120_000 }, async () => {
    const examples = await bodyOperations();
    const tenant = await newTenant();
    const project = await newProject(tenant);
    // Objects the examples create: the paths and bodies of later examples name them (the project, the CA).
    const created = new CreatedObjects({ "/api/v1/projects": project.id });
    // The server certificate covers the domain of the project the paths name (the project example's, once created).
    let domain = project.domain!;
    const servers = new Map<string, Promise<TestChain>>();
    const serverFor = (name: string) => servers.get(name) ?? servers.set(name, makeChain({ names: [name] })).get(name)!;
    const client = await makeChain({ eku: ["clientAuth"], withIntermediate: false });
    for (const { method, path, operation, example } of examples) {
      const token = path.startsWith("/api/v1/admin/") || path === "/api/v1/teams" ? ADMIN_TOKEN : tenant.token;
      const json = withTestKeys(created.fillBody(example), await serverFor(domain), client);
      const res = await call(method, created.fillPath(path), { token, json });
      created.record(method, path, res.status, res.body);
      if (path === "/api/v1/projects" && res.status < 300) domain = res.body.domain;
      const name = `${method} ${path} ${res.status} ${res.text.slice(0, 200)}`;
      expect(Object.keys(operation.responses), `${name}: a status the operation does not document`).toContain(String(res.status));
      if (res.status < 300) continue;
      // Vercel's codes are coarse (a refused field is `bad_request`): there, any 400 fails; elsewhere the code says why.
      if (/^\/v\d+\/(certs|projects)/.test(path) && !path.startsWith("/v1/organization")) expect(res.status, name).not.toBe(400);
      const code = String(res.body?.code ?? res.body?.error?.code);
      expect(REFUSED.has(code), name).toBe(false);
      const explained = OUTSIDE_THE_BODY.has(code) || STATE_REFUSALS[`${method} ${path}`] === code;
      expect(explained, `${name}: refused for a reason the example does not explain`).toBe(true);
    }
  });
});
