import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, Version } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { derHex, tbsNames } from "../../../src/pki/der";
import { pemToDer } from "../../../src/pki";
import { makeChain } from "../../support/pki-fixtures";

const serializedNames = (der: Uint8Array) => {
  const tbs = AsnConvert.parse(der, Certificate).tbsCertificate;
  return { issuer: derHex(new Uint8Array(AsnConvert.serialize(tbs.issuer))), subject: derHex(new Uint8Array(AsnConvert.serialize(tbs.subject))) };
};
const hexNames = (names: ReturnType<typeof tbsNames>) => names && { issuer: derHex(names.issuer), subject: derHex(names.subject) };

describe("tbsNames: the issuer and subject as encoded in the certificate", () => {
  it("are the bytes the parsed names serialize to, for a leaf, an intermediate and a root, RSA and EC", async () => {
    for (const key of ["EC-P256", "RSA-2048"] as const) {
      const chain = await makeChain({ key, names: ["names.example.com"] });
      for (const pem of [chain.leafPem, chain.intermediatePem!, chain.rootPem]) {
        const der = pemToDer(pem);
        expect(hexNames(tbsNames(der))).toEqual(serializedNames(der));
      }
    }
  });

  it("finds them in a version 1 certificate, which has no [0] version field (RFC 5280 §4.1.2.1)", async () => {
    const chain = await makeChain();
    const asn = AsnConvert.parse(pemToDer(chain.leafPem), Certificate);
    asn.tbsCertificate.version = Version.v1;
    asn.tbsCertificate.extensions = undefined;
    const v1 = new Uint8Array(AsnConvert.serialize(asn));
    // After the Certificate header (30 82 LL LL) and the tbsCertificate's, the serial comes first: no [0] version.
    expect([v1[0], v1[1], v1[4]]).toEqual([0x30, 0x82, 0x30]);
    const firstField = 4 + 2 + (v1[5]! & 0x80 ? v1[5]! & 0x7f : 0);
    expect(v1[firstField]).toBe(0x02);
    expect(hexNames(tbsNames(v1))).toEqual(serializedNames(v1));
  });

  it("is null, never a throw or a read past the end, for what is not a certificate", async () => {
    const der = pemToDer((await makeChain()).leafPem);
    expect(tbsNames(new Uint8Array())).toBeNull();
    expect(tbsNames(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00))).toBeNull();
    expect(tbsNames(der.subarray(0, 40))).toBeNull();
    // Every truncation and every single-byte change of a real certificate: null or slices inside the input.
    for (let cut = 0; cut < der.length; cut += 7) expect(() => tbsNames(der.subarray(0, cut))).not.toThrow();
    for (let at = 0; at < 64; at++) {
      for (const value of [0x00, 0x30, 0x84, 0xff]) {
        const bent = der.slice();
        bent[at] = value;
        const names = tbsNames(bent);
        if (names) {
          expect(names.issuer.byteOffset + names.issuer.length).toBeLessThanOrEqual(bent.length);
          expect(names.subject.byteOffset + names.subject.length).toBeLessThanOrEqual(bent.length);
        }
      }
    }
  });
});
