import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { type CertificateCheckInput, checkCertificate, createCsr, parseCertificateBundle } from "../../../src/pki";
import { x509 } from "../../../src/pki/x509-setup";
import { expectAppError } from "./helpers";
import {
  encryptedPkcs8Pem,
  fromPem,
  makeCa,
  makeChain,
  type TestChain,
  toPem,
} from "../../support/pki-fixtures";

interface Fixtures {
  chain: TestChain;
  other: TestChain;
  rsa: TestChain;
  certDer: Uint8Array<ArrayBuffer>;
  csrPem: string;
  publicKeyPem: string;
  badSanPem: string;
  encryptedPem: string;
}
let f: Fixtures;

beforeAll(async () => {
  const [chain, other, rsa] = await Promise.all([makeChain(), makeChain({ names: ["other.org"] }), makeChain({ key: "RSA-2048" })]);
  const csr = await createCsr(chain.key, ["example.com"]);
  const spki = (await crypto.subtle.exportKey("spki", chain.key.publicKey)) as ArrayBuffer;
  const ca = await makeCa();
  const badSan = await x509.X509CertificateGenerator.create({
    subject: "CN=bad-san.example.com",
    issuer: ca.cert.subjectName,
    publicKey: chain.key.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as Algorithm,
    extensions: [new x509.Extension("2.5.29.17", false, new Uint8Array([0x30, 0x05, 0x82, 0x09, 0x61]))],
  });
  f = {
    chain,
    other,
    rsa,
    certDer: fromPem(chain.leafPem),
    csrPem: toPem(csr, "CERTIFICATE REQUEST"),
    publicKeyPem: toPem(spki, "PUBLIC KEY"),
    badSanPem: badSan.toString("pem"),
    encryptedPem: await encryptedPkcs8Pem(chain.keyPem),
  };
});

// A minimal DER writer for hostile structures.
function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return new Uint8Array([tag, ...length, ...body]);
}
const bytes = (...values: number[]) => new Uint8Array(values);
const latin1 = (der: Uint8Array) => String.fromCharCode(...der);
const block = (label: string, der: Uint8Array) => toPem(der, label);
function deepSequence(depth: number): Uint8Array {
  let der: Uint8Array = bytes(0x05, 0x00);
  for (let i = 0; i < depth; i++) der = tlv(0x30, der);
  return der;
}
function randomBytes(n: number, seed: number): Uint8Array {
  let x = seed;
  return Uint8Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff);
}
function bodyOf(pem: string): string {
  return pem.split("\n").filter((line) => line && !line.startsWith("-----")).join("");
}

type Row = { name: string; input: () => unknown; want: string | RegExp };

