/** Scrubbing provider messages: credentials, the delivered key in its forms, any PEM private key, and nothing else. */
import { describe, expect, it } from "vitest";
import { redactDeliverySecrets, redactPrivateKey } from "../../../src/outbound/secret-redaction";
import { makeChain } from "../../support/pki-fixtures";

describe("redactPrivateKey", () => {
  it("takes out any PEM private key block, even one cut off, whatever its label", () => {
    for (const label of ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]) {
      const text = `bad key: -----BEGIN ${label}-----\nMHcCAQEEIBoguslines\n-----END ${label}----- (code 1002)`;
      expect(redactPrivateKey(text, undefined)).toBe("bad key: [redacted] (code 1002)");
      expect(redactPrivateKey(`cut: -----BEGIN ${label}-----\nMHcCAQEEIBogus`, undefined)).toBe("cut: [redacted]");
    }
  });

  it("leaves a message that holds none of the key as it was", async () => {
    const { keyPem } = await makeChain({ key: "EC-P256", names: ["shop.example.com"] });
    const message = "Invalid certificate. (code 1002) — the certificate chain is incomplete; ARN arn:aws:acm:eu-west-1:123456789012:certificate/abcdef01-2345";
    expect(redactPrivateKey(message, keyPem)).toBe(message);
  });

  it("takes out the delivered key's base64, whole or in pieces of 16 characters or more", async () => {
    const { keyPem } = await makeChain({ key: "RSA-2048", names: ["shop.example.com"] });
    const body = keyPem.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
    expect(redactPrivateKey(`key=${body}`, keyPem)).toBe("key=[redacted]");
    expect(redactPrivateKey(`got ${body.slice(100, 116)} here`, keyPem)).toBe("got [redacted] here");
    expect(redactPrivateKey(`got ${body.slice(100, 115)} here`, keyPem)).toBe(`got ${body.slice(100, 115)} here`);
  });
});

describe("redactDeliverySecrets", () => {
  it("takes out the credentials too", () => {
    expect(redactDeliverySecrets("token cf-0123456789 refused", ["cf-0123456789"])).toBe("token [redacted] refused");
  });
});
