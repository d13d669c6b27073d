/**
 * Hostile bodies against `/api/v1/cas…`: malformed and badly signed CSRs, 101 names, wildcards in client certificates,
 * IP ranges that do not parse, an imported CA whose key does not match, wrong types and random mutations. Every one is
 * a 4xx with a message, nothing is stored (no CA, no certificate, no audit row), and no answer is a 5xx.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { x509 } from "../../../src/pki/x509-setup";
import { call, newTenant, type Tenant } from "../../support/api";
import { makeCsr, newRoot, rowCount, uniqueName } from "./private-ca-support";

let t: Tenant;
let caId: string;
let validCsr: string;

beforeAll(async () => {
  t = await newTenant();
  caId = (await newRoot(t, { nameConstraints: { permittedDnsDomains: ["corp.example"], permittedIpRanges: ["10.0.0.0/8"] } })).id;
  validCsr = (await makeCsr({ dns: ["a.corp.example"] })).pem;
});

/** The CSR with one byte of its signature (the DER's last) flipped: well-formed, but the signature does not verify. */
function badSignature(pem: string): string {
  const der = new Uint8Array(x509.PemConverter.decodeFirst(pem));
  der[der.length - 1]! ^= 0x01;
  return x509.PemConverter.encode(der.buffer, "CERTIFICATE REQUEST");
}

/** A random mutation of a JSON value: a string cut, grown or replaced; a number made odd; a type swapped. */
function mutate(value: unknown, rand: () => number): unknown {
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)]!;
  if (typeof value === "string") return pick([value.slice(0, Math.floor(rand() * value.length)), value + "\u0000", "x".repeat(300), 42, null, [value], "*.*", "10.0.0.0/33"]);
  if (typeof value === "number") return pick([-1, 0, 1e12, 1.5, "7", null, Number.MAX_SAFE_INTEGER]);
  if (Array.isArray(value)) return pick([[], value.map((v) => mutate(v, rand)), "not-a-list", Array.from({ length: 101 }, (_, i) => `n${i}.corp.example`)]);
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    const [key, inner] = pick(entries);
    return pick([{ ...value, [key]: mutate(inner, rand) }, { ...value, unexpected: true }, Object.fromEntries(entries.filter(([k]) => k !== key))]);
  }
  return pick(["", 0, {}, []]);
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function counts() {
  const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE team_id = ?").bind(t.teamId).first<{ n: number }>();
  return { cas: await rowCount("certificate_authorities", t.teamId), certificates: await rowCount("private_certificates", t.teamId), audit: audit!.n };
}

async function refused(path: string, json: unknown) {
  const res = await call("POST", path, { token: t.token, json });
  expect(res.status, `${path} ${JSON.stringify(json).slice(0, 300)}: ${res.text}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${path} ${JSON.stringify(json).slice(0, 300)}: ${res.text}`).toBeLessThan(500);
  expect(typeof res.body?.error).toBe("string");
  return res;
}

