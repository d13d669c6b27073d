/**
 * A Worker isolate with DOMAIN_VERIFICATION (and any other variable) of its own, whose DNS-over-HTTPS lookups go to a
 * resolver fake answering TXT records from `published` and CNAMEs from `cnames` (the JSON API of dns/doh.ts), for the
 * verified-claim tests. deps.ts builds dependencies per env object, so the unit project's own Worker (SELF) is untouched.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import { createApp } from "../../src/app";
import { depsFrom } from "../../src/deps";
import type { ApiResponse, Tenant } from "./api";

const app = createApp();

/** TXT values by record name, as the fake resolver publishes them. */
export const published: Record<string, string[]> = {};
/** CNAME targets by record name (the `_acme-challenge` delegations). */
export const cnames: Record<string, string> = {};
export const queried: string[] = [];

const dnsFetch: typeof fetch = async (input, init) => {
  const url = new URL(new Request(input, init).url);
  const name = url.searchParams.get("name") ?? "";
  queried.push(`${name}/${url.searchParams.get("type")}`);
  if (url.searchParams.get("type") === "CNAME") {
    const target = cnames[name];
    return Response.json(target === undefined ? { Status: 3 } : { Status: 0, Answer: [{ name: `${name}.`, type: 5, TTL: 60, data: `${target}.` }] });
  }
  const values = published[name];
  if (values === undefined) return Response.json({ Status: 3 });
  // Presentation format, as resolvers answer: quoted character-strings.
  return Response.json({ Status: 0, Answer: values.map((value) => ({ name, type: 16, TTL: 60, data: JSON.stringify(value) })) });
};

/** A Worker isolate with `vars` over the unit bindings, its DoH lookups answered by the fake. */
export function isolate(vars: Record<string, string>) {
  const isolateEnv = { ...env, ...vars } as typeof env;
  const deps = depsFrom(isolateEnv);
  deps.dnsFetch = dnsFetch;
  async function request(method: string, path: string, options: { token: string; json?: unknown }): Promise<ApiResponse> {
    const headers: Record<string, string> = { Authorization: `Bearer ${options.token}` };
    if (options.json !== undefined) headers["Content-Type"] = "application/json";
    const ctx = createExecutionContext();
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    const response = await app.fetch(new Request(`https://certdesk.test${path}`, { method, headers, body }), isolateEnv, ctx);
    await waitOnExecutionContext(ctx);
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text === "" ? undefined : JSON.parse(text) };
  }
  return { deps, request };
}

export const required = isolate({ DOMAIN_VERIFICATION: "required" });

export async function createPending(tenant: Tenant, domain: string) {
  const res = await required.request("POST", "/api/v1/projects", { token: tenant.token, json: { name: `p-${crypto.randomUUID().slice(0, 8)}`, domain } });
  expect(res.status, res.text).toBe(200);
  return res.body as { id: string; domain: string; verification: { status: string; recordName: string; recordValue: string } };
}

export const holderOf = async (domain: string) =>
  (await env.DB.prepare("SELECT team_id FROM domain_claims WHERE domain = ?").bind(domain).first<{ team_id: string }>())?.team_id ?? null;
