import { describe } from "vitest";
import { makeChain, messUp, toSec1Pem } from "../../support/pki-fixtures";
import { at, type CheckCase, iso, runCheckCases } from "./helpers";

// checkCertificate: key types and formats, key match, validity dates, names. Chain and policy cases are in check-chain-policy.test.ts.
const cases: CheckCase[] = [
  // Happy paths: every key type, every key format, the full chain with root.
  ...(["RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384"] as const).map(
    (key): CheckCase => ({
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

];

describe("checkCertificate: keys, dates, names", () => runCheckCases(cases));
