import { beforeEach, describe, expect, it } from "vitest";
import { AcmeClient } from "../../../src/acme/client";
import { generateAccountKey, publicJwk } from "../../../src/acme/account-key";
import { AcmeMalformedResponseError, AcmeNetworkError, AcmeTimeoutError, isAcmeProblem } from "../../../src/acme/problem";
import type { AcmeAuthorization, AcmeOrder } from "../../../src/acme/resources";
import { RETRY_POLICY } from "../../../src/acme/retry-policy";
import { base64UrlToBytes } from "../../../src/crypto/encoding";
import { CA, FakeCa, fakeClock, problem, type FakeAnswer } from "./fake-ca";

const ACCOUNT = `${CA}/acct/1`;
const ORDER = `${CA}/order/1`;
const AUTHZ = `${CA}/authz/1`;

function orderBody(status: string, extra: Record<string, unknown> = {}) {
  return { status, identifiers: [{ type: "dns", value: "a.example" }], authorizations: [AUTHZ], finalize: `${ORDER}/finalize`, ...extra };
}
function authzBody(status: string, challengeStatus = "pending", error?: unknown) {
  return {
    status,
    identifier: { type: "dns", value: "a.example" },
    challenges: [{ type: "dns-01", url: `${CA}/chall/1`, token: "tok", status: challengeStatus, ...(error ? { error } : {}) }],
  };
}

let ca: FakeCa;
let keys: CryptoKeyPair;
let time: ReturnType<typeof fakeClock>;

beforeEach(async () => {
  ca = new FakeCa();
  keys = await generateAccountKey();
  ca.addAccount(ACCOUNT, (await publicJwk(keys.publicKey)) as JsonWebKey);
  time = fakeClock();
});

function client(accountUrl: string | null = ACCOUNT) {
  return new AcmeClient({ directoryUrl: `${CA}/dir`, accountKey: keys, fetch: ca.fetch, now: time.now, sleep: time.sleep, ...(accountUrl ? { accountUrl } : {}) });
}

describe("accounts (RFC 8555 §7.3)", () => {
  it("createAccount signs with jwk, returns the Location and switches to kid", async () => {
    ca.on("POST", "/acct", () => ({ status: 201, headers: { location: ACCOUNT }, body: { status: "valid", contact: ["mailto:a@example.com"] } }));
    ca.on("POST", "/order", () => ({ status: 201, headers: { location: ORDER }, body: orderBody("pending") }));
    const c = client(null);
    const result = await c.createAccount({ termsOfServiceAgreed: true, contact: ["mailto:a@example.com"] });
    expect(result).toMatchObject({ accountUrl: ACCOUNT, created: true, account: { status: "valid" } });
    const post = ca.posts("/acct")[0]!;
    expect(post.protected?.jwk).toBeDefined();
    expect(post.protected?.kid).toBeUndefined();
    expect(post.payload).toEqual({ termsOfServiceAgreed: true, contact: ["mailto:a@example.com"] });
    expect(post.headers.get("user-agent")).toBe("certdesk-acme/0.1");
    await c.newOrder({ identifiers: ["a.example"] });
    expect(ca.posts("/order")[0]!.protected).toMatchObject({ kid: ACCOUNT });
  });

  it("findAccount sends onlyReturnExisting and maps accountDoesNotExist to null", async () => {
    ca.on("POST", "/acct", () => problem("accountDoesNotExist", "no account for this key"));
    expect(await client(null).findAccount()).toBeNull();
    expect(ca.posts("/acct")[0]!.payload).toEqual({ onlyReturnExisting: true });
    ca.on("POST", "/acct", () => ({ status: 200, headers: { location: ACCOUNT }, body: { status: "valid" } }));
    const c = client(null);
    expect(await c.findAccount()).toBe(ACCOUNT);
    expect(c.accountUrl).toBe(ACCOUNT);
  });

  it("a request needing kid before any account is a typed error", async () => {
    const error = await client(null).newOrder({ identifiers: ["a.example"] }).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "urn:certdesk:acme:error:noAccount")).toBe(true);
  });
});

