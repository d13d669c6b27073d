import { describe } from "vitest";
import { corruptSignature, makeCa, makeChain } from "../../support/pki-fixtures";
import { at, type CheckCase, runCheckCases } from "./helpers";

// checkCertificate: chain building, algorithm policy and purposes (RFC 5280 §4.2.1.12).
const incomplete = /^Incomplete chain: /;
const serverEku = "Certificate does not allow server authentication (no serverAuth extended key usage)";
const clientEku = "Certificate does not allow client authentication (no clientAuth extended key usage)";

const cases: CheckCase[] = [
  // Chain.
  {
    name: "missing intermediate",
    input: async () => ({ certificatePem: (await makeChain()).leafPem }),
    want: { valid: true, warnings: [incomplete], warningCount: 1 },
  },
  {
    name: "leaf and intermediate without the root is complete as a server sends it",
    input: async () => ({ certificatePem: (await makeChain()).chainPem }),
    want: { valid: true, warningCount: 0 },
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

describe("checkCertificate: chain, algorithms, purposes", () => runCheckCases(cases));
