/**
 * Fakes for the webhook unit tests (inside workerd): a DNS-over-HTTPS resolver answering from a table, a receiver
 * that records what it is sent and answers as told, and a Worker isolate of its own whose webhook fetches go to them
 * (deps.ts builds dependencies per env object, so a copy of the test env gets its own, with `webhookFetch` set).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { depsFrom } from "../../src/deps";
import worker from "../../src/index";
import type { Deps } from "../../src/services/deps";
import { type AttemptMessage, isRoundMessage, type RoundMessage, type WebhookMessage } from "../../src/services/webhooks/message";
import { type DohTable, dohAnswer } from "./doh-fake";

export { type DohAnswer, PUBLIC_ADDRESS } from "./doh-fake";

export interface FakeReceiver {
  deliveries: { url: string; headers: Record<string, string>; body: string }[];
  /** Answers every later request with this status (204 by default), or throws (a connection failure) for "down". */
  answer(status: number | "down", headers?: Record<string, string>): void;
  handle(request: Request): Promise<Response>;
}

export function fakeReceiver(): FakeReceiver {
  let status: number | "down" = 204;
  let extra: Record<string, string> = {};
  const deliveries: FakeReceiver["deliveries"] = [];
  return {
    deliveries,
    answer(next, headers = {}) {
      status = next;
      extra = headers;
    },
    async handle(request) {
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => void (headers[name] = value));
      deliveries.push({ url: request.url, headers, body: await request.text() });
      if (status === "down") throw new TypeError("Network connection lost.");
      return new Response(status === 204 ? null : "receiver says no", { status, headers: extra });
    },
  };
}

/** What the fake network records of DNS-over-HTTPS queries: `name/type`. */
export interface FakeNetwork {
  fetch: typeof fetch;
  queries: string[];
  receiver: FakeReceiver;
}

/** DoH JSON answers from `table` (other names: PUBLIC_ADDRESS), every other request to `receiver`. */
export function fakeNetwork(table: DohTable = {}, receiver = fakeReceiver()): FakeNetwork {
  const queries: string[] = [];
  const doFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    return dohAnswer(request, table, queries) ?? receiver.handle(request);
  };
  return { fetch: doFetch, queries, receiver };
}

/** What a fake webhook queue was sent: the attempts (rounds' messages) and the round messages, with their delays. */
export interface SentWebhooks {
  sent: AttemptMessage[];
  rounds: { message: RoundMessage; delaySeconds?: number }[];
}

/** A webhook queue that records what it is sent, in order, and never delivers it (tests consume by hand). */
export function recordingQueue(): SentWebhooks & { queue: Deps["webhookQueue"] } {
  const sent: AttemptMessage[] = [];
  const rounds: SentWebhooks["rounds"] = [];
  const queue: Deps["webhookQueue"] = {
    async sendBatch(messages: Iterable<MessageSendRequest<WebhookMessage>>) {
      for (const { body, delaySeconds } of messages) {
        if (isRoundMessage(body)) rounds.push({ message: body, ...(delaySeconds === undefined ? {} : { delaySeconds }) });
        else sent.push(body);
      }
    },
  };
  return { sent, rounds, queue };
}

/** Deps over the test env whose webhook fetches go to `network` and whose queue records what it is sent. */
export function webhookDeps(network: FakeNetwork, overrides: Record<string, unknown> = {}): { deps: Deps } & SentWebhooks {
  const isolateEnv = { ...env, ...overrides };
  const { sent, rounds, queue } = recordingQueue();
  const deps: Deps = { ...depsFrom(isolateEnv as typeof env), webhookFetch: network.fetch, webhookQueue: queue };
  return { deps, sent, rounds };
}

export interface WebhookIsolate extends SentWebhooks {
  /** Queue messages the Worker sent (`sent`, `rounds`) are never consumed: tests attempt them by hand. */
  deps: Deps;
  request(method: string, path: string, token: string | null, json?: unknown): Promise<{ status: number; text: string; body: any }>;
}

/** A Worker isolate of its own (its own deps) whose webhook fetches go to `network` and whose webhook queue records. */
export function webhookIsolate(network: FakeNetwork, overrides: Record<string, unknown> = {}): WebhookIsolate {
  const isolateEnv = { ...env, ...overrides } as typeof env;
  const deps = depsFrom(isolateEnv);
  const { sent, rounds, queue } = recordingQueue();
  deps.webhookFetch = network.fetch;
  deps.webhookQueue = queue;
  return {
    deps,
    sent,
    rounds,
    async request(method, path, token, json) {
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      if (json !== undefined) headers["Content-Type"] = "application/json";
      const request = new Request(`https://certdesk.test${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
      const ctx = createExecutionContext();
      const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, isolateEnv, ctx);
      const text = await response.text();
      await waitOnExecutionContext(ctx);
      let body: any = text;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        // Not JSON: the text.
      }
      return { status: response.status, text, body };
    },
  };
}

/**
 * Empties the outbox of every team, and forgets the rounds whose messages the tests never consumed: a delivery round
 * takes every team's due messages into slots every team shares, so a test starts from none.
 */
export async function emptyOutbox(): Promise<void> {
  await env.DB.batch([env.DB.prepare("DELETE FROM webhook_outbox"), env.DB.prepare("DELETE FROM webhook_events"), env.DB.prepare("DELETE FROM webhook_rounds")]);
}

/** Puts a message in the outbox by hand, with its event (shared by the messages that name the same event id). */
export async function plantMessage(message: { id: string; endpointId: string; teamId: string; eventId: string; eventType?: string; payload?: string }): Promise<void> {
  const { id, endpointId, teamId, eventId, eventType = "certificate.expiring", payload = "{}" } = message;
  await env.DB.batch([
    env.DB.prepare("INSERT OR IGNORE INTO webhook_events (id, team_id, event_type, payload, bytes, created_at) VALUES (?, ?, ?, ?, ?, 0)").bind(eventId, teamId, eventType, payload, payload.length),
    env.DB.prepare("INSERT INTO webhook_outbox (id, event_id, endpoint_id, team_id, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 0, 0, 0)").bind(id, eventId, endpointId, teamId),
  ]);
}