describe("nonces (RFC 8555 §6.5, §7.2)", () => {
  beforeEach(() => {
    ca.on("POST", "/order/1", () => ({ body: orderBody("pending") }));
  });

  it("asks newNonce once, then reuses the Replay-Nonce of every response", async () => {
    const c = client();
    for (let i = 0; i < 4; i++) await c.getOrder(ORDER);
    expect(ca.count("HEAD", "/nonce")).toBe(1);
    expect(ca.count("POST", "/order/1")).toBe(4);
  });

  const cases = [
    { name: "one badNonce", rejects: 1, ok: true },
    { name: `${RETRY_POLICY.badNonceRetries} badNonces in a row`, rejects: RETRY_POLICY.badNonceRetries, ok: true },
    { name: `${RETRY_POLICY.badNonceRetries + 1} badNonces in a row`, rejects: RETRY_POLICY.badNonceRetries + 1, ok: false },
  ];
  for (const c of cases) {
    it(`retries ${c.name} with the nonce from the error response (${c.ok ? "succeeds" : "gives up"})`, async () => {
      ca.rejectNonces = c.rejects;
      const result = client().getOrder(ORDER);
      if (c.ok) await expect(result).resolves.toMatchObject({ status: "pending" });
      else expect(isAcmeProblem(await result.catch((e: unknown) => e), "badNonce")).toBe(true);
      expect(ca.count("HEAD", "/nonce")).toBe(1);
      expect(time.clock.sleeps).toEqual([]); // badNonce retries do not wait
    });
  }

  it("badNonce is retried for non-idempotent requests too (the CA did nothing)", async () => {
    ca.on("POST", "/order", () => ({ status: 201, headers: { location: ORDER }, body: orderBody("pending") }));
    ca.rejectNonces = 3;
    await expect(client().newOrder({ identifiers: ["a.example"] })).resolves.toMatchObject({ url: ORDER });
    expect(ca.count("POST", "/order")).toBe(4);
  });
});

