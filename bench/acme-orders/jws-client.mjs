/**
 * A minimal RFC 8555 client for load: one ES256 account (with External Account Binding, §7.3.4) per client, then
 * newOrder → (authorizations and challenges if the server needs them) → finalize → download. Node's crypto signs
 * (JWS ES256 is the raw r‖s form, RFC 7518 §3.4); undici keeps connections alive. The same code drives every server.
 */
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { Agent, request } from "undici";

const b64u = (data) => Buffer.from(data).toString("base64url");
/** Fixed poll interval while an order is pending or processing (no Retry-After is awaited, the same for both servers). */
const POLL_MS = 25;

/** A connection pool for one server; `ca` (PEM) for a TLS server with a private root. */
export function acmeAgent({ ca, connections }) {
  // Idle connections are dropped well before Node's http server closes them (its keepAliveTimeout is 5 s).
  return new Agent({ connections, keepAliveTimeout: 2_000, keepAliveMaxTimeout: 2_000, headersTimeout: 60_000, bodyTimeout: 60_000, connect: ca ? { ca } : undefined });
}

export class AcmeLoadClient {
  /** @param {{ directoryUrl: string, eab: { keyId: string, hmacKey: string }, agent: Agent }} options */
  constructor({ directoryUrl, eab, agent }) {
    Object.assign(this, { directoryUrl, eab, agent });
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.key = privateKey;
    const { crv, kty, x, y } = publicKey.export({ format: "jwk" });
    this.jwk = { crv, kty, x, y };
    this.nonce = undefined;
    this.kid = undefined;
    /** Requests made and their summed wall time (ms), by kind: where each server's order spends its round trips. */
    this.requests = {};
    this.requestMs = {};
  }

  async call(kind, method, url, body) {
    this.requests[kind] = (this.requests[kind] ?? 0) + 1;
    const started = performance.now();
    const res = await request(url, { method, dispatcher: this.agent, headers: body ? { "content-type": "application/jose+json" } : {}, body: body ? JSON.stringify(body) : undefined });
    const text = await res.body.text();
    this.requestMs[kind] = (this.requestMs[kind] ?? 0) + performance.now() - started;
    const nonce = res.headers["replay-nonce"];
    if (nonce) this.nonce = nonce;
    return { status: res.statusCode, headers: res.headers, text };
  }

  /**
   * POST a JWS (RFC 8555 §6.2); `payload` undefined is POST-as-GET. Retries once on badNonce with the fresh nonce, and
   * once when a kept-alive connection was closed under the request (then with a new nonce: the old one may be spent).
   */
  async post(kind, url, payload, { jwk = false } = {}) {
    for (let attempt = 0; ; attempt++) {
      if (!this.nonce) await this.call("newNonce", "HEAD", this.dir.newNonce);
      const protectedHeader = { alg: "ES256", nonce: this.nonce, url, ...(jwk ? { jwk: this.jwk } : { kid: this.kid }) };
      this.nonce = undefined;
      const p = b64u(JSON.stringify(protectedHeader));
      const body = payload === undefined ? "" : b64u(JSON.stringify(payload));
      const signature = sign("sha256", Buffer.from(`${p}.${body}`), { key: this.key, dsaEncoding: "ieee-p1363" });
      let res;
      try {
        res = await this.call(kind, "POST", url, { protected: p, payload: body, signature: b64u(signature) });
      } catch (error) {
        if (attempt === 0 && error?.code === "UND_ERR_SOCKET") continue;
        throw error;
      }
      if (res.status < 400) return { ...res, json: res.text && res.headers["content-type"]?.includes("json") ? JSON.parse(res.text) : undefined };
      if (attempt === 0 && res.text.includes("badNonce")) continue;
      // wrangler dev's proxy answers this when its runtime reloaded under the request; counted, then sent again.
      if (attempt < 3 && res.status === 503 && res.text.includes("restarted mid-request")) {
        this.requests["wrangler 503, resent"] = (this.requests["wrangler 503, resent"] ?? 0) + 1;
        continue;
      }
      throw new Error(`${kind} ${url} answered ${res.status}: ${res.text.slice(0, 300)}`);
    }
  }

  /** Directory, first nonce and the account (with EAB): once per client, not timed. */
  async register() {
    const dir = await this.call("directory", "GET", this.directoryUrl);
    this.dir = JSON.parse(dir.text);
    const eabProtected = b64u(JSON.stringify({ alg: "HS256", kid: this.eab.keyId, url: this.dir.newAccount }));
    const eabPayload = b64u(JSON.stringify(this.jwk));
    const mac = createHmac("sha256", Buffer.from(this.eab.hmacKey, "base64url")).update(`${eabProtected}.${eabPayload}`).digest();
    const account = await this.post("newAccount", this.dir.newAccount, {
      termsOfServiceAgreed: true,
      externalAccountBinding: { protected: eabProtected, payload: eabPayload, signature: b64u(mac) },
    }, { jwk: true });
    this.kid = account.headers.location;
    if (!this.kid) throw new Error("newAccount answered no Location");
    this.requests = {};
    this.requestMs = {};
  }

  /** One complete order for `csr` (DER) naming `name`; resolves with the PEM chain's length. */
  async order(name, csr) {
    const created = await this.post("newOrder", this.dir.newOrder, { identifiers: [{ type: "dns", value: name }] });
    const orderUrl = created.headers.location;
    let order = created.json;
    if (order.status === "pending") {
      // RFC 8555 §7.5.1: fetch each authorization and answer one challenge; the server then validates.
      for (const authzUrl of order.authorizations) {
        const authz = (await this.post("authorization", authzUrl)).json;
        if (authz.status !== "pending") continue;
        const challenge = authz.challenges.find((c) => c.type === "http-01") ?? authz.challenges[0];
        await this.post("challenge", challenge.url, {});
      }
      order = await this.pollOrder(orderUrl, (s) => s !== "pending");
    }
    if (order.status !== "ready") throw new Error(`order ${orderUrl} is ${order.status}, not ready`);
    try {
      order = (await this.post("finalize", order.finalize, { csr: b64u(csr) })).json;
    } catch (error) {
      // A finalize resent after wrangler's 503 may find the order already finalized (RFC 8555 §7.4: orderNotReady).
      if (!String(error.message).includes("orderNotReady")) throw error;
      order = { status: "processing" };
    }
    if (order.status !== "valid") order = await this.pollOrder(orderUrl, (s) => s !== "processing");
    if (order.status !== "valid") throw new Error(`order ${orderUrl} is ${order.status} after finalize`);
    const pem = (await this.post("certificate", order.certificate)).text;
    if (!pem.includes("BEGIN CERTIFICATE")) throw new Error(`certificate ${order.certificate}: no PEM`);
    return pem.split("BEGIN CERTIFICATE").length - 1;
  }

  async pollOrder(url, done) {
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const order = (await this.post("order poll", url)).json;
      if (done(order.status)) return order;
    }
  }
}

/** An EC P-256 key and a DER CSR for `name` (openssl-free: @peculiar/x509 over Node's WebCrypto). */
export async function makeCsr(x509, name) {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: name }])],
  });
  return Buffer.from(csr.rawData);
}
