/** Calls the Worker under test (inside workerd) as a client would, and bootstraps tenants. */
import { SELF, env } from "cloudflare:test";
import { assertNoPrivateKey, isExportRoute } from "./no-secrets";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** Every response body seen by the suite but the deliberate exports, so a test can assert that no private key ever left. */
export const seenBodies: string[] = [];

export async function call<T = any>(
  method: string,
  path: string,
  options: { token?: string | null; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] ??= "application/json";
    body = JSON.stringify(options.json);
  }
  const response = await SELF.fetch(`https://certdesk.test${path}`, { method, headers, body });
  const text = await response.text();
  assertNoPrivateKey(text, method, path);
  if (!isExportRoute(method, path)) seenBodies.push(text);
  let parsed: any = undefined;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export interface Tenant {
  teamId: string;
  slug: string;
  token: string;
  readToken: string;
}

/** A new team with an all-scope token and a read-only token. */
export async function newTenant(): Promise<Tenant> {
  const slug = `t-${unique()}`;
  const created = await call("POST", "/api/v1/teams", { token: ADMIN_TOKEN, json: { slug, name: `Team ${slug}` } });
  if (created.status !== 200) throw new Error(`team bootstrap failed: ${created.status} ${created.text}`);
  const read = await call("POST", "/api/v1/tokens", {
    token: created.body.token,
    json: { name: "read-only", scopes: ["projects:read", "certs:read", "organization:read", "tokens:read"] },
  });
  return { teamId: created.body.id, slug, token: created.body.token, readToken: read.body.token };
}

export function uniqueDomain(prefix = "app"): string {
  return `${prefix}-${unique()}.example.com`;
}

export async function newProject(tenant: Tenant, domain: string | null = uniqueDomain()) {
  const res = await call("POST", "/api/v1/projects", { token: tenant.token, json: { name: `p-${unique()}`, domain } });
  if (res.status !== 200) throw new Error(`project create failed: ${res.status} ${res.text}`);
  return res.body as { id: string; name: string; domain: string | null };
}

export { env };