describe("transient failures", () => {
  it("POST-as-GET is retried after 5xx and network failures, with backoff", async () => {
    let calls = 0;
    ca.on("POST", "/order/1", () => (++calls === 1 ? { status: 503, text: "<html>down</html>" } : { body: orderBody("pending") }));
    ca.failNetwork = 0;
    await expect(client().getOrder(ORDER)).resolves.toMatchObject({ status: "pending" });
    expect(time.clock.sleeps).toEqual([RETRY_POLICY.transientBackoffMs[0]]);
  });

  it("gives up with AcmeNetworkError when the CA stays unreachable", async () => {
    const c = client();
    await c.getDirectory().catch(() => undefined);
    ca.failNetwork = 100;
    const error = await client().getDirectory().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcmeNetworkError);
    expect(error).toMatchObject({ url: `${CA}/dir`, kind: "directory", attempts: RETRY_POLICY.transientBackoffMs.length + 1 });
    expect(ca.requests.length).toBe(1 + 1 + RETRY_POLICY.transientBackoffMs.length);
  });

  it("gives up on a signed request after the whole schedule, naming the request and its attempts", async () => {
    ca.on("POST", "/order", () => problem("serverInternal", "boom", 500));
    ca.failNetwork = 0;
    const c = client();
    await c.getDirectory();
    ca.failNetwork = 100;
    const error = await c.newOrder({ identifiers: ["a.example"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcmeNetworkError);
    expect(error).toMatchObject({ kind: "newOrder", attempts: RETRY_POLICY.transientBackoffMs.length + 1 });
    expect((error as Error).message).toMatch(/\(newOrder, 6 attempts\)$/);
    expect(time.clock.sleeps).toEqual([...RETRY_POLICY.transientBackoffMs]);
  });
});

describe("a request whose answer was lost (REPEAT_AFTER_LOST_ANSWER)", () => {
  const pending = () => ({ body: orderBody("pending") });
  const kinds: Array<{ kind: string; path: string; answer: () => FakeAnswer; send: (c: AcmeClient) => Promise<unknown> }> = [
    { kind: "newAccount", path: "/acct", answer: () => ({ status: 200, headers: { location: ACCOUNT }, body: { status: "valid" } }), send: (c) => c.createAccount({ termsOfServiceAgreed: true }) },
    { kind: "newOrder", path: "/order", answer: () => ({ status: 201, headers: { location: ORDER }, body: orderBody("pending") }), send: (c) => c.newOrder({ identifiers: ["a.example"] }) },
    { kind: "postAsGet", path: "/order/1", answer: pending, send: (c) => c.getOrder(ORDER) },
    { kind: "challenge", path: "/chall/1", answer: () => ({ body: { type: "dns-01", url: `${CA}/chall/1`, token: "tok", status: "processing" } }), send: (c) => c.respondToChallenge(`${CA}/chall/1`) },
    { kind: "finalize", path: "/order/1/finalize", answer: () => ({ body: orderBody("processing") }), send: (c) => c.finalizeOrder({ url: ORDER, finalize: `${ORDER}/finalize` }, new Uint8Array([48, 0])) },
    { kind: "deactivate", path: "/authz/1", answer: () => ({ body: authzBody("deactivated") }), send: (c) => c.deactivateAuthorization(AUTHZ) },
    { kind: "revokeCert", path: "/revoke", answer: () => ({ status: 200 }), send: (c) => c.revokeCertificate(new Uint8Array([48, 0])) },
  ];
  for (const k of kinds) {
    it(`${k.kind}: a connection that breaks before the CA sees it is repeated after a wait, with a fresh nonce`, async () => {
      ca.on("POST", k.path, k.answer);
      const c = client();
      await c.getDirectory();
      await c.getOrder(ORDER).catch(() => undefined); // a pooled nonce, as in a running order
      const before = ca.requests.length;
      ca.failNetwork = 1;
      await k.send(c);
      const attempts = ca.requests.slice(before).filter((r) => r.method === "POST" && r.path === k.path);
      expect(attempts.length).toBe(2);
      expect(time.clock.sleeps).toEqual(RETRY_POLICY.transientBackoffMs.slice(0, 1));
      // The repeat signs a nonce of its own (the first one may have been spent at the CA).
      const [first, repeat] = attempts.map((p) => p.protected?.nonce);
      expect(first).toBeDefined();
      expect(repeat).toBeDefined();
      expect(repeat).not.toBe(first);
    });
  }

  it("finalize taken but its answer lost: the repeat's orderNotReady is read back as the processing order", async () => {
    let taken = false;
    ca.on("POST", "/order/1/finalize", () => {
      if (taken) return problem("orderNotReady", "Order's status (\"processing\") is not acceptable for finalization", 403);
      taken = true;
      return { body: orderBody("processing") };
    });
    ca.on("POST", "/order/1", () => ({ body: orderBody("processing") }));
    ca.loseAnswers = 1;
    const order = await client().finalizeOrder({ url: ORDER, finalize: `${ORDER}/finalize` }, new Uint8Array([48, 0]));
    expect(order).toMatchObject({ status: "processing", url: ORDER });
    expect(ca.count("POST", "/order/1/finalize")).toBe(2);
  });

  it("finalize refused on the first answer is not read back: orderNotReady is the caller's to see", async () => {
    ca.on("POST", "/order/1/finalize", () => problem("orderNotReady", "not ready", 403));
    ca.on("POST", "/order/1", () => ({ body: orderBody("processing") }));
    const error = await client().finalizeOrder({ url: ORDER, finalize: `${ORDER}/finalize` }, new Uint8Array([48, 0])).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "orderNotReady")).toBe(true);
    expect(ca.count("POST", "/order/1")).toBe(0);
  });

  it("challenge answered but the answer lost: the repeat's refusal is read back as the processing challenge", async () => {
    let answered = false;
    ca.on("POST", "/chall/1", (request) => {
      if (request.payload === "") return { body: { type: "dns-01", url: `${CA}/chall/1`, token: "tok", status: "processing" } };
      if (answered) return problem("malformed", "Cannot update challenge with status processing, only status pending");
      answered = true;
      return { body: { type: "dns-01", url: `${CA}/chall/1`, token: "tok", status: "processing" } };
    });
    ca.loseAnswers = 1;
    await expect(client().respondToChallenge(`${CA}/chall/1`)).resolves.toMatchObject({ status: "processing" });
    expect(ca.posts("/chall/1").map((p) => p.payload)).toEqual([{}, {}, ""]);
  });

  it("rateLimited is not retried and carries Retry-After", async () => {
    ca.on("POST", "/order", () => ({ ...problem("rateLimited", "too many new orders", 429), headers: { "content-type": "application/problem+json", "retry-after": "3600" } }));
    const error = await client().newOrder({ identifiers: ["a.example"] }).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "rateLimited")).toBe(true);
    expect(error).toMatchObject({ retryAfter: 3600, status: 429 });
    expect(ca.count("POST", "/order")).toBe(1);
  });
});

describe("malformed CA answers become AcmeMalformedResponseError", () => {
  const cases: { name: string; answer: FakeAnswer }[] = [
    { name: "order without finalize", answer: { status: 201, headers: { location: ORDER }, body: { status: "pending", identifiers: [], authorizations: [] } } },
    { name: "unknown order status", answer: { status: 201, headers: { location: ORDER }, body: orderBody("weird") } },
    { name: "no Location", answer: { status: 201, body: orderBody("pending") } },
    { name: "HTML body", answer: { status: 201, headers: { location: ORDER, "content-type": "text/html" }, text: "<html></html>" } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      ca.on("POST", "/order", () => c.answer);
      const error = await client().newOrder({ identifiers: ["a.example"] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AcmeMalformedResponseError);
    });
  }

  it("a directory missing newOrder", async () => {
    delete ca.directory.newOrder;
    expect(await client().getDirectory().catch((e: unknown) => e)).toBeInstanceOf(AcmeMalformedResponseError);
  });
});

