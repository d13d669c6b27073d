/**
 * A fake HTTPS push receiver: records every delivery and verifies its Standard Webhooks signature
 * (spec/standard-webhooks.md in github.com/standard-webhooks/standard-webhooks, "Signature scheme" and "Verifying
 * signatures") with its own HMAC code, not the service's, so a signing mistake in src/ fails a test. A delivery whose
 * signature does not verify is answered 401, as a receiver following the spec would. It answers the DNS-over-HTTPS
 * queries a delivery makes for the push host first (dohAnswer), so `fetch` can stand for the whole network.
 */
import { type DohTable, dohAnswer } from "../doh-fake";

export interface PushDelivery {
  method: string;
  url: string;
  headers: Headers;
  /** The body exactly as received: what the signature covers. */
  body: string;
  /** Why the signature did not verify with the receiver's secret, or undefined when it did. */
  problem: string | undefined;
}

export interface PushReceiver {
  readonly handle: (request: Request) => Promise<Response>;
  readonly fetch: typeof fetch;
  readonly deliveries: PushDelivery[];
  /** The DNS-over-HTTPS queries answered, as `name/type`. */
  readonly dohQueries: string[];
  /** While on, every delivery gets 503 (with `Retry-After` when `retryAfter` is given). */
  down(on: boolean, retryAfter?: string): void;
  /** Answers every later delivery with `status` (and `headers`) instead of 204; undefined goes back to normal. */
  answer(status: number | undefined, headers?: Record<string, string>): void;
  /** Verifies a recorded delivery with another secret. */
  verifyWith(secret: string, delivery: PushDelivery): Promise<string | undefined>;
}

/** The spec's replay window, as its reference libraries default it. */
const TOLERANCE_SECONDS = 5 * 60;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function encodeBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Why `delivery` does not verify with `secret` (`whsec_` + base64 key bytes), or undefined. */
async function signatureProblem(secret: string, headers: Headers, body: string, now: number): Promise<string | undefined> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures) return "missing webhook headers";
  if (!/^\d+$/.test(timestamp) || Math.abs(Math.floor(now / 1000) - Number(timestamp)) > TOLERANCE_SECONDS) return "timestamp outside tolerance";
  if (!secret.startsWith("whsec_")) throw new Error("the receiver's secret must start with whsec_");
  const key = await crypto.subtle.importKey("raw", decodeBase64(secret.slice(6)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  const expected = `v1,${encodeBase64(new Uint8Array(mac))}`;
  return signatures.split(" ").includes(expected) ? undefined : "no matching signature";
}

export function createPushReceiver(options: { secret: string; now?: () => number; addresses?: DohTable }): PushReceiver {
  const deliveries: PushDelivery[] = [];
  const dohQueries: string[] = [];
  const now = () => options.now?.() ?? Date.now();
  let downRetryAfter: string | null | undefined;
  let isDown = false;
  let override: { status: number; headers: Record<string, string> } | undefined;

  async function handle(request: Request): Promise<Response> {
    const resolved = dohAnswer(request, options.addresses ?? {}, dohQueries);
    if (resolved) return resolved;
    const body = await request.text();
    const headers = new Headers(request.headers);
    const problem = await signatureProblem(options.secret, headers, body, now());
    deliveries.push({ method: request.method, url: request.url, headers, body, problem });
    if (isDown) return new Response("down", { status: 503, headers: downRetryAfter ? { "retry-after": downRetryAfter } : {} });
    if (override) return new Response(null, { status: override.status, headers: override.headers });
    if (problem) return new Response(problem, { status: 401 });
    return new Response(null, { status: 204 });
  }

  return {
    handle,
    fetch: async (input, init) => handle(new Request(input, init)),
    deliveries,
    dohQueries,
    down(on, retryAfter) {
      isDown = on;
      downRetryAfter = retryAfter;
    },
    answer(status, headers = {}) {
      override = status === undefined ? undefined : { status, headers };
    },
    verifyWith: (secret, delivery) => signatureProblem(secret, delivery.headers, delivery.body, now()),
  };
}
