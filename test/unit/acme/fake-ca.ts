/** A scripted ACME server for protocol-edge unit tests: checks nonces and JWS signatures, plays given answers. */
import { base64UrlToBytes, utf8 } from "../../../src/crypto/encoding";

export interface FakeRequest {
  method: string;
  url: string;
  path: string;
  headers: Headers;
  /** Decoded JWS protected header (POST only). */
  protected?: { alg: string; nonce?: string; url: string; kid?: string; jwk?: JsonWebKey };
  /** Decoded JWS payload: an object, or "" for POST-as-GET (POST only). */
  payload?: unknown;
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

type Handler = (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

export const CA = "https://ca.test";

export function problem(type: string, detail: string, status = 400, extra: Record<string, unknown> = {}): FakeAnswer {
  return {
    status,
    headers: { "content-type": "application/problem+json" },
    body: { type: `urn:ietf:params:acme:error:${type}`, detail, status, ...extra },
  };
}

export class FakeCa {
  readonly requests: FakeRequest[] = [];
  directory: Record<string, unknown> = {
    newNonce: `${CA}/nonce`,
    newAccount: `${CA}/acct`,
    newOrder: `${CA}/order`,
    revokeCert: `${CA}/revoke`,
    keyChange: `${CA}/key`,
  };
  /** Reject this many upcoming POSTs with badNonce even when their nonce is good (like PEBBLE_WFE_NONCEREJECT). */
  rejectNonces = 0;
  /** Throw (network failure) on this many upcoming requests, before the CA sees them. */
  failNetwork = 0;
  /** Lose the answer to this many upcoming POSTs that reach a handler: the CA acts, the client sees a network failure. */
  loseAnswers = 0;
  private readonly handlers = new Map<string, Handler>();
  private readonly liveNonces = new Set<string>();
  private readonly accountKeys = new Map<string, JsonWebKey>();
  private nonceCounter = 0;

  on(method: string, path: string, handler: Handler): this {
    this.handlers.set(`${method} ${path}`, handler);
    return this;
  }

  /** Registers an account URL → public JWK, so `kid`-signed requests verify. */
  addAccount(url: string, jwk: JsonWebKey): void {
    this.accountKeys.set(url, jwk);
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }

  posts(path: string): FakeRequest[] {
    return this.requests.filter((r) => r.method === "POST" && r.path === path);
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const recorded: FakeRequest = { method: request.method, url: request.url, path: url.pathname, headers: request.headers };
    this.requests.push(recorded);
    if (this.failNetwork > 0) {
      this.failNetwork--;
      // What was sent is still known to the test; the CA never saw it (the nonce stays unspent).
      if (request.method === "POST") recorded.protected = JSON.parse(utf8.decode(base64UrlToBytes(((await request.json()) as { protected: string }).protected)));
      throw new TypeError("Network connection lost.");
    }
    if (request.method === "GET" && url.pathname === "/dir") return this.respond({ body: this.directory });
    if (request.method === "HEAD" && url.pathname === "/nonce") return this.respond({ status: 200 });
    if (request.method === "POST") {
      const checked = await this.checkJws(request, recorded);
      if (checked) return this.respond(checked);
    }
    const handler = this.handlers.get(`${request.method} ${url.pathname}`);
    if (!handler) return this.respond(problem("malformed", `no route ${request.method} ${url.pathname}`, 404));
    const answer = await handler(recorded);
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      throw new TypeError("Network connection lost.");
    }
    return this.respond(answer);
  };

  private async checkJws(request: Request, recorded: FakeRequest): Promise<FakeAnswer | undefined> {
    if (request.headers.get("content-type") !== "application/jose+json") return problem("malformed", "wrong content type", 415);
    const jws = (await request.json()) as { protected: string; payload: string; signature: string };
    const header = JSON.parse(utf8.decode(base64UrlToBytes(jws.protected))) as NonNullable<FakeRequest["protected"]>;
    recorded.protected = header;
    recorded.payload = jws.payload === "" ? "" : JSON.parse(utf8.decode(base64UrlToBytes(jws.payload)));
    if (header.url !== request.url) return problem("unauthorized", "url mismatch", 401);
    if (!header.nonce || !this.liveNonces.delete(header.nonce)) return problem("badNonce", "unknown or used nonce");
    if (this.rejectNonces > 0) {
      this.rejectNonces--;
      return problem("badNonce", "rejected on purpose");
    }
    if ((header.jwk === undefined) === (header.kid === undefined)) return problem("malformed", "exactly one of jwk/kid");
    const jwk = header.jwk ?? this.accountKeys.get(header.kid!);
    if (!jwk) return problem("accountDoesNotExist", "unknown kid", 400);
    const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" },
      key,
      base64UrlToBytes(jws.signature),
      utf8.encode(`${jws.protected}.${jws.payload}`),
    );
    return ok ? undefined : problem("malformed", "bad signature");
  }

  private respond(answer: FakeAnswer): Response {
    const nonce = `nonce${++this.nonceCounter}`;
    this.liveNonces.add(nonce);
    const headers = new Headers({ "replay-nonce": nonce, ...answer.headers });
    let body: string | null = null;
    if (answer.text !== undefined) body = answer.text;
    else if (answer.body !== undefined) {
      body = JSON.stringify(answer.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    return new Response(body, { status: answer.status ?? 200, headers });
  }
}

/** A clock and sleep that advance together without waiting. */
export function fakeClock(start = Date.parse("2025-06-01T00:00:00Z")) {
  const clock = { now: start, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}
