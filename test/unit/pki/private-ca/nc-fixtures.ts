/** Test CAs and CSRs for the name-constraints, CSR and CRL tests, every key generated at test time. */
import { x509 } from "../../../../src/pki/x509-setup";

export type TestKeyType = "P-256" | "P-384" | "RSA-2048" | "RSA-1024" | "P-521";

export function keyAlgorithm(type: TestKeyType): RsaHashedKeyGenParams | EcKeyGenParams {
  if (type.startsWith("RSA")) {
    return { name: "RSASSA-PKCS1-v1_5", modulusLength: Number(type.slice(4)), publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  }
  return { name: "ECDSA", namedCurve: type };
}

export function signingAlgorithm(type: TestKeyType): Algorithm | EcdsaParams {
  if (type.startsWith("RSA")) return { name: "RSASSA-PKCS1-v1_5" };
  return { name: "ECDSA", hash: type === "P-384" ? "SHA-384" : type === "P-521" ? "SHA-512" : "SHA-256" } as EcdsaParams;
}

export async function generateKeys(type: TestKeyType): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(keyAlgorithm(type), true, ["sign", "verify"])) as CryptoKeyPair;
}

const day = 86_400_000;

/** A self-signed CA (basicConstraints CA, keyCertSign + cRLSign, SKI), with extra extensions when given. */
export async function makeTestCa(type: TestKeyType = "P-256", extensions: x509.Extension[] = [], commonName = "Test Root") {
  const keys = await generateKeys(type);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "0102030405060708",
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + 30 * day),
    keys,
    signingAlgorithm: signingAlgorithm(type),
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...extensions,
    ],
  });
  return { certificate, privateKey: keys.privateKey, keys };
}

export interface TestCsrNames {
  commonName?: string;
  san?: x509.JsonGeneralNames;
}

/** A PKCS#10 request signed with a fresh key of `type`; the SAN extension holds `san` when given. */
export async function makeTestCsr(type: TestKeyType, names: TestCsrNames) {
  const keys = await generateKeys(type);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: names.commonName ? `CN=${names.commonName}` : "",
    keys,
    signingAlgorithm: signingAlgorithm(type),
    extensions: names.san ? [new x509.SubjectAlternativeNameExtension(names.san)] : [],
  });
  return { csr, keys, pem: csr.toString("pem") };
}

/** The same DER with one byte of the signature flipped (the signature BIT STRING is the DER's tail). */
export function tamperSignature(csr: x509.Pkcs10CertificateRequest): string {
  const der = new Uint8Array(csr.rawData.slice(0));
  der[der.length - 5] = der[der.length - 5]! ^ 0x01;
  return x509.PemConverter.encode(der.buffer, "CERTIFICATE REQUEST");
}