describe("orders (RFC 8555 §7.4)", () => {
  beforeEach(() => {
    ca.on("POST", "/order", () => ({ status: 201, headers: { location: ORDER }, body: orderBody("pending") }));
  });

  it("sends dns and ip identifiers", async () => {
    await client().newOrder({ identifiers: ["A.Example", "*.b.example", "192.0.2.1"] });
    expect(ca.posts("/order")[0]!.payload).toEqual({
      identifiers: [
        { type: "dns", value: "a.example" },
        { type: "dns", value: "*.b.example" },
        { type: "ip", value: "192.0.2.1" },
      ],
    });
  });

  const extensions = [
    { name: "no profiles, no ARI: both omitted", meta: undefined, renewalInfo: undefined, want: {} },
    { name: "listed profile and ARI: both sent", meta: { profiles: { classic: "", tlsserver: "" } }, renewalInfo: `${CA}/ri`, want: { profile: "tlsserver", replaces: "aa.bb" } },
  ];
  for (const c of extensions) {
    it(c.name, async () => {
      if (c.meta) ca.directory.meta = c.meta;
      if (c.renewalInfo) ca.directory.renewalInfo = c.renewalInfo;
      await client().newOrder({ identifiers: ["a.example"], profile: "tlsserver", replaces: "aa.bb" });
      expect(ca.posts("/order")[0]!.payload).toEqual({ identifiers: [{ type: "dns", value: "a.example" }], ...c.want });
    });
  }

  it("an unlisted profile is refused before any POST", async () => {
    ca.directory.meta = { profiles: { classic: "" } };
    const error = await client().newOrder({ identifiers: ["a.example"], profile: "shortlived" }).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "invalidProfile")).toBe(true);
    expect(ca.posts("/order")).toHaveLength(0);
  });

  it("finalize posts the CSR as base64url DER", async () => {
    ca.on("POST", "/order/1/finalize", () => ({ body: orderBody("processing") }));
    const c = client();
    const order = await c.newOrder({ identifiers: ["a.example"] });
    const finalized = await c.finalizeOrder(order, Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0xff));
    expect(finalized).toMatchObject({ status: "processing", url: ORDER });
    expect(base64UrlToBytes((ca.posts("/order/1/finalize")[0]!.payload as { csr: string }).csr)).toEqual(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0xff));
  });
});