const expectedCert = "Expected a PEM certificate but found";
const certificateRows: Row[] = [
  { name: "empty string", input: () => "", want: "Expected a PEM certificate but the input is empty" },
  { name: "only whitespace", input: () => " \r\n\t \n", want: "Expected a PEM certificate but the input is empty" },
  { name: "undefined", input: () => undefined, want: `${expectedCert} undefined` },
  { name: "a number", input: () => 42, want: `${expectedCert} number` },
  { name: "an object", input: () => ({ pem: "x" }), want: `${expectedCert} object` },
  { name: "plain words", input: () => "hello world", want: `${expectedCert} text that is not PEM (no -----BEGIN line)` },
  { name: "unicode garbage", input: () => "証明書をここに貼り付けてください", want: `${expectedCert} text that is not PEM (no -----BEGIN line)` },
  { name: "base64 without armor", input: () => bodyOf(f.chain.leafPem), want: `${expectedCert} base64 text without -----BEGIN/-----END lines` },
  { name: "DER read as text", input: () => latin1(f.certDer), want: `${expectedCert} binary data (DER?); send it PEM-encoded` },
  { name: "NUL bytes", input: () => "\u0000\u0000\u0000", want: /binary data/ },
  { name: "JSON", input: () => '{"certificate":"-"}', want: `${expectedCert} JSON, not PEM` },
  { name: "HTML", input: () => "<html><body>502 Bad Gateway</body></html>", want: `${expectedCert} HTML or XML, not PEM` },
  { name: "OpenSSH public key", input: () => "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB user@host", want: `${expectedCert} an OpenSSH public key` },
  {
    name: "BEGIN line only",
    input: () => "-----BEGIN CERTIFICATE-----\nMIIB",
    want: 'PEM block "CERTIFICATE" is truncated: the -----END CERTIFICATE----- line is missing',
  },
  { name: "END line only", input: () => "MIIB\n-----END CERTIFICATE-----", want: "Found -----END CERTIFICATE----- without a matching BEGIN line" },
  { name: "empty block", input: () => "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----", want: 'PEM block "CERTIFICATE" is empty' },
  {
    name: "mismatched END label",
    input: () => f.chain.leafPem.replace("END CERTIFICATE", "END PRIVATE KEY"),
    want: 'PEM block "CERTIFICATE" ends with a mismatched -----END PRIVATE KEY----- line',
  },
  {
    name: "second BEGIN before END",
    input: () => f.chain.leafPem.replace("-----END CERTIFICATE-----", "") + f.chain.leafPem,
    want: 'PEM block "CERTIFICATE" is truncated: another BEGIN line comes before its END line',
  },
  { name: "malformed boundary dashes", input: () => f.chain.leafPem.replace("CERTIFICATE-----\n", "CERTIFICATE----\n"), want: /^Malformed PEM boundary line "-----BEGIN CERTIFICATE----"/ },
  { name: "characters outside base64", input: () => "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----", want: 'PEM block "CERTIFICATE" contains characters that are not base64' },
  {
    name: "truncated base64 (one character short)",
    input: () => `-----BEGIN CERTIFICATE-----\n${bodyOf(f.chain.leafPem).slice(0, -1)}\n-----END CERTIFICATE-----`,
    want: 'PEM block "CERTIFICATE" has truncated base64 (its length is not a multiple of 4)',
  },
  {
    name: "truncated DER (last 64 base64 characters cut)",
    input: () => `-----BEGIN CERTIFICATE-----\n${bodyOf(f.chain.leafPem).slice(0, 256)}\n-----END CERTIFICATE-----`,
    want: "The certificate is not a valid X.509 certificate: the DER data is truncated",
  },
  {
    name: "trailing data after the certificate",
    input: () => block("CERTIFICATE", new Uint8Array([...f.certDer, 0x00, 0x00])),
    want: "The certificate is not a valid X.509 certificate: there is extra data after the DER structure",
  },
  { name: "random bytes", input: () => block("CERTIFICATE", randomBytes(300, 7).map((b, i) => (i === 0 ? 0x04 : b))), want: "The certificate is not a valid X.509 certificate: it is not an ASN.1 SEQUENCE" },
  { name: "tiny SEQUENCE", input: () => block("CERTIFICATE", bytes(0x30, 0x03, 0x02, 0x01, 0x00)), want: "The certificate is not a valid X.509 certificate: the ASN.1 structure is invalid" },
  { name: "empty SEQUENCE", input: () => block("CERTIFICATE", bytes(0x30, 0x00)), want: "The certificate is not a valid X.509 certificate: the ASN.1 structure is invalid" },
  { name: "BER indefinite length", input: () => block("CERTIFICATE", bytes(0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00)), want: /uses BER indefinite lengths, not DER$/ },
  { name: "length claiming 2 GiB", input: () => block("CERTIFICATE", bytes(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00)), want: /the DER data is truncated$/ },
  { name: "length with 9 octets", input: () => block("CERTIFICATE", bytes(0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1)), want: /the DER data is truncated$/ },
  { name: "SEQUENCE nested 500 deep", input: () => block("CERTIFICATE", deepSequence(500)), want: "The certificate is not a valid X.509 certificate: the ASN.1 structure is invalid" },
  { name: "a CSR", input: () => f.csrPem, want: `${expectedCert} a certificate signing request (CSR)` },
  { name: "a NEW CERTIFICATE REQUEST", input: () => f.csrPem.replace(/CERTIFICATE REQUEST/g, "NEW CERTIFICATE REQUEST"), want: `${expectedCert} a certificate signing request (CSR)` },
  { name: "a PKCS#8 private key", input: () => f.chain.keyPem, want: `${expectedCert} a private key` },
  { name: "a PKCS#1 private key", input: () => f.rsa.keyPkcs1Pem!, want: `${expectedCert} a private key` },
  { name: "a SEC1 private key", input: () => f.chain.keySec1Pem!, want: `${expectedCert} a private key` },
  { name: "an encrypted private key", input: () => f.encryptedPem, want: `${expectedCert} an encrypted private key` },
  { name: "a public key", input: () => f.publicKeyPem, want: `${expectedCert} a public key` },
  { name: "a CRL", input: () => block("X509 CRL", bytes(0x30, 0x00)), want: `${expectedCert} a certificate revocation list (CRL)` },
  { name: "a PKCS#7 bundle", input: () => block("PKCS7", bytes(0x30, 0x00)), want: `${expectedCert} a PKCS#7 bundle` },
  { name: "EC parameters", input: () => block("EC PARAMETERS", bytes(0x06, 0x01, 0x00)), want: `${expectedCert} EC parameters` },
  { name: "an OpenSSH private key", input: () => block("OPENSSH PRIVATE KEY", bytes(1, 2, 3)), want: `${expectedCert} an OpenSSH private key` },
  { name: "a PGP block", input: () => block("PGP PUBLIC KEY BLOCK", bytes(1, 2, 3)), want: `${expectedCert} a PGP block` },
  { name: "an unknown label", input: () => block("FOO", bytes(1, 2, 3)), want: `${expectedCert} a PEM block labelled "FOO"` },
  { name: "an OpenSSL TRUSTED CERTIFICATE", input: () => f.chain.leafPem.replace(/CERTIFICATE/g, "TRUSTED CERTIFICATE"), want: /TRUSTED CERTIFICATE/ },
  { name: "certificate followed by its key", input: () => f.chain.leafPem + f.chain.keyPem, want: "Expected only PEM certificates but also found a private key" },
  { name: "private key DER labelled CERTIFICATE", input: () => block("CERTIFICATE", fromPem(f.chain.keyPem)), want: "The certificate is not a valid X.509 certificate: it contains a private key" },
  { name: "CSR DER labelled CERTIFICATE", input: () => block("CERTIFICATE", fromPem(f.csrPem)), want: "The certificate is not a valid X.509 certificate: it contains a certificate signing request (CSR)" },
  { name: "public key DER labelled CERTIFICATE", input: () => block("CERTIFICATE", fromPem(f.publicKeyPem)), want: "The certificate is not a valid X.509 certificate: it contains a public key" },
  { name: "encrypted key DER labelled CERTIFICATE", input: () => block("CERTIFICATE", fromPem(f.encryptedPem)), want: "The certificate is not a valid X.509 certificate: it contains an encrypted private key" },
  { name: "a malformed subjectAltName extension", input: () => f.badSanPem, want: "The certificate has a malformed subjectAltName extension" },
  {
    name: "a broken second certificate in a bundle",
    input: () => f.chain.leafPem + block("CERTIFICATE", bytes(0x30, 0x00)),
    want: "Certificate 2 of 2 in the bundle is not a valid X.509 certificate: the ASN.1 structure is invalid",
  },
  { name: "11 certificates", input: () => f.chain.leafPem.repeat(11), want: "Expected at most 10 certificates in the bundle but found 11" },
  { name: "65 PEM blocks", input: () => block("FOO", bytes(0x30, 0x00)).repeat(65), want: `Expected a PEM certificate but found more than 64 PEM blocks` },
  {
    name: "two unrelated leaf certificates",
    input: () => f.chain.fullPem + f.other.leafPem,
    want: /^Expected one certificate with its chain but found 2 unrelated leaf certificates \("CN=example.com", "CN=other.org"\)$/,
  },
  { name: "input over 256 KiB", input: () => "A".repeat(300 * 1024), want: "Expected a PEM certificate but the input is too large (at most 256 KiB)" },
  { name: "one block over 64 KiB", input: () => `-----BEGIN CERTIFICATE-----\n${"QUFB".repeat(23_000)}\n-----END CERTIFICATE-----`, want: 'PEM block "CERTIFICATE" is too large (at most 64 KiB)' },
];

