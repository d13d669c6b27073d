/** The HTTPS push target against a fake receiver: Standard Webhooks signing, the sealed key, failures, the URL rule. */
import { compactDecrypt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { createHttpsPushTarget, httpsPushTarget } from "../../../src/deploy/https-push";
import type { DeployBundle, DeployTarget, DeployTargetOptions } from "../../../src/deploy/target";
import { keyMismatch } from "../../support/deploy-fakes/key-match";
import { createPushReceiver, type PushReceiver } from "../../support/deploy-fakes/push-receiver";
import { makeChain } from "../../support/pki-fixtures";
import { expectAppError } from "../dns/expect-failure";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwc2VjcmV0IQ==";
const OTHER_SECRET = "whsec_b3RoZXItc2VjcmV0LW9mLTI0LWJ5dGVzISEh";
const URL_ = "https://hooks.example.com/certdesk?team=7";
const ATTEMPT = { deliveryId: "dlv_0123456789abcdef", targetId: "tgt_1" };
const FIRST = { remoteId: null };

interface Recipient {
  jwk: Record<string, unknown>;
  privateKey: CryptoKey;
}

async function recipient(algorithm: "P-256" | "X25519" = "P-256"): Promise<Recipient> {
  const params = algorithm === "P-256" ? { name: "ECDH", namedCurve: "P-256" } : { name: "X25519" };
  const pair = (await crypto.subtle.generateKey(params, true, ["deriveBits"])) as CryptoKeyPair;
  const { key_ops: _ops, ext: _ext, ...jwk } = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
  return { jwk: jwk as Record<string, unknown>, privateKey: pair.privateKey };
}

async function bundleFor(): Promise<DeployBundle> {
  const chain = await makeChain({ names: ["shop.example.com", "www.shop.example.com"] });
  return {
    certificateId: "crt_1",
    names: ["shop.example.com", "www.shop.example.com"],
    serial: chain.leaf.serialNumber,
    fingerprint: "ab".repeat(32),
    keyType: "EC-P256",
    issuedAt: chain.leaf.notBefore.getTime(),
    expiresAt: chain.leaf.notAfter.getTime(),
    certificatePem: chain.leafPem,
    chainPem: chain.intermediatePem ?? "",
    privateKeyPem: chain.keyPem,
  };
}

function pushTarget(receiver: { fetch: typeof fetch }, to: Recipient, options: DeployTargetOptions = {}, url = URL_, signingSecret = SECRET): DeployTarget {
  const settings = httpsPushTarget.settings.parse({ url, recipient: to.jwk });
  const credentials = httpsPushTarget.credentials.parse({ signingSecret });
  return createHttpsPushTarget(settings, credentials, { fetch: receiver.fetch, ...options });
}

async function pushError(promise: Promise<unknown>): Promise<AppError> {
  const error = await expectAppError(promise);
  expect(error.code).toBe("deploy_target_error");
  for (const secret of [SECRET, OTHER_SECRET, SECRET.slice(6), OTHER_SECRET.slice(6)]) expect(error.message).not.toContain(secret);
  return error;
}

function onlyDelivery(receiver: PushReceiver) {
  expect(receiver.deliveries).toHaveLength(1);
  return receiver.deliveries[0]!;
}

describe("HTTPS push target", () => {
  describe("delivery", () => {
    it("POSTs a Standard Webhooks message whose signature verifies with the secret, and not with another", async () => {
      const fixed = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
      const receiver = createPushReceiver({ secret: SECRET, now: () => fixed });
      const { remoteId } = await pushTarget(receiver, await recipient(), { now: () => fixed }).deploy(await bundleFor(), FIRST, ATTEMPT);

      expect(remoteId).toBe("https://hooks.example.com/certdesk");
      const delivery = onlyDelivery(receiver);
      expect(delivery.problem).toBeUndefined();
      expect(delivery.method).toBe("POST");
      expect(delivery.url).toBe(URL_);
      expect(delivery.headers.get("webhook-id")).toBe(ATTEMPT.deliveryId);
      expect(delivery.headers.get("webhook-timestamp")).toBe(String(Math.floor(fixed / 1000)));
      expect(delivery.headers.get("webhook-signature")).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(delivery.headers.get("content-type")).toBe("application/json");
      expect(delivery.headers.get("user-agent")).toBe("Certdesk");
      expect(await receiver.verifyWith(OTHER_SECRET, delivery)).toBe("no matching signature");
    });

    it("carries the certificate and only a JWE of the key, which the recipient decrypts to the certificate's key", async () => {
      const fixed = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
      const receiver = createPushReceiver({ secret: SECRET, now: () => fixed });
      const to = await recipient();
      const bundle = await bundleFor();
      await pushTarget(receiver, to, { now: () => fixed }).deploy(bundle, FIRST, ATTEMPT);

      const { body } = onlyDelivery(receiver);
      expect(body).not.toMatch(/PRIVATE KEY/);
      const message = JSON.parse(body) as { type: string; timestamp: string; data: Record<string, unknown> };
      expect(message.type).toBe("certificate.deployed");
      expect(message.timestamp).toBe("2026-01-02T03:04:05.678Z");
      const { privateKeyJwe, ...data } = message.data;
      expect(data).toEqual({
        targetId: ATTEMPT.targetId,
        certificateId: bundle.certificateId,
        names: bundle.names,
        serial: bundle.serial,
        fingerprint: bundle.fingerprint,
        keyType: bundle.keyType,
        notBefore: new Date(bundle.issuedAt).toISOString(),
        notAfter: new Date(bundle.expiresAt).toISOString(),
        certificatePem: bundle.certificatePem,
        chainPem: bundle.chainPem,
      });
      expect(decodeProtectedHeader(privateKeyJwe as string)).toMatchObject({ alg: "ECDH-ES", enc: "A256GCM" });
      const { plaintext } = await compactDecrypt(privateKeyJwe as string, to.privateKey);
      const keyPem = new TextDecoder().decode(plaintext);
      expect(keyPem).toBe(bundle.privateKeyPem);
      expect(await keyMismatch(bundle.certificatePem, keyPem)).toBeUndefined();
    });

    it("seals to an X25519 recipient too", async () => {
      const receiver = createPushReceiver({ secret: SECRET });
      const to = await recipient("X25519");
      const bundle = await bundleFor();
      await pushTarget(receiver, to).deploy(bundle, FIRST, ATTEMPT);
      const { data } = JSON.parse(onlyDelivery(receiver).body) as { data: { privateKeyJwe: string } };
      const { plaintext } = await compactDecrypt(data.privateKeyJwe, to.privateKey);
      expect(new TextDecoder().decode(plaintext)).toBe(bundle.privateKeyPem);
    });

    it("fails with the status when the receiver refuses the signature (another secret)", async () => {
      const receiver = createPushReceiver({ secret: OTHER_SECRET });
      const error = await pushError(pushTarget(receiver, await recipient()).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe("HTTPS push to https://hooks.example.com failed (HTTP 401)");
      expect(onlyDelivery(receiver).problem).toBe("no matching signature");
    });
  });

  describe("failures", () => {
    it("reports a non-2xx answer with its status, retryable", async () => {
      const receiver = createPushReceiver({ secret: SECRET });
      receiver.answer(500);
      const error = await pushError(pushTarget(receiver, await recipient()).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe("HTTPS push to https://hooks.example.com failed (HTTP 500)");
      expect(error.retryable).toBe(true);
      expect(error.retryAfter).toBeUndefined();
    });

    it("carries Retry-After from a 503 or a 429", async () => {
      const receiver = createPushReceiver({ secret: SECRET });
      const target = pushTarget(receiver, await recipient());
      receiver.down(true, "30");
      const down = await pushError(target.deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(down.message).toBe("HTTPS push to https://hooks.example.com failed (HTTP 503)");
      expect(down.retryAfter).toBe(30);

      receiver.down(false);
      receiver.answer(429, { "retry-after": "12" });
      expect((await pushError(target.deploy(await bundleFor(), FIRST, ATTEMPT))).retryAfter).toBe(12);
    });

    it("waits at most a day, whatever Retry-After asks (seconds or a date years ahead)", async () => {
      const receiver = createPushReceiver({ secret: SECRET });
      const target = pushTarget(receiver, await recipient());
      for (const value of ["10000000000000", "Fri, 01 Jun 2125 12:00:00 GMT"]) {
        receiver.answer(429, { "retry-after": value });
        const error = await pushError(target.deploy(await bundleFor(), FIRST, ATTEMPT));
        expect(error.message).toBe("HTTPS push to https://hooks.example.com failed (HTTP 429)");
        expect(error.retryAfter).toBe(86_400);
      }
    });

    it("does not follow a redirect, and says so", async () => {
      const receiver = createPushReceiver({ secret: SECRET });
      receiver.answer(307, { location: "https://elsewhere.example.net/push" });
      const error = await pushError(pushTarget(receiver, await recipient()).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe("HTTPS push to https://hooks.example.com failed (HTTP 307): redirects are not followed; set the URL to the final address");
      expect(receiver.deliveries.map((d) => new URL(d.url).host)).toEqual(["hooks.example.com"]);
    });

    it("stops retrying on 410 Gone", async () => {
      const receiver = createPushReceiver({ secret: SECRET });
      receiver.answer(410);
      const error = await pushError(pushTarget(receiver, await recipient()).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe("HTTPS push to https://hooks.example.com failed (HTTP 410): the receiver no longer accepts deliveries");
      expect(error.retryable).toBe(false);
    });

    it("refuses an http:// loopback URL at delivery unless the run allows insecure pushes", async () => {
      const receiver = createPushReceiver({ secret: SECRET });
      const to = await recipient();
      const url = "http://127.0.0.1:8787/push";
      const error = await pushError(pushTarget(receiver, to, {}, url).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe("HTTPS push refused the URL: Must be an https:// URL");
      expect(error.retryable).toBe(false);
      expect(receiver.deliveries).toHaveLength(0);

      const { remoteId } = await pushTarget(receiver, to, { allowInsecurePush: true }, url).deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(remoteId).toBe("http://127.0.0.1:8787/push");
      expect(onlyDelivery(receiver).problem).toBeUndefined();
    });
  });

  describe("the push host's addresses (resolved before each delivery)", () => {
    const RESOLVER = "https://doh.example/dns-query";
    const resolving = { resolverUrl: RESOLVER };

    it("asks for A and AAAA first, and delivers when every address is global unicast", async () => {
      const receiver = createPushReceiver({ secret: SECRET, addresses: { "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"] } });
      await pushTarget(receiver, await recipient(), resolving).deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(receiver.dohQueries.sort()).toEqual(["hooks.example.com/A", "hooks.example.com/AAAA"]);
      expect(onlyDelivery(receiver).problem).toBeUndefined();
    });

    it.each([
      [["93.184.215.14", "10.0.0.7"], "HTTPS push refused the URL: hooks.example.com resolves to 10.0.0.7: Must not point at a private network address"],
      [["::ffff:a9fe:a9fe"], "HTTPS push refused the URL: hooks.example.com resolves to ::ffff:a9fe:a9fe: Must not point at a cloud metadata service"],
      [["198.18.0.1"], "HTTPS push refused the URL: hooks.example.com resolves to 198.18.0.1: Must not point at a reserved address"],
      [["127.0.0.1"], "HTTPS push refused the URL: hooks.example.com resolves to 127.0.0.1: Must not point at a loopback address or localhost"],
      ["nxdomain", "HTTPS push refused the URL: hooks.example.com does not resolve to any address"],
      ["fail", "HTTPS push not sent: Could not resolve hooks.example.com to check that it is public (resolver answered HTTP 503)"],
    ] as const)("sends nothing when the name resolves to %j", async (answer, message) => {
      const receiver = createPushReceiver({ secret: SECRET, addresses: { "hooks.example.com": answer as string[] | "nxdomain" | "fail" } });
      const error = await pushError(pushTarget(receiver, await recipient(), resolving).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe(message);
      // A name's answer can change: tried again on the backoff, unlike a URL refused as written.
      expect(error.retryable).toBe(true);
      expect(receiver.deliveries).toHaveLength(0);
    });

    it("accepts a loopback answer on a local run only, and nothing else there", async () => {
      const local = { ...resolving, allowInsecurePush: true };
      const receiver = createPushReceiver({ secret: SECRET, addresses: { "hooks.example.com": ["127.0.0.1"], "inside.example.com": ["10.0.0.7"] } });
      const to = await recipient();
      await pushTarget(receiver, to, local).deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(onlyDelivery(receiver).problem).toBeUndefined();
      const error = await pushError(pushTarget(receiver, to, local, "https://inside.example.com/push").deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe("HTTPS push refused the URL: inside.example.com resolves to 10.0.0.7: Must not point at a private network address");
      expect(receiver.deliveries).toHaveLength(1);
    });

    it("does not resolve an address literal", async () => {
      const receiver = createPushReceiver({ secret: SECRET });
      await pushTarget(receiver, await recipient(), resolving, "https://93.184.215.14/push").deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(receiver.dohQueries).toEqual([]);
      expect(receiver.deliveries).toHaveLength(1);
    });
  });

  describe("settings and credentials", () => {
    type Issue = { code: string; path: PropertyKey[]; message: string; keys?: string[] };
    // An unknown field is reported by its code and key (the service words that message itself).
    const firstIssue = (schema: { safeParse(v: unknown): { error?: { issues: Issue[] } } }, value: unknown) => {
      const issue = schema.safeParse(value).error?.issues[0];
      return issue && (issue.code === "unrecognized_keys" ? `unknown: ${issue.keys?.join(",")}` : `${issue.path.join(".")}: ${issue.message}`);
    };

    it("keeps only the public members of the recipient key", async () => {
      const { jwk } = await recipient();
      const settings = httpsPushTarget.settings.parse({ url: URL_, recipient: { ...jwk, use: "enc", alg: "ECDH-ES+A128KW", kid: "k1" } });
      expect(settings.recipient).toEqual({ kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y });
    });

    it.each([
      [{ d: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, "recipient.d: Must be a public key: this JWK carries `d`, its private part; send the public members only"],
      [{ crv: "P-384" }, "recipient.crv: Must be P-256 for an EC recipient"],
      [{ kty: "RSA" }, "recipient.kty: Must be a P-256 (EC) or X25519 (OKP) public key as a JWK"],
      [{ x: "short" }, "recipient.x: Must be 32 bytes in base64url (43 characters)"],
    ])("refuses the recipient %j", async (change, message) => {
      const { jwk } = await recipient();
      expect(firstIssue(httpsPushTarget.settings, { url: URL_, recipient: { ...jwk, ...change } })).toBe(message);
    });

    it("checks the URL: loopback http:// passes the schema, and settingsProblem decides by the run", async () => {
      const { jwk } = await recipient();
      expect(firstIssue(httpsPushTarget.settings, { url: "https://10.0.0.5/hook", recipient: jwk })).toBe("url: Must not point at a private network address");
      const local = httpsPushTarget.settings.parse({ url: "http://127.0.0.1:8787/", recipient: jwk });
      expect(httpsPushTarget.settingsProblem!(local, { allowInsecurePush: true })).toBeUndefined();
      expect(httpsPushTarget.settingsProblem!(local, { allowInsecurePush: false })).toEqual({ field: "url", message: "Must be an https:// URL" });
      expect(httpsPushTarget.requiredNames(local)).toEqual([]);
    });

    it("takes a whsec_ signing secret, generates one when asked, and never quotes one", () => {
      const generated = httpsPushTarget.generateCredentials!();
      expect(httpsPushTarget.credentials.parse(generated)).toEqual(generated);
      expect(generated.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const bad = "sk_live_0123456789abcdefghijklmnop";
      const issue = firstIssue(httpsPushTarget.credentials, { signingSecret: bad });
      expect(issue).toBe("signingSecret: Must start with whsec_");
      expect(issue).not.toContain(bad);
      expect(firstIssue(httpsPushTarget.credentials, { signingSecret: SECRET, extra: 1 })).toBe("unknown: extra");
    });
  });
});
