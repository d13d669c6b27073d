/** Shared by the export tests: tokens without the export scope, the recipient keys, and the key-matches-certificate proof. */
import { exportJWK, generateKeyPair } from "jose";
import { expect } from "vitest";
import { x509 } from "../../src/pki/x509-setup";
import { call, type Tenant } from "./api";
import { withAuditFailing } from "./audit-outage";
import { ALL_SCOPES } from "./scopes";

export const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

const EVERY_SCOPE_BUT_EXPORT = ALL_SCOPES.filter((scope) => scope !== "certificates:export");

/** Scope sets that must not export: the bootstrap token's minus the export scope, each write scope, every read scope. */
export const SCOPE_SETS_WITHOUT_EXPORT: string[][] = [
  EVERY_SCOPE_BUT_EXPORT,
  ["projects:write"],
  ["certs:write"],
  ["organization:write"],
  ["tokens:write"],
  ["projects:read", "certs:read", "organization:read", "tokens:read"],
];

/** A token made with the tenant's bootstrap token. */
export async function tokenWith(tenant: Tenant, scopes: string[]): Promise<{ id: string; token: string }> {
  const res = await call("POST", "/api/v1/tokens", { token: tenant.token, json: { name: `t-${scopes.length}`, scopes } });
  expect(res.status).toBe(200);
  return res.body;
}

/** A recipient key pair for ECDH-ES, and its public half as the JWK a client would send. */
export async function recipientKeys(crv: "P-256" | "X25519") {
  const pair = await generateKeyPair("ECDH-ES", { crv, extractable: true });
  return { privateKey: pair.privateKey, publicJwk: await exportJWK(pair.publicKey), privateJwk: await exportJWK(pair.privateKey) };
}

/** Proves `keyPem` is the certificate's key: a signature made with it verifies under the certificate's public key. */
export async function expectKeyMatchesCertificate(keyPem: string, certificatePem: string): Promise<void> {
  expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\r?\n/);
  const cert = new x509.X509Certificate(certificatePem);
  const ec = cert.publicKey.algorithm.name === "ECDSA";
  const params = ec ? { name: "ECDSA", namedCurve: (cert.publicKey.algorithm as Algorithm & { namedCurve: string }).namedCurve } : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const signing = ec ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" };
  const der = Uint8Array.from(atob(keyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----|\s/g, "")), (ch) => ch.charCodeAt(0));
  const privateKey = await crypto.subtle.importKey("pkcs8", der, params, false, ["sign"]);
  const message = new TextEncoder().encode("export proof");
  const signature = await crypto.subtle.sign(signing, privateKey, message);
  const publicKey = await cert.publicKey.export(params, ["verify"]);
  expect(await crypto.subtle.verify(signing, publicKey, signature, message)).toBe(true);
}

/** The team's audit events for `action`, newest first. */
export async function exportEvents(tenant: Tenant, action: string) {
  const res = await call("GET", "/api/v1/audit-log?limit=200", { token: tenant.token });
  expect(res.status).toBe(200);
  return (res.body.events as Array<{ actor: string; action: string; target: string; detail: any; at: string }>).filter((e) => e.action === action);
}

/** Makes every audit insert of an export fail, as a D1 outage would, for the length of `run`. */
export function withExportAuditFailing<T>(run: () => Promise<T>): Promise<T> {
  return withAuditFailing("NEW.action LIKE '%/export'", run);
}
