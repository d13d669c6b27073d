/**
 * The served `/openapi.json` tells the whole truth: every operation is called against a running `wrangler dev` of this
 * Worker, at least once on its success path (its request-body example as sent, with test-time keys where the example
 * elides one) and once for each error its traits document (401 without a token, 404 for an unknown id, 415, 400 and 413
 * for a bad body, 400 for a malformed `x-d1-bookmark`), and every answer's status, Content-Type and body are checked
 * against the document with ajv (test/node/support/openapi-contract.ts). The CA is unreachable here (obtain and the
 * Vercel issue answer their documented 503); DNS connections are checked against the unit tests' Cloudflare fake.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/http/body-limit";
import { handleDnsFake } from "../support/dns-fakes/unit-host.mjs";
import { type FakeHttpServer, startFakeHttpServer } from "../support/fake-http-server";
import { type ChainPems, CreatedObjects, type DocumentOperation, operationsOf, withTestKeys } from "../support/openapi-operations";
import { contractOf, type Exchange } from "./support/openapi-contract";
import { MIGRATIONS_TIMEOUT_MS, START_TIMEOUT_MS, type RunningWorker, startWorker } from "./support/private-ca-worker.mjs";

/** Nothing listens there: every ACME call meets an unreachable CA at once. */
const NO_CA = "https://127.0.0.1:9/directory";

/**
 * The operations whose success path this run cannot take, and the documented answer each gives instead: the CA is
 * unreachable, and the project's certificate is an uploaded one (renewed and revoked by whoever issued it).
 */
const NO_SUCCESS_HERE: Record<string, number> = {
  // ca_unreachable, and Vercel's service_unavailable.
  "POST /api/v1/projects/{id}/certificate/obtain": 503,
  "POST /v8/certs": 503,
  // not_renewable, not_revocable: an uploaded certificate.
  "POST /api/v1/projects/{id}/certificate/renew": 400,
  "POST /api/v1/projects/{id}/certificate/revoke": 400,
  // Domain verification is off here (every project's domain is the team's at once): there is no claim to revoke.
  "POST /api/v1/admin/domains/{domain}/revoke-verification": 400,
};

/** Where an unknown id answers otherwise, and why. */
const NOT_FOUND_HERE: Record<string, number> = {
  // Domain verification is off: the route refuses before it looks the claim up.
  "POST /api/v1/admin/domains/{domain}/revoke-verification": 400,
};

/** Called last, in reverse document order, so that each runs after everything that uses what it removes. */
const isTeardown = ({ method, path }: DocumentOperation) =>
  method === "DELETE" || path.endsWith("/disable") || path.endsWith("/revoke-verification");

/**
 * Bodies this run sends instead of the example, so that later operations have what they need: a private certificate
 * whose key the service made (the example's is issued from a CSR, so it could not be exported).
 */
const BODY_FOR_LATER: Record<string, unknown> = {
  "POST /api/v1/cas/{id}/certificates": { profile: "server", commonName: "api.corp.example", dnsNames: ["api.corp.example"], validityHours: 720 },
};

let worker: RunningWorker;
let dnsFake: FakeHttpServer;
let scratch: string;
let document: any;
let operations: DocumentOperation[];
let tenantToken: string;
let failed = false;
const exchanges: Exchange[] = [];

/** A P-256 chain made with openssl now: a server certificate for `name` under a root, or with `client` a clientAuth one. */
function opensslChain(name: string, client = false): ChainPems {
  const dir = mkdtempSync(join(scratch, "chain-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  run("req", "-x509", ...ec, "-days", "30", "-subj", "/CN=Contract Test Root", "-addext", "basicConstraints=critical,CA:true",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", "root.key", "-out", "root.pem");
  run("req", ...ec, "-subj", `/CN=${name}`, "-keyout", "leaf.key", "-out", "leaf.csr");
  const extensions = client ? "extendedKeyUsage=clientAuth\n" : `extendedKeyUsage=serverAuth\nsubjectAltName=DNS:${name}\n`;
  execFileSync("sh", ["-c", `printf '%s' "$0" > leaf.ext`, `basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n${extensions}`], { cwd: dir });
  run("x509", "-req", "-in", "leaf.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-days", "20", "-sha256", "-extfile", "leaf.ext", "-out", "leaf.pem");
  const chain = { chainPem: readFileSync(join(dir, "leaf.pem"), "utf8"), keyPem: readFileSync(join(dir, "leaf.key"), "utf8"), rootPem: readFileSync(join(dir, "root.pem"), "utf8") };
  rmSync(dir, { recursive: true, force: true });
  return chain;
}

interface Call {
  purpose: string;
  path?: string;
  token?: string | null;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

async function send({ method, path }: DocumentOperation, call: Call): Promise<Exchange & { json: any }> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  let body = call.body;
  if (call.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(call.json);
  }
  const response = await fetch(`${worker.url}${call.path ?? path}`, { method, headers, body });
  const text = await response.text();
  const exchange = { method, path, purpose: call.purpose, status: response.status, contentType: response.headers.get("content-type") ?? "", text };
  exchanges.push(exchange);
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { ...exchange, json };
}

/** `work` on each item, `size` at a time. */
async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map(work));
}

