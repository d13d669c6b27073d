import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../../src/http/errors";
import { type CertificateCheckInput, checkCertificate, fingerprintSha256, parsePrivateKey } from "../../../src/pki";
import { corruptSignature, dayMs, makeCa, makeChain, messUp, toSec1Pem } from "../../support/pki-fixtures";

// X.509 times have whole seconds; fixed-second instants make expected ISO strings exact.
const t0 = Math.floor(Date.now() / 1000) * 1000;
const at = (days: number) => new Date(t0 + days * dayMs);
const iso = (date: Date) => date.toISOString().replace(".000Z", "Z");

interface Want {
  valid: boolean;
  error?: string | RegExp;
  errorCode?: ErrorCode;
  /** Every listed warning must be present (strings exactly, regexes by match). */
  warnings?: (string | RegExp)[];
  /** Exact warning count when given. */
  warningCount?: number;
  keyType?: string;
  names?: string[];
}

interface Case {
  name: string;
  input: () => Promise<CertificateCheckInput>;
  want: Want;
}

const incomplete = /^Incomplete chain: /;
const serverEku = "Certificate does not allow server authentication (no serverAuth extended key usage)";
const clientEku = "Certificate does not allow client authentication (no clientAuth extended key usage)";

const cases: Case[] = [
  // Happy paths: every key type, every key format, the full chain with root.
  ...(["RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384"] as const).map(
    (key): Case => ({
      name: `${key} leaf, full chain, PKCS#8 key, matching domain`,
      input: async () => {
        const chain = await makeChain({ key });
        return { certificatePem: chain.fullPem, privateKeyPem: chain.keyPem, domain: "www.example.com" };
      },
      want: { valid: true, keyType: key, warningCount: 0, names: ["example.com", "www.example.com"] },
    }),
  ),
  {
    name: "RSA key as PKCS#1 (RSA PRIVATE KEY)",
    input: async () => {
      const chain = await makeChain({ key: "RSA-2048" });
      return { certificatePem: chain.fullPem, privateKeyPem: chain.keyPkcs1Pem! };
    },
    want: { valid: true, keyType: "RSA-2048", warningCount: 0 },
  },
  {
    name: "EC key as SEC1 (EC PRIVATE KEY)",
    input: async () => {
      const chain = await makeChain({ key: "EC-P384" });
      return { certificatePem: chain.fullPem, privateKeyPem: chain.keySec1Pem! };
    },
    want: { valid: true, keyType: "EC-P384", warningCount: 0 },
  },
  {
    name: "SEC1 key preceded by an EC PARAMETERS block",
    input: async () => {
      const chain = await makeChain({ key: "EC-P256" });
      return { certificatePem: chain.fullPem, privateKeyPem: toSec1Pem(chain.keyPem, { parametersBlock: true }) };
    },
    want: { valid: true, keyType: "EC-P256" },
  },
  {
    name: "CRLF, indentation and blank lines in certificate and key",
    input: async () => {
      const chain = await makeChain({ key: "RSA-2048" });
      return { certificatePem: messUp(chain.fullPem), privateKeyPem: messUp(chain.keyPkcs1Pem!), domain: "example.com" };
    },
    want: { valid: true, warningCount: 0 },
  },
  {
    name: "bundle out of order (root, leaf, intermediate)",
    input: async () => {
      const chain = await makeChain();
      return { certificatePem: chain.rootPem + chain.leafPem + chain.intermediatePem!, privateKeyPem: chain.keyPem };
    },
    want: { valid: true, warningCount: 0 },
  },
  {
    name: "the same certificate twice is deduplicated",
    input: async () => {
      const chain = await makeChain();
      return { certificatePem: chain.fullPem + chain.leafPem, privateKeyPem: chain.keyPem };
    },
    want: { valid: true, warningCount: 0 },
  },

  // Key match.
  {
    name: "key of another certificate (EC)",
    input: async () => {
      const [chain, other] = await Promise.all([makeChain(), makeChain()]);
      return { certificatePem: chain.fullPem, privateKeyPem: other.keyPem };
    },
    want: { valid: false, error: "Certificate and private key do not match", errorCode: "key_mismatch" },
  },
  {
    name: "key of another certificate (RSA, PKCS#1)",
    input: async () => {
      const [chain, other] = await Promise.all([makeChain({ key: "RSA-2048" }), makeChain({ key: "RSA-2048" })]);
      return { certificatePem: chain.fullPem, privateKeyPem: other.keyPkcs1Pem! };
    },
    want: { valid: false, error: "Certificate and private key do not match", errorCode: "key_mismatch" },
  },
  {
    name: "EC key for an RSA certificate",
    input: async () => {
      const [chain, other] = await Promise.all([makeChain({ key: "RSA-2048" }), makeChain({ key: "EC-P256" })]);
      return { certificatePem: chain.fullPem, privateKeyPem: other.keyPem };
    },
    want: { valid: false, error: "Certificate and private key do not match", errorCode: "key_mismatch" },
  },
  {
    name: "P-384 key for a P-256 certificate",
    input: async () => {
      const [chain, other] = await Promise.all([makeChain({ key: "EC-P256" }), makeChain({ key: "EC-P384" })]);
      return { certificatePem: chain.fullPem, privateKeyPem: other.keySec1Pem! };
    },
    want: { valid: false, errorCode: "key_mismatch" },
  },
  {
    name: "key mismatch is reported before expiry and domain",
    input: async () => {
      const [chain, other] = await Promise.all([makeChain({ notBefore: at(-100), notAfter: at(-10) }), makeChain()]);
      return { certificatePem: chain.fullPem, privateKeyPem: other.keyPem, domain: "other.org" };
    },
    want: { valid: false, errorCode: "key_mismatch" },
  },

  // Validity dates (RFC 5280 §4.1.2.5).
  {
    name: "expired certificate",
    input: async () => {
      const chain = await makeChain({ notBefore: at(-100), notAfter: at(-10) });
      return { certificatePem: chain.fullPem, privateKeyPem: chain.keyPem };
    },
    want: { valid: false, error: `Certificate expired on ${iso(at(-10))}`, errorCode: "invalid_certificate" },
  },
  {
    name: "not yet valid certificate",
    input: async () => {
      const chain = await makeChain({ notBefore: at(5), notAfter: at(95) });
      return { certificatePem: chain.fullPem, privateKeyPem: chain.keyPem };
    },
    want: { valid: false, error: `Certificate is not valid until ${iso(at(5))}`, errorCode: "invalid_certificate" },
  },
  {
    name: "expiry is reported before a domain mismatch",
    input: async () => {
      const chain = await makeChain({ notBefore: at(-100), notAfter: at(-1) });
      return { certificatePem: chain.fullPem, domain: "other.org" };
    },
    want: { valid: false, error: `Certificate expired on ${iso(at(-1))}` },
  },
  {
    name: "expiring within 30 days is a warning",
    input: async () => {
      const chain = await makeChain({ notBefore: at(-80), notAfter: at(10) });
      return { certificatePem: chain.fullPem };
    },
    want: { valid: true, warnings: [`Certificate expires within 30 days (on ${iso(at(10))})`], warningCount: 1 },
  },
  {
    name: "expired intermediate",
    input: async () => {
      const chain = await makeChain({ intermediateNotBefore: at(-400), intermediateNotAfter: at(-2) });
      return { certificatePem: chain.fullPem };
    },
    want: {
      valid: false,
      error: `CA certificate "CN=Certdesk Test Intermediate, O=Certdesk Test" expired on ${iso(at(-2))}`,
      errorCode: "invalid_certificate",
    },
  },

  // Names (RFC 6125).
  {
    name: "wrong domain",
    input: async () => {
      const chain = await makeChain();
      return { certificatePem: chain.fullPem, privateKeyPem: chain.keyPem, domain: "other.org" };
    },
    want: { valid: false, error: "Certificate is not valid for domain other.org", errorCode: "domain_mismatch" },
  },
  {
    name: "domain matching is case-insensitive and ignores a trailing dot",
    input: async () => ({ certificatePem: (await makeChain()).fullPem, domain: "WWW.Example.COM." }),
    want: { valid: true },
  },
  {
    name: "wildcard covers one label",
    input: async () => ({ certificatePem: (await makeChain({ names: ["*.example.com"] })).fullPem, domain: "api.example.com" }),
    want: { valid: true, names: ["*.example.com"] },
  },
  {
    name: "wildcard does not cover the apex",
    input: async () => ({ certificatePem: (await makeChain({ names: ["*.example.com"] })).fullPem, domain: "example.com" }),
    want: { valid: false, error: "Certificate is not valid for domain example.com", errorCode: "domain_mismatch" },
  },
  {
    name: "wildcard does not cover two labels",
    input: async () => ({ certificatePem: (await makeChain({ names: ["*.example.com"] })).fullPem, domain: "a.b.example.com" }),
    want: { valid: false, errorCode: "domain_mismatch" },
  },
  {
    name: "partial wildcard is not honoured",
    input: async () => ({ certificatePem: (await makeChain({ names: ["f*o.example.com"] })).fullPem, domain: "foo.example.com" }),
    want: { valid: false, errorCode: "domain_mismatch" },
  },
  {
    name: "CN is used when there is no SAN",
    input: async () => ({ certificatePem: (await makeChain({ names: [], cn: "Legacy.Example.com" })).fullPem, domain: "legacy.example.com" }),
    want: { valid: true, names: ["legacy.example.com"] },
  },
  {
    name: "CN is ignored when there is a SAN",
    input: async () => ({
      certificatePem: (await makeChain({ names: ["a.example.com"], cn: "cn-only.example.com" })).fullPem,
      domain: "cn-only.example.com",
    }),
    want: { valid: false, errorCode: "domain_mismatch", names: ["a.example.com"] },
  },

  // Chain.
  {
    name: "missing intermediate",
    input: async () => ({ certificatePem: (await makeChain()).leafPem }),
    want: { valid: true, warnings: [incomplete], warningCount: 1 },
  },
  {
    name: "leaf and intermediate without the root is incomplete too",
    input: async () => ({ certificatePem: (await makeChain()).chainPem }),
    want: { valid: true, warnings: [/^Incomplete chain: the issuer of "CN=Certdesk Test Intermediate/] },
  },
  {
    name: "caPem completes the chain",
    input: async () => {
      const chain = await makeChain();
      return { certificatePem: chain.leafPem, caPem: chain.intermediatePem! + chain.rootPem };
    },
    want: { valid: true, warningCount: 0 },
  },
  {
    name: "self-signed leaf",
    input: async () => {
      const chain = await makeChain({ selfSigned: true, key: "RSA-2048" });
      return { certificatePem: chain.leafPem, privateKeyPem: chain.keyPem, domain: "example.com" };
    },
    want: { valid: true, warnings: ["Certificate is self-signed"], warningCount: 1 },
  },
  {
    name: "leaf signature that does not verify",
    input: async () => {
      const chain = await makeChain();
      return { certificatePem: corruptSignature(chain.leafPem) + chain.intermediatePem! + chain.rootPem };
    },
    want: {
      valid: false,
      error: 'Certificate chain is broken: the signature of "CN=example.com" does not verify with the key of "CN=Certdesk Test Intermediate, O=Certdesk Test"',
      errorCode: "invalid_certificate",
    },
  },
  {
    name: "intermediate signature that does not verify",
    input: async () => {
      const chain = await makeChain({ key: "RSA-2048" });
      return { certificatePem: chain.leafPem + corruptSignature(chain.intermediatePem!) + chain.rootPem };
    },
    want: { valid: false, error: /^Certificate chain is broken: the signature of "CN=Certdesk Test Intermediate/ },
  },
  {
    name: "self-signed certificate whose self-signature does not verify",
    input: async () => ({ certificatePem: corruptSignature((await makeChain({ selfSigned: true })).leafPem) }),
    want: { valid: false, error: 'The self-signature of "CN=example.com" does not verify', errorCode: "invalid_certificate" },
  },
  {
    name: "issuer that is not a CA (basicConstraints cA false)",
    input: async () => {
      const root = await makeCa({ cn: "Not A CA", isCa: false });
      return { certificatePem: (await makeChain({ issuer: root })).fullPem };
    },
    want: { valid: false, error: 'CA certificate "CN=Not A CA, O=Certdesk Test" is not a CA (basicConstraints cA is false)' },
  },
  {
    name: "a stray unrelated CA certificate is ignored with a warning",
    input: async () => {
      const [chain, stray] = await Promise.all([makeChain(), makeCa({ cn: "Stray Root" })]);
      return { certificatePem: chain.fullPem + stray.pem };
    },
    want: {
      valid: true,
      warnings: ['Ignored 1 certificate(s) that are not part of the chain: "CN=Stray Root, O=Certdesk Test"'],
      warningCount: 1,
    },
  },

  // Algorithm policy.
  {
    name: "RSA-1024 leaf",
    input: async () => {
      const chain = await makeChain({ key: "RSA-1024" });
      return { certificatePem: chain.fullPem, privateKeyPem: chain.keyPkcs1Pem! };
    },
    want: { valid: false, keyType: "RSA-1024", error: "Certificate key is RSA-1024; RSA keys must be at least 2048 bits" },
  },
  {
    name: "RSA-1024 intermediate",
    input: async () => {
      const root = await makeCa({ key: "RSA-2048", cn: "Strong Root" });
      const weak = await makeCa({ key: "RSA-1024", cn: "Weak Intermediate", issuer: root });
      return { certificatePem: (await makeChain({ issuer: weak })).fullPem };
    },
    want: { valid: false, error: 'CA certificate "CN=Weak Intermediate, O=Certdesk Test" has an RSA-1024 key; RSA keys must be at least 2048 bits' },
  },
  {
    name: "SHA-1 signed leaf (RSA)",
    input: async () => ({ certificatePem: (await makeChain({ key: "RSA-2048", hash: "SHA-1" })).fullPem }),
    want: { valid: false, error: "Certificate is signed with SHA-1, which is no longer accepted", errorCode: "invalid_certificate" },
  },
  {
    name: "SHA-1 signed leaf (ECDSA)",
    input: async () => ({ certificatePem: (await makeChain({ key: "EC-P256", hash: "SHA-1" })).fullPem }),
    want: { valid: false, error: "Certificate is signed with SHA-1, which is no longer accepted" },
  },
  {
    name: "SHA-1 signed intermediate",
    input: async () => ({ certificatePem: (await makeChain({ key: "RSA-2048", caHash: "SHA-1" })).fullPem }),
    want: { valid: false, error: 'CA certificate "CN=Certdesk Test Intermediate, O=Certdesk Test" is signed with SHA-1, which is no longer accepted' },
  },
  {
    name: "SHA-1 on the self-signed root is acceptable",
    input: async () => {
      const root = await makeCa({ key: "RSA-2048", cn: "Old SHA-1 Root", hash: "SHA-1" });
      const intermediate = await makeCa({ key: "RSA-2048", cn: "Modern Intermediate", issuer: root });
      return { certificatePem: (await makeChain({ issuer: intermediate })).fullPem };
    },
    want: { valid: true, warningCount: 0 },
  },

  // Purposes (RFC 5280 §4.2.1.12).
  {
    name: "serverAuth purpose, EKU without serverAuth",
    input: async () => ({ certificatePem: (await makeChain({ eku: ["clientAuth"] })).fullPem }),
    want: { valid: true, warnings: [serverEku], warningCount: 1 },
  },
  {
    name: "serverAuth purpose, no EKU extension at all",
    input: async () => ({ certificatePem: (await makeChain({ eku: null })).fullPem }),
    want: { valid: true, warningCount: 0 },
  },
  {
    name: "clientAuth purpose, serverAuth-only certificate",
    input: async () => ({ certificatePem: (await makeChain({ eku: ["serverAuth"] })).fullPem, purpose: "clientAuth" }),
    want: { valid: false, error: clientEku, errorCode: "invalid_certificate" },
  },
  {
    name: "clientAuth purpose, no EKU extension",
    input: async () => ({ certificatePem: (await makeChain({ eku: null })).fullPem, purpose: "clientAuth" }),
    want: { valid: false, error: clientEku },
  },
  {
    name: "clientAuth certificate from the given CA",
    input: async () => {
      const ca = await makeCa({ cn: "Client CA" });
      const client = await makeChain({ issuer: ca, eku: ["clientAuth"], names: [], cn: "client-1" });
      return { certificatePem: client.leafPem, privateKeyPem: client.keyPem, caPem: ca.pem, purpose: "clientAuth" };
    },
    want: { valid: true, warningCount: 0, names: ["client-1"] },
  },
  {
    name: "clientAuth certificate chained through an intermediate to the given root",
    input: async () => {
      const client = await makeChain({ eku: ["clientAuth", "serverAuth"] });
      return { certificatePem: client.chainPem, caPem: client.rootPem, purpose: "clientAuth" };
    },
    want: { valid: true, warningCount: 0 },
  },
  {
    name: "clientAuth certificate not from the given CA",
    input: async () => {
      const [ca, other] = await Promise.all([makeCa({ cn: "Client CA" }), makeCa({ cn: "Other CA" })]);
      const client = await makeChain({ issuer: other, eku: ["clientAuth"] });
      return { certificatePem: client.leafPem, caPem: ca.pem, purpose: "clientAuth" };
    },
    want: { valid: false, error: "Certificate is not signed by the given CA", errorCode: "invalid_certificate" },
  },
  {
    name: "clientAuth certificate from a different CA with the same name as the given one",
    input: async () => {
      const ca = await makeCa({ cn: "Same Name CA", o: "Twin" });
      const impostor = await makeCa({ cn: "Same Name CA", o: "Twin", notAfter: at(400) });
      const client = await makeChain({ issuer: impostor, eku: ["clientAuth"] });
      return { certificatePem: client.leafPem, caPem: ca.pem, purpose: "clientAuth" };
    },
    want: { valid: false, error: "Certificate is not signed by the given CA" },
  },
];

describe("checkCertificate", () => {
  for (const { name, input, want } of cases) {
    it(name, async () => {
      const { report } = await checkCertificate(await input());
      expect(report.valid).toBe(want.valid);
      if (want.valid) {
        expect(report.error).toBeNull();
        expect(report.errorCode).toBeNull();
      }
      if (want.error instanceof RegExp) expect(report.error).toMatch(want.error);
      else if (want.error !== undefined) expect(report.error).toBe(want.error);
      if (want.errorCode) expect(report.errorCode).toBe(want.errorCode);
      if (!want.valid) expect(report.errorCode).not.toBeNull();
      for (const warning of want.warnings ?? []) {
        expect(report.warnings.some((w) => (typeof warning === "string" ? w === warning : warning.test(w))), `warning ${warning} in ${JSON.stringify(report.warnings)}`).toBe(true);
      }
      if (want.warningCount !== undefined) expect(report.warnings, JSON.stringify(report.warnings)).toHaveLength(want.warningCount);
      if (want.keyType) expect(report.keyType).toBe(want.keyType);
      if (want.names) {
        expect(report.names).toEqual(want.names);
        expect(report.domain).toBe(want.names[0]);
      }
    });
  }
});

describe("checkCertificate output", () => {
  it("describes the leaf in the report", async () => {
    const chain = await makeChain({ key: "RSA-2048", names: ["Shop.Example.com", "example.com"], notBefore: at(-1), notAfter: at(89) });
    const { report, notBefore, notAfter } = await checkCertificate({ certificatePem: chain.fullPem });
    expect(report.domain).toBe("shop.example.com");
    expect(report.names).toEqual(["shop.example.com", "example.com"]);
    expect(report.issuer).toBe("Certdesk Test");
    expect(report.issuedAt).toBe(iso(at(-1)));
    expect(report.expiresAt).toBe(iso(at(89)));
    expect(report.issuedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(report.serial).toBe(chain.leaf.serialNumber.toLowerCase());
    expect(report.serial).toMatch(/^[0-9a-f]+$/);
    expect(report.fingerprint).toBe(await fingerprintSha256(new Uint8Array(chain.leaf.rawData)));
    expect(report.fingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(notBefore.getTime()).toBe(at(-1).getTime());
    expect(notAfter.getTime()).toBe(at(89).getTime());
  });

  it("names the issuer by CN when it has no organization", async () => {
    const chain = await makeChain({ selfSigned: true, cn: "self.example.com", names: ["self.example.com"] });
    expect((await checkCertificate({ certificatePem: chain.leafPem })).report.issuer).toBe("self.example.com");
  });

  it("puts an out-of-order bundle in leaf → root order", async () => {
    const chain = await makeChain();
    const result = await checkCertificate({ certificatePem: chain.rootPem + chain.intermediatePem! + chain.leafPem });
    expect(result.leafPem).toBe(chain.leafPem);
    expect(result.chainPem).toBe(chain.intermediatePem! + chain.rootPem);
  });

  it("returns clean PEM for a messy bundle and an empty chain for a lone leaf", async () => {
    const chain = await makeChain();
    const messy = await checkCertificate({ certificatePem: messUp(chain.intermediatePem! + chain.leafPem) });
    expect(messy.leafPem).toBe(chain.leafPem);
    expect(messy.chainPem).toBe(chain.intermediatePem);
    expect((await checkCertificate({ certificatePem: chain.leafPem })).chainPem).toBe("");
  });

  it("does not copy caPem certificates into chainPem", async () => {
    const chain = await makeChain();
    const result = await checkCertificate({ certificatePem: chain.chainPem, caPem: chain.rootPem });
    expect(result.chainPem).toBe(chain.intermediatePem);
  });

  it("normalizes PKCS#1 and SEC1 keys to PKCS#8", async () => {
    for (const chain of [await makeChain({ key: "RSA-2048" }), await makeChain({ key: "EC-P256" })]) {
      const legacy = chain.keyPkcs1Pem ?? chain.keySec1Pem!;
      const result = await checkCertificate({ certificatePem: chain.fullPem, privateKeyPem: legacy });
      expect(result.privateKeyPkcs8Pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(result.report.valid).toBe(true);
      // The normalized key still matches the certificate.
      const again = await checkCertificate({ certificatePem: chain.fullPem, privateKeyPem: result.privateKeyPkcs8Pem! });
      expect(again.report.valid).toBe(true);
      expect((await parsePrivateKey(result.privateKeyPkcs8Pem!)).keyType).toBe(result.report.keyType);
    }
  });

  it("returns no key when none is given", async () => {
    const result = await checkCertificate({ certificatePem: (await makeChain()).fullPem });
    expect(result.privateKeyPkcs8Pem).toBeNull();
  });
});
