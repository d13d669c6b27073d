import { describe, expect, it } from "vitest";
import { assertProfileAllowedBy, LEAF_PROFILES, type LeafProfile, profileExtendedKeyUsages } from "../../../../src/pki/private-ca";
import { x509 } from "../../../../src/pki/x509-setup";
import { expectAppError } from "../helpers";

const serverAuth = "1.3.6.1.5.5.7.3.1";
const clientAuth = "1.3.6.1.5.5.7.3.2";
const anyExtendedKeyUsage = "2.5.29.37.0";

/** A self-signed CA certificate whose own EKU is `usages` (none: no EKU extension). */
async function caWithEku(usages: string[] | null): Promise<x509.X509Certificate> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: ["EKU test CA"] }],
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      ...(usages ? [new x509.ExtendedKeyUsageExtension(usages)] : []),
    ],
  });
}

describe("leaf profiles", () => {
  it("map to their extendedKeyUsage purposes", () => {
    expect(LEAF_PROFILES).toEqual(["server", "client", "server-client"]);
    expect(profileExtendedKeyUsages("server")).toEqual([serverAuth]);
    expect(profileExtendedKeyUsages("client")).toEqual([clientAuth]);
    expect(profileExtendedKeyUsages("server-client")).toEqual([serverAuth, clientAuth]);
  });

  it("refuse an unknown profile", async () => {
    await expectAppError(() => profileExtendedKeyUsages("email" as LeafProfile), "validation_failed", /Unknown certificate profile "email"/);
  });
});

describe("assertProfileAllowedBy", () => {
  it("allows every profile under a CA without EKU or with anyExtendedKeyUsage", async () => {
    for (const ca of [await caWithEku(null), await caWithEku([anyExtendedKeyUsage])]) {
      for (const profile of LEAF_PROFILES) expect(() => assertProfileAllowedBy(ca, profile)).not.toThrow();
    }
  });

  it("refuses a profile the CA's own EKU forbids, naming the purpose", async () => {
    const clientOnly = await caWithEku([clientAuth]);
    expect(() => assertProfileAllowedBy(clientOnly, "client")).not.toThrow();
    const error = await expectAppError(
      () => assertProfileAllowedBy(clientOnly, "server"),
      "validation_failed",
      `The CA's extendedKeyUsage does not allow serverAuth, so it cannot issue "server" certificates`,
    );
    expect(error.param).toBe("profile");
    await expectAppError(() => assertProfileAllowedBy(clientOnly, "server-client"), "validation_failed", /does not allow serverAuth/);

    const serverOnly = await caWithEku([serverAuth]);
    expect(() => assertProfileAllowedBy(serverOnly, "server")).not.toThrow();
    await expectAppError(() => assertProfileAllowedBy(serverOnly, "client"), "validation_failed", /does not allow clientAuth/);
  });
});
