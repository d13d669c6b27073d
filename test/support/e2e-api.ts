/** Calls the `wrangler dev` Worker of the e2e run over real HTTP, as a client would. */
import { expect } from "vitest";
import { assertNoPrivateKey } from "./no-secrets";
import { e2e } from "./pebble-context";

export interface E2eResponse {
  status: number;
  text: string;
  body: any;
}

/**
 * wrangler dev's own proxy answers this 503 when its keep-alive connection to the Worker process was closed under
 * it (a race with workerd's 5 s idle timeout, cloudflare/workers-sdk#14641): the request never reached this
 * service, and a deployed Worker has no such proxy. Only that exact answer is sent again; the service's own
 * 503s are JSON and come back as they are.
 */
const DEV_PROXY_LOST_CONNECTION = "Your worker restarted mid-request";

/**
 * The same race one hop earlier: this test runtime's pooled connection to wrangler dev was closed by the server's
 * idle timeout as a request was being sent on it. workerd reports it as "Network connection lost." (its log says
 * `client error (SendRequest)`: the request was not sent, and the Worker's log has no line for it), so it is sent
 * again on a new connection.
 */
function isUnsentRequest(error: unknown): boolean {
  return error instanceof Error && error.message === "Network connection lost.";
}

/** fetch to the Worker under test, past wrangler dev's proxy race (see DEV_PROXY_LOST_CONNECTION). */
export const workerFetch: typeof fetch = async (input, init) => {
  // A Request of its own, cloned per attempt: a body stream can be read only once.
  const request: Request = new Request(input, init);
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(request.clone() as Request);
    } catch (error) {
      if (!isUnsentRequest(error) || attempt === 3) throw error;
      continue;
    }
    if (response.status !== 503 || attempt === 3) return response;
    const text = await response.clone().text();
    if (!text.startsWith(DEV_PROXY_LOST_CONNECTION)) return response;
    // The answer sent again replaces this one: its body, never read, would hold one of the few connections a
    // Worker may have open at once (https://developers.cloudflare.com/workers/platform/limits/#simultaneous-open-connections).
    await response.body?.cancel();
  }
};

export async function api(method: string, path: string, token: string | null, json?: unknown): Promise<E2eResponse> {
  const response = await workerFetch(`${e2e().workerUrl}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(json !== undefined ? { "Content-Type": "application/json" } : {}) },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  assertNoPrivateKey(text, method, path);
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, text, body };
}

/** A name nobody used before in this run (Pebble reuses authorizations per name otherwise). */
export const freshDomain = (label: string) => `${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}.certdesk.test`;

export async function newTeamToken(): Promise<string> {
  const team = await api("POST", "/api/v1/teams", e2e().adminToken, { slug: `e2e-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, name: "E2E" });
  expect(team.status, team.text).toBe(200);
  return team.body.token;
}

export async function newProject(token: string, domain: string): Promise<string> {
  const res = await api("POST", "/api/v1/projects", token, { name: domain.replace(/[^a-z0-9-]/g, "-").replace(/^-+/, "").slice(0, 60), domain });
  expect(res.status, res.text).toBe(200);
  return res.body.id as string;
}

export async function obtainHttp01(token: string, projectId: string, extra: Record<string, unknown> = {}): Promise<E2eResponse> {
  return api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, { email: "admin@example.com", challengeType: "http-01", keyType: "ec", ...extra });
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 250));
  }
}
