/** Helpers of the private CA route tests: CAs and certificates made through the API, CSRs, CRLs read back. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { x509 } from "../../../src/pki/x509-setup";
import { call, type Tenant } from "../../support/api";

let counter = 0;
export const uniqueName = (prefix = "ca") => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export async function ok<T = any>(method: string, path: string, token: string, json?: unknown, status = 200): Promise<T> {
  const res = await call(method, path, { token, json });
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
  return res.body as T;
}

export async function newRoot(t: Tenant, extra: Record<string, unknown> = {}) {
  return ok("POST", "/api/v1/cas", t.token, { name: uniqueName("root"), kind: "root", keyType: "ec", keySize: 256, subject: { commonName: "Test Root", organization: "Certdesk Test" }, validityDays: 3650, pathLength: 1, ...extra }, 201);
}

export async function newIntermediate(t: Tenant, parentId: string, extra: Record<string, unknown> = {}) {
  return ok("POST", "/api/v1/cas", t.token, { name: uniqueName("int"), kind: "intermediate", parentId, keyType: "ec", keySize: 256, subject: { commonName: "Test Intermediate" }, validityDays: 1000, ...extra }, 201);
}

export async function makeCsr(names: { cn?: string; dns?: string[] } = {}, keys?: CryptoKeyPair): Promise<{ pem: string; keys: CryptoKeyPair }> {
  const pair = keys ?? ((await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: names.cn ? `CN=${names.cn}` : "",
    keys: pair,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: names.dns ? [new x509.SubjectAlternativeNameExtension(names.dns.map((value) => ({ type: "dns" as const, value })))] : [],
  });
  return { pem: csr.toString("pem"), keys: pair };
}

/** The CRL served at `crlUrl` (its path on this Worker), parsed, with the answer's headers. */
export async function fetchCrl(crlUrl: string) {
  const res = await call("GET", new URL(crlUrl).pathname);
  return { res, crl: res.status === 200 ? new x509.X509Crl(new Uint8Array(await rawBytes(crlUrl))) : null };
}

async function rawBytes(url: string): Promise<ArrayBuffer> {
  const { SELF } = await import("cloudflare:test");
  return (await SELF.fetch(`https://certdesk.test${new URL(url).pathname}`)).arrayBuffer();
}

/** cRLNumber of a CRL (RFC 5280 §5.2.3). */
export function crlNumberOf(crl: x509.X509Crl): number {
  const extension = crl.extensions.find((e) => e.type === "2.5.29.20")!;
  // INTEGER: tag 02, length, big-endian value.
  const bytes = new Uint8Array(extension.value);
  return bytes.slice(2).reduce((n, b) => n * 256 + b, 0);
}

export async function rowCount(table: string, teamId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE team_id = ?`).bind(teamId).first<{ n: number }>();
  return row!.n;
}
