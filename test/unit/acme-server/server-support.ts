/** Helpers of the ACME server tests: a private directory with an EAB key made through the API, our own client pointed at it. */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { AcmeClient, generateAccountKey } from "../../../src/acme";
import { signJws } from "../../../src/acme/jws";
import type { Tenant } from "../../support/api";
import { newIntermediate, newRoot, ok, uniqueName } from "../routes/private-ca-support";

export const ORIGIN = "https://certdesk.test";

export const serverFetch: typeof fetch = (input, init) => SELF.fetch(input as string, init);

export async function newDirectory(t: Tenant, extra: Record<string, unknown> = {}, options: { root?: boolean } = {}) {
  const root = await newRoot(t);
  const ca = options.root ? root : await newIntermediate(t, root.id);
  const dir = await ok("POST", "/api/v1/acme-directories", t.token, { name: uniqueName("dir"), issuer: { type: "private", caId: ca.id, profile: "server" }, authorization: "pre-approved", allowedNames: ["*.svc.internal.example"], ...extra }, 201);
  const eab = await ok("POST", `/api/v1/acme-directories/${dir.id}/eab-keys`, t.token, undefined, 201);
  return { dir, eab, ca, root, directoryUrl: dir.directoryUrl as string };
}

export async function newClient(directoryUrl: string, accountKey?: CryptoKeyPair) {
  return new AcmeClient({ directoryUrl, accountKey: accountKey ?? (await generateAccountKey()), fetch: serverFetch, sleep: async () => {} });
}

/** A client with an account made with the EAB key. */
export async function registered(directoryUrl: string, eab: { keyId: string; hmacKey: string }) {
  const client = await newClient(directoryUrl);
  const result = await client.createAccount({ termsOfServiceAgreed: true, externalAccountBinding: { kid: eab.keyId, hmacKeyB64url: eab.hmacKey } });
  return { client, ...result };
}

export async function freshNonce(directoryUrl: string): Promise<string> {
  const res = await SELF.fetch(directoryUrl.replace(/directory$/, "new-nonce"), { method: "HEAD" });
  return res.headers.get("Replay-Nonce")!;
}

/** A raw signed POST: the answer's status, headers and parsed body. */
export async function post(url: string, keys: CryptoKeyPair, payload: unknown, options: { kid?: string; nonce?: string; signedUrl?: string; body?: string } = {}) {
  const nonce = options.nonce ?? (await freshNonce(url.replace(/\/acme\/([^/]+)\/.*$/, "/acme/$1/directory")));
  const jws = await signJws({ keys, url: options.signedUrl ?? url, nonce, payload, ...(options.kid ? { kid: options.kid } : {}) });
  const body = options.body ?? JSON.stringify(jws);
  const res = await SELF.fetch(url, { method: "POST", headers: { "Content-Type": "application/jose+json" }, body });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed, text, sent: body };
}

export const ecKeys = () => crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;

/** The answer is the ACME problem `type` (RFC 8555 §6.7) with its status, a fresh nonce, and a detail matching `detail`. */
export function expectProblem(res: { status: number; headers: Headers; body: any; text: string }, type: string, status = 400, detail?: RegExp) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  expect(res.body.type, res.text).toBe(`urn:ietf:params:acme:error:${type}`);
  expect(res.headers.get("Replay-Nonce")).toBeTruthy();
  if (detail) expect(res.body.detail).toMatch(detail);
}