/** The token an operation is called with: the operator's for operator routes and team creation, else the team's. */
const tokenFor = ({ path }: DocumentOperation) => (path.startsWith("/api/v1/admin/") || path === "/api/v1/teams" ? worker.adminToken : tenantToken);

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "certdesk-contract-"));
  dnsFake = await startFakeHttpServer(handleDnsFake);
  worker = await startWorker("node-openapi-contract", {
    vars: {
      ACME_DIRECTORY_URL: NO_CA,
      ACME_STAGING_DIRECTORY_URL: NO_CA,
      ISSUANCE_WAIT_SECONDS: "25",
      DOMAIN_VERIFICATION: "off",
      // No resolver here: a delegation's CNAME is shown unchecked, a push URL's host taken as given.
      DOH_RESOLVER_URL: "none",
      // A delegation zone, so that a project's delegation record can be shown; its provider is the Cloudflare fake.
      ACME_DELEGATION_ZONE: "acme-validation.example.net",
      ACME_DELEGATION_DNS_PROVIDER: "cloudflare",
      ACME_DELEGATION_DNS_CREDENTIALS: JSON.stringify({ apiToken: "cf-ok-delegation" }),
      // Webhook and push URLs are taken as given (no resolver here): the examples' hosts are example names.
      ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
      DNS_API_BASE_URLS: JSON.stringify({ cloudflare: dnsFake.baseUrl }),
    },
  });
  const served = await fetch(`${worker.url}/openapi.json`);
  expect(served.status).toBe(200);
  document = await served.json();
  operations = operationsOf(document);
}, MIGRATIONS_TIMEOUT_MS + START_TIMEOUT_MS);

