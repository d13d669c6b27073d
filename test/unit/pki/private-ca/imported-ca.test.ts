import { describe, expect, it } from "vitest";
import { exportPrivateKeyPem } from "../../../../src/pki";
import { checkImportedCa, createCaCertificate, createLeafCertificate, generateCaKey, randomSerialHex } from "../../../../src/pki/private-ca";
import { x509 } from "../../../../src/pki/x509-setup";
import { makeCa, toPkcs1Pem, toSec1Pem } from "../../../support/pki-fixtures";
import { expectAppError } from "../helpers";
import { dayMs, makeHierarchy, makeRoot, names, now, signedBy } from "./fixtures";

const pem = (certificate: x509.X509Certificate) => `${certificate.toString("pem")}\n`;

describe("checkImportedCa", () => {
  it("accepts a root with its PKCS#8, PKCS#1 or SEC1 key, and the key it returns signs certificates", async () => {
    for (const keyType of ["ec", "rsa"] as const) {
      const root = await makeRoot(keyType === "ec" ? { keyType, keySize: 384 } : { keyType, keySize: 2048 });
      const pkcs8 = await exportPrivateKeyPem(root.privateKey);
      const legacy = keyType === "rsa" ? toPkcs1Pem(pkcs8) : toSec1Pem(pkcs8);
      for (const privateKey of [pkcs8, legacy]) {
        const imported = await checkImportedCa({ certificate: pem(root.certificate), privateKey });
        expect(imported.certificate.serialNumber).toBe(root.certificate.serialNumber);
        expect(imported.chain).toEqual([]);
        expect(imported.privateKeyPem).toBe(pkcs8);
        expect(imported.privateKey.extractable).toBe(true);
        const leaf = await createLeafCertificate({
          issuer: { certificate: imported.certificate, privateKey: imported.privateKey },
          publicKey: (await generateCaKey({ keyType: "ec", keySize: 256 })).publicKey,
          profile: "client",
          names: names({ commonName: "imported-client" }),
          serialHex: randomSerialHex(),
          notBefore: now(),
          notAfter: new Date(Date.now() + dayMs),
          caIssuersUrl: "https://certdesk.example/pki/imported/ca.crt",
        });
        expect(await signedBy(leaf, root.certificate)).toBe(true);
      }
    }
  });

  it("accepts an intermediate with its chain and returns the chain issuer first", async () => {
    const { root, intermediate } = await makeHierarchy();
    const imported = await checkImportedCa({
      certificate: pem(intermediate.certificate),
      privateKey: await exportPrivateKeyPem(intermediate.privateKey),
      chain: pem(root.certificate),
    });
    expect(imported.chain.map((certificate) => certificate.subject)).toEqual([root.certificate.subject]);
  });

  describe("refusals", () => {
    it("a key that does not parse, or does not match the certificate", async () => {
      const root = await makeRoot();
      const other = await generateCaKey({ keyType: "ec", keySize: 256 });
      await expectAppError(
        () => checkImportedCa({ certificate: pem(root.certificate), privateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" }),
        "invalid_private_key",
        /private key/,
      );
      await expectAppError(
        async () => checkImportedCa({ certificate: pem(root.certificate), privateKey: await exportPrivateKeyPem(other.privateKey) }),
        "key_mismatch",
        "The CA certificate and the private key do not match",
      );
    });

    it("a certificate without basicConstraints CA:true", async () => {
      const notCa = await makeCa({ isCa: false, cn: "Bogus CA" });
      await expectAppError(
        async () => checkImportedCa({ certificate: notCa.pem, privateKey: await exportPrivateKeyPem(notCa.keys.privateKey) }),
        "invalid_certificate",
        /not a CA certificate: basicConstraints CA:true is missing/,
      );
    });

    it("a CA certificate whose keyUsage lacks keyCertSign", async () => {
      const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
      const certificate = await x509.X509CertificateGenerator.createSelfSigned({
        name: [{ CN: ["No keyCertSign"] }],
        keys,
        notAfter: new Date(Date.now() + 365 * dayMs),
        extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.cRLSign, true)],
      });
      await expectAppError(
        async () => checkImportedCa({ certificate: pem(certificate), privateKey: await exportPrivateKeyPem(keys.privateKey) }),
        "invalid_certificate",
        /keyUsage does not include keyCertSign/,
      );
    });

    it("a CA certificate whose keyUsage lacks cRLSign (its CRL would not verify)", async () => {
      const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
      const certificate = await x509.X509CertificateGenerator.createSelfSigned({
        name: [{ CN: ["No cRLSign"] }],
        keys,
        notAfter: new Date(Date.now() + 365 * dayMs),
        extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
      });
      await expectAppError(
        async () => checkImportedCa({ certificate: pem(certificate), privateKey: await exportPrivateKeyPem(keys.privateKey) }),
        "invalid_certificate",
        /keyUsage does not include cRLSign/,
      );
    });

    it("a CA certificate that has expired or is not valid yet", async () => {
      const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
      const expired = await createCaCertificate({
        subject: { commonName: "Expired" },
        keys,
        notBefore: new Date(Date.now() - 10 * dayMs),
        notAfter: new Date(Date.now() - dayMs),
      });
      const privateKey = await exportPrivateKeyPem(keys.privateKey);
      await expectAppError(() => checkImportedCa({ certificate: pem(expired), privateKey }), "invalid_certificate", /has expired/);
      const root = await makeRoot();
      await expectAppError(
        async () =>
          checkImportedCa({ certificate: pem(root.certificate), privateKey: await exportPrivateKeyPem(root.privateKey), now: new Date(Date.now() - 2 * dayMs) }),
        "invalid_certificate",
        /not valid yet/,
      );
    });

    it("several certificates in `certificate`, a chain without the issuer, or a chain holding a leaf", async () => {
      const { root, intermediate } = await makeHierarchy();
      const privateKey = await exportPrivateKeyPem(intermediate.privateKey);
      await expectAppError(
        () => checkImportedCa({ certificate: pem(intermediate.certificate) + pem(root.certificate), privateKey }),
        "invalid_certificate",
        /Expected one CA certificate but found 2/,
      );
      const stranger = await makeRoot();
      await expectAppError(
        () => checkImportedCa({ certificate: pem(intermediate.certificate), privateKey, chain: pem(stranger.certificate) }),
        "invalid_certificate",
        /chain does not hold the CA certificate's issuer/,
      );
      const leaf = await makeCa({ isCa: false, cn: "A leaf" });
      await expectAppError(
        () => checkImportedCa({ certificate: pem(intermediate.certificate), privateKey, chain: pem(root.certificate) + leaf.pem }),
        "invalid_certificate",
        /chain holds a certificate that is not a CA/,
      );
    });
  });
});
