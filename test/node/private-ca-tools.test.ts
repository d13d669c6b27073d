/**
 * The private CA judged by real tools, over its HTTP API as a `wrangler dev` serves it: `openssl verify` of every
 * profile and key type through the intermediate, a CSR made by `openssl req`, the CRL fetched from `crlUrl` (its
 * signature checked by `openssl crl`, the revoked leaf refused by `openssl verify -crl_check`, cRLNumber growing), and
 * a mutual-TLS handshake in Node with a client certificate whose generated key came from the audited export.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, createServer, type TLSSocket } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { jsonClient } from "../support/http-client";
import { MIGRATIONS_TIMEOUT_MS, START_TIMEOUT_MS, startWorker, type RunningWorker } from "./support/private-ca-worker.mjs";

let worker: RunningWorker;
let dir = "";
let failed = false;
let token = "";

const call = jsonClient(() => worker.url);

async function newTeam(slug: string): Promise<string> {
  const created = await call("POST", "/api/v1/teams", worker.adminToken, { slug, name: slug });
  expect(created.status, created.text).toBe(200);
  return created.body.token as string;
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** openssl's exit status and what it printed (both streams: `verify` reports on stdout, errors on stderr). */
function openssl(...args: string[]): { ok: boolean; output: string } {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

async function newCa(bearer: string, body: Record<string, unknown>) {
  const created = await call("POST", "/api/v1/cas", bearer, body);
  expect(created.status, created.text).toBe(201);
  return created.body as { id: string; certificate: string; chain: string; crlUrl: string; caCertificateUrl: string };
}

async function issue(bearer: string, caId: string, body: Record<string, unknown>) {
  const issued = await call("POST", `/api/v1/cas/${caId}/certificates`, bearer, body);
  expect(issued.status, issued.text).toBe(201);
  return issued.body as { id: string; serialNumber: string; certificate: string; chain: string; notAfter: string };
}

async function exportKey(bearer: string, caId: string, certId: string): Promise<string> {
  const exported = await call("POST", `/api/v1/cas/${caId}/certificates/${certId}/export`, bearer);
  expect(exported.status, exported.text).toBe(200);
  expect(exported.body.privateKeyPem).toContain("PRIVATE KEY");
  return exported.body.privateKeyPem as string;
}

async function crlDer(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/pkix-crl");
  return new Uint8Array(await response.arrayBuffer());
}

function crlNumber(derPath: string): bigint {
  const text = execFileSync("openssl", ["crl", "-inform", "DER", "-in", derPath, "-noout", "-text"], { encoding: "utf8" });
  const match = /X509v3 CRL Number:\s*\n\s*(?:0x)?([0-9A-Fa-f:]+)/.exec(text);
  expect(match, text).not.toBeNull();
  const value = match![1]!.replace(/:/g, "");
  return /^[0-9]+$/.test(value) && !match![0].includes("0x") ? BigInt(value) : BigInt(`0x${value}`);
}

let root: Awaited<ReturnType<typeof newCa>>;
let intermediate: Awaited<ReturnType<typeof newCa>>;

beforeAll(async () => {
  worker = await startWorker("node-private-ca");
  dir = join(worker.runDir, "files");
  mkdirSync(dir, { recursive: true });
  token = await newTeam("corp");
  root = await newCa(token, {
    name: "corp-root",
    kind: "root",
    keyType: "ec",
    keySize: 384,
    subject: { commonName: "Corp Root CA", organization: "Corp" },
    validityDays: 3650,
    pathLength: 1,
  });
  intermediate = await newCa(token, {
    name: "corp-issuing",
    kind: "intermediate",
    parentId: root.id,
    keyType: "ec",
    keySize: 256,
    subject: { commonName: "Corp Issuing CA", organization: "Corp" },
    validityDays: 1825,
    nameConstraints: { permittedDnsDomains: ["corp.example"], permittedIpRanges: ["10.0.0.0/8"] },
  });
  file("root.pem", root.certificate);
  file("intermediate.pem", intermediate.certificate);
  // The Worker's start (migrations, then wrangler dev) and a minute for the team and its two CAs.
}, MIGRATIONS_TIMEOUT_MS + START_TIMEOUT_MS + 60_000);

afterEach(({ task }) => {
  if (task.result?.state === "fail") failed = true;
});
// The Worker's logs stay (and their end is printed) when a test failed, or beforeAll did (timed out included): then
// every test is skipped, afterEach sees no failure, and the file's own result says it.
afterAll(async ({}, file) => {
  await worker?.stop(failed || file.result?.state === "fail");
});

describe("certificates of the private CA, as openssl sees them", () => {
  const cases = [
    { profile: "server", keyType: "ec", keySize: 256, purpose: "sslserver" },
    { profile: "client", keyType: "ec", keySize: 384, purpose: "sslclient" },
    { profile: "server-client", keyType: "rsa", keySize: 2048, purpose: "sslclient" },
    { profile: "server-client", keyType: "ec", keySize: 256, purpose: "sslserver" },
  ] as const;
  for (const { profile, keyType, keySize, purpose } of cases) {
    it(`${profile} with a generated ${keyType} ${keySize} key verifies through the intermediate (purpose ${purpose})`, async () => {
      const leaf = await issue(token, intermediate.id, {
        profile,
        commonName: "api.corp.example",
        dnsNames: ["api.corp.example"],
        ipAddresses: ["10.1.2.3"],
        keyType,
        keySize,
        validityHours: 24 * 30,
      });
      const leafPath = file(`${leaf.id}.pem`, leaf.certificate);
      file(`${leaf.id}-chain.pem`, leaf.chain);
      const verified = openssl("verify", "-purpose", purpose, "-CAfile", join(dir, "root.pem"), "-untrusted", join(dir, `${leaf.id}-chain.pem`), leafPath);
      expect(verified.output).toContain(": OK");
      expect(verified.ok).toBe(true);
      // The serial: positive, at least 64 bits (CA/B BR §7.1).
      expect(leaf.serialNumber).toMatch(/^[0-9a-f]{16,}$/);
    });
  }

  it("signs a CSR made by openssl req, whose key never reaches the service", async () => {
    const keyPath = join(dir, "csr-key.pem");
    const csrPath = join(dir, "request.csr");
    execFileSync("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", csrPath, "-subj", "/CN=svc.corp.example", "-addext", "subjectAltName=DNS:svc.corp.example"], { stdio: "ignore" });
    const leaf = await issue(token, intermediate.id, { profile: "server", csr: readFileSync(csrPath, "utf8") });
    const leafPath = file("csr-leaf.pem", leaf.certificate);
    expect(openssl("verify", "-CAfile", join(dir, "root.pem"), "-untrusted", join(dir, "intermediate.pem"), leafPath).ok).toBe(true);
    // The certificate holds the CSR's key: openssl's modulus of each is the same.
    const modulus = (args: string[]) => execFileSync("openssl", args, { encoding: "utf8" }).trim();
    expect(modulus(["x509", "-noout", "-modulus", "-in", leafPath])).toBe(modulus(["rsa", "-noout", "-modulus", "-in", keyPath]));
    // Its names came from the CSR.
    expect(execFileSync("openssl", ["x509", "-noout", "-ext", "subjectAltName", "-in", leafPath], { encoding: "utf8" })).toContain("DNS:svc.corp.example");
  });

  it("refuses a CSR for a name outside the intermediate's permitted subtree, and signs nothing", async () => {
    const csrPath = join(dir, "outside.csr");
    execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "outside-key.pem"), "-out", csrPath, "-subj", "/CN=evil.example", "-addext", "subjectAltName=DNS:evil.example"], { stdio: "ignore" });
    const before = await call("GET", `/api/v1/cas/${intermediate.id}/certificates?limit=100`, token);
    const refused = await call("POST", `/api/v1/cas/${intermediate.id}/certificates`, token, { profile: "server", csr: readFileSync(csrPath, "utf8") });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.text).toContain("evil.example");
    const after = await call("GET", `/api/v1/cas/${intermediate.id}/certificates?limit=100`, token);
    expect(before.body.certificates.length).toBeGreaterThan(0);
    expect(after.body.certificates.map((leaf: { id: string }) => leaf.id)).toEqual(before.body.certificates.map((leaf: { id: string }) => leaf.id));
  });
});

