import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { checkCertificate } from "../../../src/pki";
import { x509 } from "../../../src/pki/x509-setup";
import { makeCa, makeChain, toPem } from "../../support/pki-fixtures";

/** SEC 1 §2.3.3 point compression: 02/03 ‖ X, the prefix carrying the parity of Y. */
async function compressedSpki(key: CryptoKey): Promise<ArrayBuffer> {
  const spki = AsnConvert.parse((await crypto.subtle.exportKey("spki", key)) as ArrayBuffer, SubjectPublicKeyInfo);
  const point = new Uint8Array(spki.subjectPublicKey);
  const size = (point.length - 1) / 2;
  const compressed = new Uint8Array([0x02 | (point[point.length - 1]! & 1), ...point.slice(1, 1 + size)]);
  spki.subjectPublicKey = compressed.buffer;
  return AsnConvert.serialize(spki);
}

describe("key match with a compressed EC point in the certificate", () => {
  it("matches the right key and refuses another one", async () => {
    const [ca, owner, other] = await Promise.all([makeCa(), makeChain(), makeChain()]);
    const cert = await x509.X509CertificateGenerator.create({
      subject: "CN=compressed.example.com",
      issuer: ca.cert.subjectName,
      publicKey: await compressedSpki(owner.key.publicKey),
      signingKey: ca.keys.privateKey,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as Algorithm,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 60 * 86_400_000),
    });
    const certificatePem = toPem(cert.rawData, "CERTIFICATE") + ca.pem;
    const good = await checkCertificate({ certificatePem, privateKeyPem: owner.keySec1Pem! });
    expect(good.report.error).toBeNull();
    expect(good.report.keyType).toBe("EC-P256");
    const bad = await checkCertificate({ certificatePem, privateKeyPem: other.keyPem });
    expect(bad.report.errorCode).toBe("key_mismatch");
  });
});
