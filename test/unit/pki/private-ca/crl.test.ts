/** createCrl (RFC 5280 §5): a v2 CRL signed by the CA, with cRLNumber, AKI, update times and a reasonCode per entry. */
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList, CRLNumber } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import type { CaKeySpec } from "../../../../src/pki/private-ca";
import { createCrl, REVOCATION_REASONS, type RevokedEntry } from "../../../../src/pki/private-ca/crl";
import { x509 } from "../../../../src/pki/x509-setup";
import { dayMs, makeRoot, now } from "./fixtures";

const thisUpdate = now();
const nextUpdate = new Date(thisUpdate.getTime() + 7 * dayMs);
const revokedAt = new Date(thisUpdate.getTime() - dayMs);

const entries: RevokedEntry[] = [
  { serialHex: "7f0102030405060708090a0b0c0d0e0f", revokedAt, reason: "keyCompromise" },
  { serialHex: "0ab", revokedAt, reason: "unspecified" },
  { serialHex: "4000000000000001", revokedAt, reason: "cessationOfOperation" },
];

describe("createCrl", () => {
  const keys: [CaKeySpec, string][] = [
    [{ keyType: "ec", keySize: 256 }, "SHA-256"],
    [{ keyType: "ec", keySize: 384 }, "SHA-384"],
    [{ keyType: "rsa", keySize: 2048 }, "SHA-256"],
  ];
  for (const [spec, hash] of keys) {
    it(`${spec.keyType} ${spec.keySize}: v2, signed by the CA with ${hash}, issuer = the CA's subject, the update times, cRLNumber, AKI = SKI`, async () => {
      const ca = await makeRoot(spec);
      const der = await createCrl({ issuer: ca, crlNumber: 42, thisUpdate, nextUpdate, entries });
      const crl = new x509.X509Crl(der);
      expect(await crl.verify({ publicKey: ca.certificate.publicKey })).toBe(true);
      expect(await crl.verify({ publicKey: (await makeRoot(spec)).certificate.publicKey })).toBe(false);
      expect(crl.signatureAlgorithm.hash.name).toBe(hash);
      expect(crl.signatureAlgorithm.name).toBe(spec.keyType === "ec" ? "ECDSA" : "RSASSA-PKCS1-v1_5");
      const asn = AsnConvert.parse(der, CertificateList);
      expect(asn.tbsCertList.version).toBe(1); // v2 (RFC 5280 §5.1.2.1)
      expect(crl.issuer).toBe(ca.certificate.subject);
      expect(crl.thisUpdate).toEqual(thisUpdate);
      expect(crl.nextUpdate).toEqual(nextUpdate);
      const number = crl.getExtension("2.5.29.20")!;
      expect(number.critical).toBe(false);
      expect(AsnConvert.parse(number.value, CRLNumber).value).toBe(42);
      const aki = crl.getExtension(x509.AuthorityKeyIdentifierExtension)!;
      expect(aki.keyId).toBe(ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    });
  }

  it("lists every serial with its revocation date; reasonCode for each reason but unspecified (RFC 5280 §5.3.1)", async () => {
    const ca = await makeRoot();
    const crl = new x509.X509Crl(await createCrl({ issuer: ca, crlNumber: 1, thisUpdate, nextUpdate, entries }));
    const listed = crl.entries.map((entry) => ({
      serial: entry.serialNumber,
      date: entry.revocationDate.getTime(),
      reason: entry.reason,
      extensions: entry.extensions.map((extension) => extension.type),
    }));
    expect(listed).toEqual([
      { serial: "7f0102030405060708090a0b0c0d0e0f", date: revokedAt.getTime(), reason: x509.X509CrlReason.keyCompromise, extensions: ["2.5.29.21"] },
      // A positive INTEGER 00 ab, which @peculiar/x509 reads back without the sign octet, as it reads certificate serials.
      { serial: "ab", date: revokedAt.getTime(), reason: undefined, extensions: [] },
      { serial: "4000000000000001", date: revokedAt.getTime(), reason: x509.X509CrlReason.cessationOfOperation, extensions: ["2.5.29.21"] },
    ]);
  });

  it("writes every RFC 5280 §5.3.1 reason with its code", async () => {
    const ca = await makeRoot();
    const all = REVOCATION_REASONS.map((reason, i) => ({ serialHex: (i + 1).toString(16).padStart(16, "0"), revokedAt, reason }));
    const crl = new x509.X509Crl(await createCrl({ issuer: ca, crlNumber: 2, thisUpdate, nextUpdate, entries: all }));
    expect(crl.entries.map((entry) => entry.reason)).toEqual([undefined, 1, 2, 3, 4, 5, 6, 9, 10]);
    expect(REVOCATION_REASONS).toEqual(["unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold", "privilegeWithdrawn", "aACompromise"]);
  });

  it("an empty CRL has no revokedCertificates; a bigint cRLNumber past 2^53 is written exactly", async () => {
    const ca = await makeRoot();
    const der = await createCrl({ issuer: ca, crlNumber: 2n ** 100n, thisUpdate, nextUpdate, entries: [] });
    const crl = new x509.X509Crl(der);
    expect(crl.entries).toEqual([]);
    expect(await crl.verify({ publicKey: ca.certificate.publicKey })).toBe(true);
    // INTEGER 2^100: 13 content octets, 0x10 then twelve zeros.
    expect([...new Uint8Array(crl.getExtension("2.5.29.20")!.value)]).toEqual([0x02, 13, 0x10, ...new Array(12).fill(0)]);
  });

  it("a CRL changed after signing does not verify", async () => {
    const ca = await makeRoot();
    const der = new Uint8Array(await createCrl({ issuer: ca, crlNumber: 3, thisUpdate, nextUpdate, entries }));
    const at = Buffer.from(der).indexOf(Buffer.from("020200ab", "hex"));
    expect(at).toBeGreaterThan(0); // the serial INTEGER 00 ab
    der[at + 3] = 0xac;
    expect(await new x509.X509Crl(der).verify({ publicKey: ca.certificate.publicKey })).toBe(false);
  });

  const refusals: { name: string; change: Partial<Parameters<typeof createCrl>[0]>; message: RegExp }[] = [
    { name: "nextUpdate not after thisUpdate", change: { nextUpdate: thisUpdate }, message: /nextUpdate must be later/ },
    { name: "a serial listed twice", change: { entries: [entries[0]!, { ...entries[0]!, reason: "superseded" }] }, message: /listed twice/ },
    { name: "a serial that is not hex", change: { entries: [{ serialHex: "xyz", revokedAt, reason: "superseded" }] }, message: /not a positive certificate serial/ },
    { name: "a serial over 20 octets", change: { entries: [{ serialHex: "01".repeat(21), revokedAt, reason: "superseded" }] }, message: /not a positive certificate serial/ },
    { name: "an unknown reason", change: { entries: [{ serialHex: "01", revokedAt, reason: "removeFromCRL" as never }] }, message: /not an RFC 5280 §5.3.1 revocation reason/ },
    { name: "the same serial spelled twice", change: { entries: [{ serialHex: "00ab", revokedAt, reason: "superseded" }, { serialHex: "ab", revokedAt, reason: "keyCompromise" }] }, message: /serial ab is listed twice/ },
    { name: "serial zero", change: { entries: [{ serialHex: "00", revokedAt, reason: "superseded" }] }, message: /not a positive certificate serial/ },
    { name: "a reason inherited from Object", change: { entries: [{ serialHex: "01", revokedAt, reason: "toString" as never }] }, message: /not an RFC 5280 §5.3.1 revocation reason/ },
    { name: "an invalid revocation date", change: { entries: [{ serialHex: "01", revokedAt: new Date(Number.NaN), reason: "superseded" }] }, message: /no valid revocation date/ },
    { name: "a fractional CRL number", change: { crlNumber: 1.5 }, message: /must be an integer/ },
    { name: "a negative CRL number", change: { crlNumber: -1 }, message: /non-negative integer/ },
    { name: "a CRL number over 20 octets", change: { crlNumber: 2n ** 160n }, message: /at most 20 octets/ },
  ];
  for (const { name, change, message } of refusals) {
    it(`refuses ${name}`, async () => {
      const ca = await makeRoot();
      await expect(createCrl({ issuer: ca, crlNumber: 1, thisUpdate, nextUpdate, entries, ...change })).rejects.toThrow(message);
    });
  }
});
