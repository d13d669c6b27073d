/** Standard Webhooks signatures: the known answer of the reference library, verification, and the secret format. */
import { describe, expect, it } from "vitest";
import {
  generateWebhookSecret,
  signWebhook,
  webhookSecretProblem,
  webhookVerificationProblem,
} from "../../../src/crypto/webhook-signature";

// The "sign function works" vector of the reference JavaScript library
// (github.com/standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const at = VECTOR.timestamp * 1000;

function headers(signature: string, timestamp = String(VECTOR.timestamp), id = VECTOR.id) {
  return { id, timestamp, signature };
}

describe("signWebhook", () => {
  it("matches the reference library's known answer", async () => {
    expect(await signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it("refuses an id with a '.' (it would make one message readable as another) and a fractional timestamp", async () => {
    await expect(signWebhook(VECTOR.secret, "msg.1", VECTOR.timestamp, VECTOR.body)).rejects.toThrow(/webhook id/);
    await expect(signWebhook(VECTOR.secret, VECTOR.id, 1.5, VECTOR.body)).rejects.toThrow(/integer/);
  });
});

describe("webhookVerificationProblem", () => {
  it("accepts the known answer and refuses any change to id, timestamp or body", async () => {
    expect(await webhookVerificationProblem(VECTOR.secret, headers(VECTOR.signature), VECTOR.body, { now: at })).toBeUndefined();
    expect(await webhookVerificationProblem(VECTOR.secret, headers(VECTOR.signature), `${VECTOR.body} `, { now: at })).toBe("No matching v1 signature");
    expect(await webhookVerificationProblem(VECTOR.secret, headers(VECTOR.signature, String(VECTOR.timestamp + 1)), VECTOR.body, { now: at })).toBe(
      "No matching v1 signature",
    );
    expect(await webhookVerificationProblem(VECTOR.secret, headers(VECTOR.signature, undefined, "msg_other"), VECTOR.body, { now: at })).toBe(
      "No matching v1 signature",
    );
  });

  it("refuses the signature under another secret", async () => {
    const other = generateWebhookSecret();
    expect(await webhookVerificationProblem(other, headers(VECTOR.signature), VECTOR.body, { now: at })).toBe("No matching v1 signature");
  });

  it("finds the valid one among several signatures (secret rotation) and skips other versions", async () => {
    const list = ["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", `v1a,${VECTOR.signature.slice(3)}`, VECTOR.signature].join(" ");
    expect(await webhookVerificationProblem(VECTOR.secret, headers(list), VECTOR.body, { now: at })).toBeUndefined();
    expect(await webhookVerificationProblem(VECTOR.secret, headers(`v1a,${VECTOR.signature.slice(3)}`), VECTOR.body, { now: at })).toBe(
      "No matching v1 signature",
    );
  });

  it("refuses a timestamp outside the tolerance, either way, and missing headers", async () => {
    expect(await webhookVerificationProblem(VECTOR.secret, headers(VECTOR.signature), VECTOR.body, { now: at + 301_000 })).toBe(
      "webhook-timestamp is outside the tolerance",
    );
    expect(await webhookVerificationProblem(VECTOR.secret, headers(VECTOR.signature), VECTOR.body, { now: at - 301_000 })).toBe(
      "webhook-timestamp is outside the tolerance",
    );
    expect(await webhookVerificationProblem(VECTOR.secret, { id: VECTOR.id, timestamp: null, signature: VECTOR.signature }, VECTOR.body, { now: at })).toMatch(
      /^Missing/,
    );
    expect(await webhookVerificationProblem(VECTOR.secret, headers(VECTOR.signature, "16e8"), VECTOR.body, { now: at })).toBe(
      "webhook-timestamp is not an integer",
    );
  });

  it("round-trips a message signed now with a generated secret", async () => {
    const secret = generateWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signWebhook(secret, "dlv_1", timestamp, "{}");
    expect(await webhookVerificationProblem(secret, { id: "dlv_1", timestamp: String(timestamp), signature }, "{}")).toBeUndefined();
  });
});

describe("webhookSecretProblem", () => {
  it("accepts whsec_ secrets of 24 to 64 bytes", () => {
    expect(webhookSecretProblem(VECTOR.secret)).toBeUndefined(); // 24 bytes
    expect(webhookSecretProblem(generateWebhookSecret())).toBeUndefined(); // 32 bytes
    expect(webhookSecretProblem(`whsec_${btoa("x".repeat(64))}`)).toBeUndefined();
  });

  it.each([
    ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Must start with whsec_"],
    ["whsec_not base64!", "Must be whsec_ followed by standard base64"],
    ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "Must be whsec_ followed by standard base64"],
    [`whsec_${btoa("x".repeat(23))}`, "Must encode 24 to 64 bytes"],
    [`whsec_${btoa("x".repeat(65))}`, "Must encode 24 to 64 bytes"],
  ])("refuses %s", (secret, message) => {
    const problem = webhookSecretProblem(secret);
    expect(problem).toBe(message);
    expect(problem).not.toContain(secret.slice(6));
  });
});
