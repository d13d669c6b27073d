/**
 * STAND-IN for `pki/private-ca/` (the i21-pki-certs and i21-pki-nc branches), written to the agreed signatures so that
 * the service can be built and tested before those land. Deleted at the merge: services then import `pki/private-ca`.
 * Pure: no D1, no env; throws AppError.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn1X509 from "@peculiar/asn1-x509";
import ipaddr from "ipaddr.js";
import { AppError } from "../core/errors";
import { parsePrivateKey } from "./private-key";
import { x509 } from "./x509-setup";

// names.ts
export interface SubjectNames {
  commonName?: string;
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  emails: string[];
}
export const MAX_NAMES = 100;

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function normalizeDns(name: string, allowWildcards: boolean): string | null {
  const lower = name.trim().toLowerCase().replace(/\.$/, "");
  if (lower.length === 0 || lower.length > 253) return null;
  const labels = lower.split(".");
  const rest = labels[0] === "*" ? (allowWildcards ? labels.slice(1) : null) : labels;
  if (rest === null || rest.length < 1) return null;
  return rest.every((label) => DNS_LABEL.test(label)) ? lower : null;
}

export function normalizeSubjectNames(input: Partial<SubjectNames>, options: { allowWildcards: boolean }): SubjectNames {
  const dnsNames = input.dnsNames ?? [];
  const ipAddresses = input.ipAddresses ?? [];
  const uris = input.uris ?? [];
  const emails = input.emails ?? [];
  if (dnsNames.length + ipAddresses.length + uris.length + emails.length > MAX_NAMES) {
    throw new AppError("validation_failed", `at most ${MAX_NAMES} names in one certificate`, { param: "dnsNames" });
  }
  const dns = dnsNames.map((name) => {
    const normal = normalizeDns(name, options.allowWildcards);
    if (normal === null) {
      const why = name.includes("*") && !options.allowWildcards ? "a wildcard is not allowed for this profile" : "not a DNS name";
      throw new AppError("validation_failed", `dnsNames: "${name.slice(0, 80)}" is ${why}`, { param: "dnsNames" });
    }
    return normal;
  });
  const ips = ipAddresses.map((ip) => {
    if (!ipaddr.isValid(ip)) throw new AppError("validation_failed", `ipAddresses: "${ip.slice(0, 80)}" is not an IP address`, { param: "ipAddresses" });
    return ipaddr.parse(ip).toString();
  });
  for (const uri of uris) {
    if (!URL.canParse(uri)) throw new AppError("validation_failed", `uris: "${uri.slice(0, 80)}" is not a URI`, { param: "uris" });
  }
  for (const email of emails) {
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new AppError("validation_failed", `emails: "${email.slice(0, 80)}" is not an email address`, { param: "emails" });
  }
  const commonName = input.commonName?.trim() || undefined;
  return { ...(commonName ? { commonName } : {}), dnsNames: [...new Set(dns)], ipAddresses: [...new Set(ips)], uris, emails };
}

// name-constraints.ts
export interface NameConstraints {
  permittedDnsDomains: string[];
  excludedDnsDomains: string[];
  permittedIpRanges: string[];
  excludedIpRanges: string[];
}

function parseDomain(domain: string, param: string): string {
  const normal = normalizeDns(domain.replace(/^\./, ""), false);
  if (normal === null) throw new AppError("validation_failed", `nameConstraints.${param}: "${domain.slice(0, 80)}" is not a DNS domain`, { param: `nameConstraints.${param}` });
  return normal;
}

function parseRange(range: string, param: string): string {
  try {
    const [address, bits] = ipaddr.parseCIDR(range);
    return `${address.toString()}/${bits}`;
  } catch {
    throw new AppError("validation_failed", `nameConstraints.${param}: "${range.slice(0, 80)}" is not an IP range in CIDR form`, { param: `nameConstraints.${param}` });
  }
}

export function parseNameConstraints(input: { permittedDnsDomains?: string[]; excludedDnsDomains?: string[]; permittedIpRanges?: string[]; excludedIpRanges?: string[] }): NameConstraints {
  return {
    permittedDnsDomains: (input.permittedDnsDomains ?? []).map((d) => parseDomain(d, "permittedDnsDomains")),
    excludedDnsDomains: (input.excludedDnsDomains ?? []).map((d) => parseDomain(d, "excludedDnsDomains")),
    permittedIpRanges: (input.permittedIpRanges ?? []).map((r) => parseRange(r, "permittedIpRanges")),
    excludedIpRanges: (input.excludedIpRanges ?? []).map((r) => parseRange(r, "excludedIpRanges")),
  };
}

function subtrees(domains: string[], ranges: string[]): asn1X509.GeneralSubtrees | undefined {
  const items = [
    ...domains.map((dNSName) => new asn1X509.GeneralSubtree({ base: new asn1X509.GeneralName({ dNSName }) })),
    ...ranges.map((iPAddress) => new asn1X509.GeneralSubtree({ base: new asn1X509.GeneralName({ iPAddress }) })),
  ];
  return items.length > 0 ? new asn1X509.GeneralSubtrees(items) : undefined;
}

export function nameConstraintsExtension(constraints: NameConstraints): x509.Extension {
  const value = new asn1X509.NameConstraints({
    permittedSubtrees: subtrees(constraints.permittedDnsDomains, constraints.permittedIpRanges),
    excludedSubtrees: subtrees(constraints.excludedDnsDomains, constraints.excludedIpRanges),
  });
  return new x509.Extension(asn1X509.id_ce_nameConstraints, true, AsnConvert.serialize(value));
}

export function readNameConstraints(certificate: x509.X509Certificate): NameConstraints | null {
  const extension = certificate.getExtension(asn1X509.id_ce_nameConstraints);
  if (!extension) return null;
  const value = AsnConvert.parse(extension.value, asn1X509.NameConstraints);
  const read = (trees: asn1X509.GeneralSubtrees | undefined) => ({
    dns: (trees ?? []).flatMap((tree) => (tree.base.dNSName ? [tree.base.dNSName.toLowerCase().replace(/^\./, "")] : [])),
    ip: (trees ?? []).flatMap((tree) => (tree.base.iPAddress ? [tree.base.iPAddress] : [])),
  });
  const permitted = read(value.permittedSubtrees);
  const excluded = read(value.excludedSubtrees);
  return { permittedDnsDomains: permitted.dns, excludedDnsDomains: excluded.dns, permittedIpRanges: permitted.ip, excludedIpRanges: excluded.ip };
}

const withinDomain = (name: string, domain: string) => name === domain || name.endsWith(`.${domain}`);

function withinRange(ip: string, range: string): boolean {
  try {
    const address = ipaddr.parse(ip);
    const cidr = ipaddr.parseCIDR(range);
    return address.kind() === cidr[0].kind() && address.match(cidr);
  } catch {
    return false;
  }
}

export function namesOutsideConstraints(names: SubjectNames, constraints: NameConstraints[]): string[] {
  const dns = [...names.dnsNames, ...(names.commonName && normalizeDns(names.commonName, true) ? [names.commonName.toLowerCase()] : [])];
  const outside = new Set<string>();
  for (const c of constraints) {
    for (const name of dns) {
      const bare = name.replace(/^\*\./, "");
      if (c.permittedDnsDomains.length > 0 && !c.permittedDnsDomains.some((d) => withinDomain(bare, d))) outside.add(name);
      if (c.excludedDnsDomains.some((d) => withinDomain(bare, d) || withinDomain(d, bare))) outside.add(name);
    }
    for (const ip of names.ipAddresses) {
      if (c.permittedIpRanges.length > 0 && !c.permittedIpRanges.some((r) => withinRange(ip, r))) outside.add(ip);
      if (c.excludedIpRanges.some((r) => withinRange(ip, r))) outside.add(ip);
    }
  }
  return [...outside];
}

// certificate-request.ts
export interface CertificateRequest {
  publicKey: CryptoKey;
  names: SubjectNames;
  keyDescription: string;
}

export async function readCertificateRequest(pem: string): Promise<CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem.trim());
  } catch {
    throw new AppError("validation_failed", "csr: not a PEM PKCS#10 certificate request", { param: "csr" });
  }
  let verified = false;
  try {
    verified = await csr.verify();
  } catch {
    verified = false;
  }
  if (!verified) throw new AppError("validation_failed", "the CSR's signature does not verify", { param: "csr" });
  const algorithm = csr.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  let keyDescription: string;
  let importParams: RsaHashedImportParams | EcKeyImportParams;
  if (algorithm.name === "ECDSA" && (algorithm.namedCurve === "P-256" || algorithm.namedCurve === "P-384")) {
    keyDescription = `EC ${algorithm.namedCurve}`;
    importParams = { name: "ECDSA", namedCurve: algorithm.namedCurve };
  } else if (algorithm.name === "RSASSA-PKCS1-v1_5" && (algorithm.modulusLength ?? 0) >= 2048) {
    keyDescription = `RSA ${algorithm.modulusLength}`;
    importParams = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  } else {
    throw new AppError("validation_failed", "csr: the key must be RSA 2048 or larger, or EC P-256 or P-384", { param: "csr" });
  }
  const publicKey = await crypto.subtle.importKey("spki", csr.publicKey.rawData, importParams, true, ["verify"]);
  const san = csr.getExtension(asn1X509.id_ce_subjectAltName) as x509.SubjectAlternativeNameExtension | null;
  const items: readonly { type: string; value: string }[] = san?.names.items ?? [];
  const of = (type: string) => items.filter((item) => item.type === type).map((item) => item.value);
  const commonName = csr.subjectName.getField("CN")[0];
  return { publicKey, keyDescription, names: { ...(commonName ? { commonName } : {}), dnsNames: of("dns"), ipAddresses: of("ip"), uris: of("url"), emails: of("email") } };
}

// crl.ts
export type RevocationReason = "unspecified" | "keyCompromise" | "cACompromise" | "affiliationChanged" | "superseded" | "cessationOfOperation" | "certificateHold" | "privilegeWithdrawn" | "aACompromise";
export const REVOCATION_REASONS: readonly RevocationReason[] = ["unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold", "privilegeWithdrawn", "aACompromise"];
export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
  reason: RevocationReason;
}
const REASON_CODES: Record<RevocationReason, number> = { unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3, superseded: 4, cessationOfOperation: 5, certificateHold: 6, privilegeWithdrawn: 9, aACompromise: 10 };

export async function createCrl(input: { issuer: SigningCa; crlNumber: bigint | number; thisUpdate: Date; nextUpdate: Date; entries: RevokedEntry[] }): Promise<ArrayBuffer> {
  const crlNumber = new x509.Extension(asn1X509.id_ce_cRLNumber, false, AsnConvert.serialize(new asn1X509.CRLNumber(Number(input.crlNumber))));
  const crl = await x509.X509CrlGenerator.create({
    issuer: input.issuer.certificate.subjectName,
    thisUpdate: input.thisUpdate,
    nextUpdate: input.nextUpdate,
    signingAlgorithm: signingAlgorithmOf(input.issuer.privateKey),
    signingKey: input.issuer.privateKey,
    extensions: [crlNumber, await x509.AuthorityKeyIdentifierExtension.create(input.issuer.certificate.publicKey)],
    entries: input.entries.map((entry) => ({ serialNumber: entry.serialHex, revocationDate: entry.revokedAt, reason: REASON_CODES[entry.reason] as x509.X509CrlReason })),
  });
  return crl.rawData;
}

// serial.ts
export function randomSerialHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, and 16 octets in DER
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// profiles.ts
export type LeafProfile = "server" | "client" | "server-client";
export const LEAF_PROFILES: readonly LeafProfile[] = ["server", "client", "server-client"];
const PROFILE_EKUS: Record<LeafProfile, string[]> = { server: [x509.ExtendedKeyUsage.serverAuth], client: [x509.ExtendedKeyUsage.clientAuth], "server-client": [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] };

export function assertProfileAllowedBy(ca: x509.X509Certificate, profile: LeafProfile): void {
  const eku = ca.getExtension(x509.ExtendedKeyUsageExtension);
  if (!eku) return;
  const allowed = eku.usages.map(String);
  if (allowed.includes("2.5.29.37.0")) return;
  if (!PROFILE_EKUS[profile].every((usage) => allowed.includes(usage))) {
    throw new AppError("validation_failed", `profile "${profile}" is not allowed by the CA's extendedKeyUsage`, { param: "profile" });
  }
}

// ca-certificate.ts
export interface SigningCa {
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
}
export type CaKeySpec = { keyType: "ec"; keySize: 256 | 384 } | { keyType: "rsa"; keySize: 2048 | 3072 | 4096 };

export async function generateCaKey(spec: CaKeySpec): Promise<CryptoKeyPair> {
  const params = spec.keyType === "ec" ? { name: "ECDSA", namedCurve: `P-${spec.keySize}` } : { name: "RSASSA-PKCS1-v1_5", modulusLength: spec.keySize, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  return (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
}

function signingAlgorithmOf(key: CryptoKey): Algorithm | EcdsaParams {
  const algorithm = key.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name === "ECDSA") return { name: "ECDSA", hash: algorithm.namedCurve === "P-384" ? "SHA-384" : "SHA-256" } as EcdsaParams;
  return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm;
}

export interface CaSubject {
  commonName: string;
  organization?: string;
}

const escapeRdn = (value: string) => value.replace(/([,+"\\<>;=])/g, "\\$1");

export async function createCaCertificate(input: {
  subject: CaSubject;
  keys: CryptoKeyPair;
  issuer?: SigningCa;
  notBefore: Date;
  notAfter: Date;
  pathLength?: number;
  nameConstraints?: NameConstraints | null;
  crlUrl?: string;
  caIssuersUrl?: string;
}): Promise<x509.X509Certificate> {
  const subject = `CN=${escapeRdn(input.subject.commonName)}${input.subject.organization ? `, O=${escapeRdn(input.subject.organization)}` : ""}`;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, input.pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
    await x509.SubjectKeyIdentifierExtension.create(input.keys.publicKey),
  ];
  const c = input.nameConstraints;
  if (c && c.permittedDnsDomains.length + c.excludedDnsDomains.length + c.permittedIpRanges.length + c.excludedIpRanges.length > 0) extensions.push(nameConstraintsExtension(c));
  if (input.issuer) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(input.issuer.certificate.publicKey));
    if (input.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([input.crlUrl]));
    if (input.caIssuersUrl) extensions.push(new x509.AuthorityInfoAccessExtension({ caIssuers: new x509.GeneralName("url", input.caIssuersUrl) }));
  }
  const signer = input.issuer?.privateKey ?? input.keys.privateKey;
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject,
    issuer: input.issuer ? input.issuer.certificate.subject : subject,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    publicKey: input.keys.publicKey,
    signingKey: signer,
    signingAlgorithm: signingAlgorithmOf(signer),
    extensions,
  });
}

// leaf-certificate.ts
export async function createLeafCertificate(input: {
  issuer: SigningCa;
  publicKey: CryptoKey;
  profile: LeafProfile;
  names: SubjectNames;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  crlUrl?: string;
  caIssuersUrl: string;
}): Promise<x509.X509Certificate> {
  const isRsa = input.publicKey.algorithm.name.startsWith("RSA");
  const san = [
    ...input.names.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...input.names.ipAddresses.map((value) => ({ type: "ip" as const, value })),
    ...input.names.uris.map((value) => ({ type: "url" as const, value })),
    ...input.names.emails.map((value) => ({ type: "email" as const, value })),
  ];
  const subject = input.names.commonName ? `CN=${escapeRdn(input.names.commonName)}` : "";
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0), true),
    new x509.ExtendedKeyUsageExtension(PROFILE_EKUS[input.profile] as x509.ExtendedKeyUsageType[], false),
    await x509.SubjectKeyIdentifierExtension.create(input.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(input.issuer.certificate.publicKey),
    new x509.AuthorityInfoAccessExtension({ caIssuers: new x509.GeneralName("url", input.caIssuersUrl) }),
  ];
  if (san.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(san, subject === ""));
  if (input.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([input.crlUrl]));
  return x509.X509CertificateGenerator.create({
    serialNumber: input.serialHex,
    subject,
    issuer: input.issuer.certificate.subject,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    publicKey: input.publicKey,
    signingKey: input.issuer.privateKey,
    signingAlgorithm: signingAlgorithmOf(input.issuer.privateKey),
    extensions,
  });
}

// imported-ca.ts
export async function checkImportedCa(input: { certificate: string; privateKey: string; chain?: string }): Promise<{ certificate: x509.X509Certificate; privateKey: CryptoKey; privateKeyPem: string; chain: x509.X509Certificate[] }> {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(input.certificate.trim());
  } catch {
    throw new AppError("invalid_certificate", "certificate: not a PEM certificate", { param: "certificate" });
  }
  const basic = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) throw new AppError("invalid_certificate", "certificate: not a CA certificate (basicConstraints CA:true is missing)", { param: "certificate" });
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  if (usage && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) throw new AppError("invalid_certificate", "certificate: keyUsage lacks keyCertSign", { param: "certificate" });
  const now = Date.now();
  if (certificate.notBefore.getTime() > now || certificate.notAfter.getTime() < now) throw new AppError("invalid_certificate", "certificate: not currently valid", { param: "certificate" });
  const parsed = await parsePrivateKey(input.privateKey);
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", parsed.pkcs8, parsed.importParams, true, ["sign"]);
  } catch {
    throw new AppError("key_mismatch", "privateKey does not match the certificate", { param: "privateKey" });
  }
  const probe = new Uint8Array(32);
  const signParams = parsed.algorithm === "EC" ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" };
  const signature = await crypto.subtle.sign(signParams, privateKey, probe).catch(() => null);
  const publicKey = await certificate.publicKey.export(parsed.importParams, ["verify"]).catch(() => null);
  if (!signature || !publicKey || !(await crypto.subtle.verify(signParams, publicKey, signature, probe).catch(() => false))) {
    throw new AppError("key_mismatch", "privateKey does not match the certificate", { param: "privateKey" });
  }
  let chain: x509.X509Certificate[] = [];
  try {
    chain = input.chain?.trim() ? x509.PemConverter.decode(input.chain).map((der) => new x509.X509Certificate(der)) : [];
  } catch {
    throw new AppError("invalid_certificate", "chain: not PEM certificates", { param: "chain" });
  }
  return { certificate, privateKey, privateKeyPem: parsed.pkcs8Pem, chain };
}