describe("polling (RFC 8555 §7.5.1)", () => {
  it("waitForAuthorization honours Retry-After and returns when valid", async () => {
    const answers = [
      { headers: { "retry-after": "3" }, body: authzBody("pending", "processing") },
      { headers: { "retry-after": "Sun, 01 Jun 2025 00:00:10 GMT" }, body: authzBody("pending", "processing") },
      { body: authzBody("valid", "valid") },
    ];
    ca.on("POST", "/authz/1", () => answers.shift()!);
    const authz = await client().waitForAuthorization(AUTHZ, { deadline: time.now() + 60_000 });
    expect(authz.status).toBe("valid");
    expect(time.clock.sleeps).toEqual([3000, 7000]);
  });

  it("without Retry-After it follows the schedule", async () => {
    let n = 0;
    ca.on("POST", "/order/1", () => ({ body: orderBody(++n < 4 ? "processing" : "valid", n >= 4 ? { certificate: `${CA}/cert/1` } : {}) }));
    const order = await client().waitForOrder(ORDER, { deadline: time.now() + 60_000 });
    expect(order).toMatchObject({ status: "valid", certificate: `${CA}/cert/1` });
    expect(time.clock.sleeps).toEqual(RETRY_POLICY.pollScheduleMs.slice(0, 3));
  });

  it("an invalid authorization throws the challenge's problem with the identifier as subproblem", async () => {
    ca.on("POST", "/authz/1", () => ({
      body: authzBody("invalid", "invalid", { type: "urn:ietf:params:acme:error:unauthorized", detail: "Incorrect TXT record", status: 403 }),
    }));
    const error = await client().waitForAuthorization(AUTHZ, { deadline: time.now() + 60_000 }).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "unauthorized")).toBe(true);
    expect(error).toMatchObject({ status: 403, subproblems: [{ type: "urn:ietf:params:acme:error:unauthorized", identifier: { type: "dns", value: "a.example" } }] });
    expect((error as Error).message).toContain("Incorrect TXT record");
  });

  it("an invalid order throws its error", async () => {
    ca.on("POST", "/order/1", () => ({ body: orderBody("invalid", { error: { type: "urn:ietf:params:acme:error:badCSR", detail: "key too small" } }) }));
    const error = await client().waitForOrder(ORDER, { deadline: time.now() + 60_000 }).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "badCSR")).toBe(true);
  });

  it("stops at the deadline with the last state and when to poll next", async () => {
    ca.on("POST", "/authz/1", () => ({ headers: { "retry-after": "20" }, body: authzBody("pending") }));
    const deadline = time.now() + 30_000;
    const error = await client().waitForAuthorization(AUTHZ, { deadline }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcmeTimeoutError);
    const timeout = error as AcmeTimeoutError<AcmeAuthorization>;
    expect(timeout.resource.status).toBe("pending");
    expect(timeout.resource.url).toBe(AUTHZ);
    expect(timeout.nextPollAt).toBe(time.now() + 20_000);
    expect(timeout.retryAfter).toBe(20);
    expect(ca.count("POST", "/authz/1")).toBe(2);
  });

  it("pollOrder is a single step for alarms", async () => {
    ca.on("POST", "/order/1", () => ({ headers: { "retry-after": "5" }, body: orderBody("processing") }));
    const step = await client().pollOrder(ORDER);
    expect(step).toMatchObject({ settled: false, nextPollAt: time.now() + 5000 });
    expect((step.resource as AcmeOrder).status).toBe("processing");
    expect(ca.count("POST", "/order/1")).toBe(1);
  });
});

describe("certificates (RFC 8555 §7.4.2, §7.6)", () => {
  const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";

  it("downloads the default PEM chain (alternate chains are not followed)", async () => {
    ca.on("POST", "/cert/1", (req) => ({
      text: req.headers.get("accept") === "application/pem-certificate-chain" ? PEM : "wrong accept",
      headers: {
        "content-type": "application/pem-certificate-chain",
        link: `<${CA}/dir>;rel="index", <${CA}/cert/1/1>;rel="alternate", <${CA}/cert/1/2>;rel="alternate"`,
      },
    }));
    const chain = await client().downloadCertificate(`${CA}/cert/1`);
    expect(chain).toEqual({ pem: PEM });
    expect(ca.posts("/cert/1")[0]!.payload).toBe("");
    expect(ca.count("POST", "/cert/1/1") + ca.count("POST", "/cert/1/2")).toBe(0);
  });

  it("a body that is not PEM is malformed", async () => {
    ca.on("POST", "/cert/1", () => ({ body: { hello: "world" } }));
    expect(await client().downloadCertificate(`${CA}/cert/1`).catch((e: unknown) => e)).toBeInstanceOf(AcmeMalformedResponseError);
  });

  it("revokes with the account key and a reason", async () => {
    ca.on("POST", "/revoke", () => ({ status: 200 }));
    await client().revokeCertificate(Uint8Array.of(1, 2, 3), 4);
    const post = ca.posts("/revoke")[0]!;
    expect(post.payload).toEqual({ certificate: "AQID", reason: 4 });
    expect(post.protected?.kid).toBe(ACCOUNT);
  });

  it("revokes with the certificate's own key (jwk)", async () => {
    ca.on("POST", "/revoke", () => ({ status: 200 }));
    const certKeys = await generateAccountKey();
    await client().revokeCertificate(Uint8Array.of(1), { certificateKey: certKeys });
    const post = ca.posts("/revoke")[0]!;
    expect(post.protected?.kid).toBeUndefined();
    expect(post.protected?.jwk).toEqual(await publicJwk(certKeys.publicKey));
  });

  it("refuses a reason code RFC 5280 does not define", async () => {
    const error = await client().revokeCertificate(Uint8Array.of(1), 7).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "badRevocationReason")).toBe(true);
    expect(ca.posts("/revoke")).toHaveLength(0);
  });

  it("alreadyRevoked comes back as a typed problem", async () => {
    ca.on("POST", "/revoke", () => problem("alreadyRevoked", "Certificate already revoked"));
    expect(isAcmeProblem(await client().revokeCertificate(Uint8Array.of(1)).catch((e: unknown) => e), "alreadyRevoked")).toBe(true);
  });
});