describe("malformed certificates are refused with a specific 400", () => {
  it("has at least 40 distinct hostile inputs", () => {
    expect(new Set(certificateRows.map((row) => row.name)).size).toBeGreaterThanOrEqual(40);
  });
  for (const { name, input, want } of certificateRows) {
    it(name, () =>
      expectAppError(() => checkCertificate({ certificatePem: input() as string }), "invalid_certificate", want),
    );
  }
  it("parseCertificateBundle refuses the same way", () =>
    expectAppError(async () => parseCertificateBundle(f.csrPem), "invalid_certificate", `${expectedCert} a certificate signing request (CSR)`));
  it("says which field was wrong in the error detail", async () => {
    const error = await checkCertificate({ certificatePem: f.chain.leafPem, caPem: "nope" }).catch((e: AppError) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).detail).toEqual({ field: "ca" });
  });
});

describe("malformed CA certificates are refused", () => {
  const rows: Row[] = [
    { name: "a CSR as CA", input: () => f.csrPem, want: "Expected a PEM CA certificate but found a certificate signing request (CSR)" },
    { name: "garbage as CA", input: () => "garbage", want: "Expected a PEM CA certificate but found text that is not PEM (no -----BEGIN line)" },
    { name: "empty CA", input: () => "", want: "Expected a PEM CA certificate but the input is empty" },
    { name: "a key as CA", input: () => f.chain.keyPem, want: "Expected a PEM CA certificate but found a private key" },
  ];
  for (const { name, input, want } of rows) {
    it(name, () =>
      expectAppError(() => checkCertificate({ certificatePem: f.chain.leafPem, caPem: input() as string }), "invalid_certificate", want),
    );
  }
});

describe("bad check options are refused", () => {
  const rows: { name: string; input: () => CertificateCheckInput; want: string }[] = [
    { name: "unknown purpose", input: () => ({ certificatePem: f.chain.leafPem, purpose: "codeSigning" as "serverAuth" }), want: 'Unknown certificate purpose "codeSigning"' },
    { name: "invalid date", input: () => ({ certificatePem: f.chain.leafPem, now: new Date("nope") }), want: "Invalid check time" },
    { name: "non-string domain", input: () => ({ certificatePem: f.chain.leafPem, domain: 42 as unknown as string }), want: "Domain must be a string" },
    { name: "null input", input: () => null as unknown as CertificateCheckInput, want: "Expected certificate input" },
  ];
  for (const { name, input, want } of rows) {
    it(name, () => expectAppError(() => checkCertificate(input()), "bad_request", want));
  }
});