describe("revocation, as openssl sees the CRL", () => {
  it("lists a revoked leaf in the CRL at crlUrl within 10 s, signed by the CA, with a growing cRLNumber", async () => {
    const leaf = await issue(token, intermediate.id, { profile: "server", dnsNames: ["gone.corp.example"], keyType: "ec", keySize: 256, validityHours: 24 * 30 });
    const leafPath = file("revoked-leaf.pem", leaf.certificate);
    const firstPath = file("crl-before.der", await crlDer(intermediate.crlUrl));
    const firstNumber = crlNumber(firstPath);

    const revoked = await call("POST", `/api/v1/cas/${intermediate.id}/certificates/${leaf.id}/revoke`, token, { reason: "keyCompromise" });
    expect(revoked.status, revoked.text).toBe(200);

    // The origin serves the re-signed CRL within 10 s (the route's max-age is what an edge cache may add).
    let afterPath = "";
    const deadline = Date.now() + 10_000;
    for (;;) {
      afterPath = file("crl-after.der", await crlDer(intermediate.crlUrl));
      if (crlNumber(afterPath) > firstNumber || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(crlNumber(afterPath)).toBeGreaterThan(firstNumber);
    const crlPem = join(dir, "crl-after.pem");
    execFileSync("openssl", ["crl", "-inform", "DER", "-in", afterPath, "-out", crlPem]);
    // The CRL's signature is the intermediate's.
    expect(openssl("crl", "-in", crlPem, "-CAfile", join(dir, "intermediate.pem"), "-noout").output).toContain("verify OK");
    expect(openssl("crl", "-in", crlPem, "-CAfile", join(dir, "root.pem"), "-noout").output).not.toContain("verify OK");
    // The revoked leaf fails a CRL check; it passed before the revocation, against the first CRL.
    const firstPem = join(dir, "crl-before.pem");
    execFileSync("openssl", ["crl", "-inform", "DER", "-in", firstPath, "-out", firstPem]);
    const chainArgs = ["-CAfile", join(dir, "root.pem"), "-untrusted", join(dir, "intermediate.pem")];
    expect(openssl("verify", "-crl_check", "-CRLfile", firstPem, ...chainArgs, leafPath).ok).toBe(true);
    const checked = openssl("verify", "-crl_check", "-CRLfile", crlPem, ...chainArgs, leafPath);
    expect(checked.ok).toBe(false);
    expect(checked.output).toContain("certificate revoked");
  });

  it("serves the CA certificate at caCertificateUrl as DER", async () => {
    const response = await fetch(intermediate.caCertificateUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pkix-cert");
    const derPath = file("intermediate.der", new Uint8Array(await response.arrayBuffer()));
    const fingerprint = (args: string[]) => execFileSync("openssl", ["x509", "-noout", "-fingerprint", "-sha256", ...args], { encoding: "utf8" });
    expect(fingerprint(["-inform", "DER", "-in", derPath])).toBe(fingerprint(["-in", join(dir, "intermediate.pem")]));
  });
});

describe("mutual TLS with the team's CA", () => {
  /** A TLS server that asks for a client certificate from `clientCa`; resolves with what it thought of the client. */
  async function handshake(server: { key: string; cert: string }, clientCa: string, client: { key: string; cert: string; ca: string }) {
    const seen: { authorized: boolean; error?: string }[] = [];
    const tls = createServer({ key: server.key, cert: server.cert, ca: [clientCa], requestCert: true, rejectUnauthorized: false }, (socket: TLSSocket) => {
      seen.push({ authorized: socket.authorized, error: socket.authorizationError ? String(socket.authorizationError) : undefined });
      socket.end("hello");
    });
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    const port = (tls.address() as { port: number }).port;
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port, servername: "api.corp.example", key: client.key, cert: client.cert, ca: [client.ca] }, () => {});
        let data = "";
        socket.on("data", (chunk) => (data += chunk));
        socket.on("end", () => resolve(data));
        socket.on("error", reject);
      });
      return { answer, server: seen[0] };
    } finally {
      await new Promise((resolve) => tls.close(resolve));
    }
  }

  it("a server that trusts the team's root accepts the team's client certificate and refuses another team's", async () => {
    const serverLeaf = await issue(token, intermediate.id, { profile: "server", dnsNames: ["api.corp.example"], keyType: "ec", keySize: 256, validityHours: 24 });
    const clientLeaf = await issue(token, intermediate.id, { profile: "client", commonName: "billing-service", keyType: "ec", keySize: 256, validityHours: 24 });
    const server = { key: await exportKey(token, intermediate.id, serverLeaf.id), cert: serverLeaf.certificate + serverLeaf.chain };
    const client = { key: await exportKey(token, intermediate.id, clientLeaf.id), cert: clientLeaf.certificate + clientLeaf.chain, ca: root.certificate };

    const accepted = await handshake(server, root.certificate, client);
    expect(accepted.answer).toBe("hello");
    expect(accepted.server).toEqual({ authorized: true, error: undefined });

    // Another team's CA: its client certificate is well made, but not from the root this server trusts.
    const other = await newTeam("other");
    const otherRoot = await newCa(other, { name: "other-root", kind: "root", keyType: "ec", keySize: 256, subject: { commonName: "Other Root" }, validityDays: 365, pathLength: 0 });
    const otherLeaf = await issue(other, otherRoot.id, { profile: "client", commonName: "intruder", keyType: "ec", keySize: 256, validityHours: 24 });
    const intruder = { key: await exportKey(other, otherRoot.id, otherLeaf.id), cert: otherLeaf.certificate, ca: root.certificate };
    const refused = await handshake(server, root.certificate, intruder);
    expect(refused.server?.authorized).toBe(false);
    expect(refused.server?.error).toMatch(/UNABLE_TO_GET_ISSUER_CERT|unable to get local issuer|self.signed|CERT_SIGNATURE_FAILURE|UNABLE_TO_VERIFY/i);
  });
});