describe("hostile bodies", () => {
  it("are named 4xx refusals that store nothing", async () => {
    const before = await counts();
    const issue = `/api/v1/cas/${caId}/certificates`;
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const other = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const caCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: "0a0b0c0d0e0f1011",
      name: "CN=Fuzz Import",
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000 * 30),
      keys,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    const otherKeyPem = x509.PemConverter.encode((await crypto.subtle.exportKey("pkcs8", other.privateKey)) as ArrayBuffer, "PRIVATE KEY");
    const named: [string, unknown, RegExp?][] = [
      [issue, { profile: "server", csr: "-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n-----END CERTIFICATE REQUEST-----" }],
      [issue, { profile: "server", csr: "hello" }],
      [issue, { profile: "server", csr: badSignature(validCsr) }, /signature/],
      [issue, { profile: "server", dnsNames: Array.from({ length: 101 }, (_, i) => `n${i}.corp.example`) }, /100/],
      [issue, { profile: "server", dnsNames: Array.from({ length: 60 }, (_, i) => `n${i}.corp.example`), ipAddresses: Array.from({ length: 41 }, (_, i) => `10.0.0.${i + 1}`) }, /100/],
      [issue, { profile: "client", dnsNames: ["*.corp.example"] }],
      [issue, { profile: "server", dnsNames: ["*.*.corp.example"] }],
      [issue, { profile: "server", dnsNames: ["a.other.example"] }, /outside the name constraints/],
      [issue, { profile: "server", ipAddresses: ["999.1.1.1"] }],
      [issue, { profile: "server", ipAddresses: ["192.168.0.1"] }, /outside the name constraints/],
      [issue, { profile: "server", dnsNames: ["a.corp.example"], validityHours: 0 }],
      [issue, { profile: "server", dnsNames: ["a.corp.example"], keyType: "ec", keySize: 2048 }],
      [issue, { profile: "server", dnsNames: ["a.corp.example"], csr: validCsr, keyType: "rsa" }],
      [issue, { profile: "admin", dnsNames: ["a.corp.example"] }],
      [issue, { profile: "server" }, /names nothing/],
      [issue, "not an object"],
      ["/api/v1/cas", { name: uniqueName(), kind: "root", subject: { commonName: "x" }, nameConstraints: { permittedIpRanges: ["10.0.0.0/33"] } }],
      ["/api/v1/cas", { name: uniqueName(), kind: "root", subject: { commonName: "x" }, nameConstraints: { permittedIpRanges: ["ten/8"] } }],
      ["/api/v1/cas", { name: uniqueName(), kind: "root", subject: { commonName: "x" }, nameConstraints: { permittedDnsDomains: ["bad..domain"] } }],
      ["/api/v1/cas", { name: uniqueName(), kind: "root", subject: { commonName: "x" }, keyType: "ec", keySize: 4096 }, /keySize/],
      ["/api/v1/cas", { name: uniqueName(), kind: "imported", certificate: caCert.toString("pem"), privateKey: otherKeyPem }],
      ["/api/v1/cas", { name: uniqueName(), kind: "imported", certificate: "garbage", privateKey: otherKeyPem }],
      ["/api/v1/cas", { name: uniqueName(), kind: "imported", certificate: caCert.toString("pem"), privateKey: "garbage" }],
      ["/api/v1/cas", { name: uniqueName(), kind: "imported", certificate: caCert.toString("pem"), privateKey: otherKeyPem.replace("PRIVATE KEY", "PUBLIC KEY") }],
      ["/api/v1/cas", { name: "../etc", kind: "root", subject: { commonName: "x" } }],
      ["/api/v1/cas", { name: uniqueName(), kind: "sub", subject: { commonName: "x" } }],
      ["/api/v1/cas", { name: uniqueName(), kind: "intermediate", parentId: "ca_nope", subject: { commonName: "x" } }],
    ];
    for (const [path, body, message] of named) {
      const res = await refused(path, body);
      if (message) expect(res.body.error).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });

  it("survive 300 random mutations of valid bodies: 4xx or a stored success, never a 5xx", async () => {
    const rand = seeded(21);
    const issue = `/api/v1/cas/${caId}/certificates`;
    const valid: [string, Record<string, unknown>][] = [
      [issue, { profile: "server", commonName: "a.corp.example", dnsNames: ["a.corp.example"], ipAddresses: ["10.1.2.3"], validityHours: 240 }],
      [issue, { profile: "server", csr: validCsr }],
      ["/api/v1/cas", { name: "fuzz", kind: "root", keyType: "ec", keySize: 256, subject: { commonName: "Fuzz" }, validityDays: 30, nameConstraints: { permittedIpRanges: ["10.0.0.0/8"] } }],
    ];
    let serverErrors = 0;
    for (let i = 0; i < 300; i++) {
      const [path, body] = valid[i % valid.length]!;
      const mutated = mutate(path === "/api/v1/cas" ? { ...body, name: uniqueName("fuzz") } : body, rand);
      const before = await counts();
      const res = await call("POST", path, { token: t.token, json: mutated });
      if (res.status >= 500) serverErrors++;
      if (res.status >= 400) expect(await counts(), `${JSON.stringify(mutated).slice(0, 200)} → ${res.status}`).toEqual(before);
      else expect(res.status, res.text).toBe(201);
    }
    expect(serverErrors).toBe(0);
    // Some mutations turn the generated key into RSA (a key generation each): on a loaded 2-core machine the loop
    // has taken 30 s; it is a correctness loop, not a timing.
  }, 120_000);
});