afterAll(async () => {
  await worker?.stop(failed);
  await dnsFake?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("every operation of /openapi.json, called against wrangler dev", () => {
  it("answers on its success path as documented", { timeout: 120_000 }, async () => {
    const team = await fetch(`${worker.url}/api/v1/teams`, {
      method: "POST",
      headers: { authorization: `Bearer ${worker.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ slug: "contract", name: "Contract test" }),
    });
    tenantToken = ((await team.json()) as { token: string }).token;
    const project: { id: string; domain: string } = await (
      await fetch(`${worker.url}/api/v1/projects`, {
        method: "POST",
        headers: { authorization: `Bearer ${tenantToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "contract", domain: "contract.example.com" }),
      })
    ).json() as { id: string; domain: string };
    const created = new CreatedObjects({ "/api/v1/projects": project.id, "/api/v1/admin/domains": project.domain });
    let domain: string = project.domain;
    const servers = new Map<string, ChainPems>();
    const client = opensslChain("shop", true);

    const outcomes = new Map<string, number>();
    const call = async (op: DocumentOperation) => {
      const key = `${op.method} ${op.path}`;
      if (!servers.has(domain)) servers.set(domain, opensslChain(domain));
      const example = BODY_FOR_LATER[key] ?? op.example;
      const json = op.operation.requestBody && example !== undefined ? withTestKeys(created.fillBody(example), servers.get(domain)!, client) : undefined;
      const token = op.operation.security?.length ? tokenFor(op) : null;
      const answer = await send(op, { purpose: "success path", path: created.fillPath(op.path), token, json });
      created.record(op.method, op.path, answer.status, answer.json);
      if (op.path === "/api/v1/projects" && answer.status < 300) domain = answer.json.domain;
      outcomes.set(key, answer.status);
    };
    // The calls that wait out the unreachable CA's retries (seconds each) run beside the rest: they create nothing.
    const waiting: Promise<void>[] = [];
    for (const op of operations.filter((op) => !isTeardown(op))) {
      if (NO_SUCCESS_HERE[`${op.method} ${op.path}`] === 503) waiting.push(call(op));
      else await call(op);
    }
    await Promise.all(waiting);
    // Once more, those that found nothing to act on: what they act on came later in the document (a certificate to change).
    for (const op of operations.filter((op) => !isTeardown(op) && outcomes.get(`${op.method} ${op.path}`) === 404)) await call(op);
    for (const op of operations.filter(isTeardown).reverse()) await call(op);
    const missed = [...outcomes]
      .filter(([key, status]) => (NO_SUCCESS_HERE[key] === undefined ? status >= 300 : status !== NO_SUCCESS_HERE[key]))
      .map(([key, status]) => `${key} answered ${status}: ${exchanges.find((e) => `${e.method} ${e.path}` === key && e.status === status)?.text.slice(0, 300)}`);
    expect(missed, "operations that did not take their success path (or the documented answer this run expects)").toEqual([]);
  });

  it("answers each error its traits document", { timeout: 120_000 }, async () => {
    const wrong: string[] = [];
    const expectStatus = async (op: DocumentOperation, status: number, call: Call) => {
      const answer = await send(op, call);
      if (answer.status !== status) wrong.push(`${op.method} ${op.path} (${call.purpose}) answered ${answer.status}, expected ${status}: ${answer.text.slice(0, 200)}`);
    };
    const unknownIds = new CreatedObjects();
    // Independent calls: a few at a time.
    await inBatches(operations, 6, async (op) => {
      const path = unknownIds.fillPath(op.path, true);
      const token = op.operation.security?.length ? tokenFor(op) : null;
      if (token) await expectStatus(op, 401, { purpose: "no token", path, json: op.example });
      if (op.operation.parameters?.some((parameter) => parameter.in === "path")) {
        await expectStatus(op, NOT_FOUND_HERE[`${op.method} ${op.path}`] ?? 404, { purpose: "unknown id", path, token, json: op.example });
      }
      if (op.operation.requestBody) {
        await expectStatus(op, 415, { purpose: "text/plain body", path, token, body: "{}", headers: { "content-type": "text/plain" } });
        await expectStatus(op, 400, { purpose: "malformed JSON", path, token, body: "{", headers: { "content-type": "application/json" } });
        await expectStatus(op, 413, { purpose: "too large a body", path, token, body: JSON.stringify({ pad: "x".repeat(MAX_BODY_BYTES) }), headers: { "content-type": "application/json" } });
      }
      if (!op.path.startsWith("/pki/")) await expectStatus(op, 400, { purpose: "malformed x-d1-bookmark", path, token, headers: { "x-d1-bookmark": "not a bookmark" } });
    });
    expect(wrong, "operations that did not answer the documented error").toEqual([]);
  });

  it("documents every status, Content-Type and body it answered", () => {
    const problemsOf = contractOf(document);
    const problems = exchanges.flatMap(problemsOf);
    if (problems.length > 0) failed = true;
    expect(exchanges.length).toBeGreaterThan(operations.length * 2);
    expect(new Set(exchanges.map((exchange) => `${exchange.method} ${exchange.path}`)).size).toBe(operations.length);
    expect(problems, `${problems.length} answers the served /openapi.json does not describe`).toEqual([]);
  });

  it("would report a drifted document: a status left out, a schema that disagrees", () => {
    const drifted = structuredClone(document);
    delete drifted.paths["/api/v1/team"].get.responses["200"];
    drifted.components.schemas.Project.properties.name = { type: "integer" };
    const problems = exchanges.flatMap(contractOf(drifted));
    expect(problems.some((line) => line.startsWith("GET /api/v1/team (success path) answered 200: a status the operation does not document"))).toBe(true);
    expect(problems.some((line) => line.startsWith("GET /api/v1/projects/{id} (success path) answered 200: body/name must be integer"))).toBe(true);
  });
});
