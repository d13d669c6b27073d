/** How `/api/v1/cas…` answers: a CA and a certificate it issued, never a private key. */
import { z } from "@hono/zod-openapi";
import { caCertificateUrlOf, crlUrlOf } from "../../services/private-ca/public-urls";
import type { CertificateAuthorityRow } from "../../store/certificate-authorities";
import type { PrivateCertificateRow } from "../../store/private-certificates";
import { nameConstraintsSchema } from "./private-ca-schemas";
import { certificateTime, recordTime } from "./wire-time";

const PEM_EXAMPLE = "-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n";

export const caSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["root", "intermediate", "imported"]),
    parentId: z.string().nullable().describe("The issuing CA of an intermediate"),
    status: z.enum(["active", "disabled"]).describe("A disabled CA issues nothing; its CRL stays served"),
    certificate: z.string().describe("The CA certificate (PEM)"),
    chain: z.string().describe("The CAs above it, issuer first, up to the root (PEM); empty for a root"),
    keyType: z.string().describe("e.g. `EC P-256`, `RSA 3072`; the key itself never leaves"),
    notBefore: z.string(),
    notAfter: z.string(),
    fingerprintSha256: z.string().describe("SHA-256 of the certificate's DER, lowercase hex without separators"),
    crlUrl: z.string().describe("Its CRL (DER), public: `<origin>/pki/<id>/crl`"),
    caCertificateUrl: z.string().describe("Its certificate (DER), public: `<origin>/pki/<id>/ca.crt`"),
    nameConstraints: nameConstraintsSchema.nullable().describe("Its own RFC 5280 §4.2.1.10 constraints; null when none"),
    createdAt: z.string(),
  })
  .openapi("CertificateAuthority", {
    example: {
      id: "ca_3fK9q2LmP0aZ7xYb1cDe",
      name: "corp-root",
      kind: "root",
      parentId: null,
      status: "active",
      certificate: PEM_EXAMPLE,
      chain: "",
      keyType: "EC P-256",
      notBefore: "2026-01-01T00:00:00Z",
      notAfter: "2035-12-30T00:00:00Z",
      fingerprintSha256: "5f1c2d…",
      crlUrl: "https://certdesk.example/pki/ca_3fK9q2LmP0aZ7xYb1cDe/crl",
      caCertificateUrl: "https://certdesk.example/pki/ca_3fK9q2LmP0aZ7xYb1cDe/ca.crt",
      nameConstraints: null,
      createdAt: "2026-01-01T00:00:00.000Z",
    },
  });

export function caView(row: CertificateAuthorityRow): z.infer<typeof caSchema> {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    parentId: row.parentId,
    status: row.status,
    certificate: row.certificatePem,
    chain: row.chainPem,
    keyType: row.keyDescription,
    notBefore: certificateTime(row.notBefore),
    notAfter: certificateTime(row.notAfter),
    fingerprintSha256: row.fingerprint,
    crlUrl: crlUrlOf(row),
    caCertificateUrl: caCertificateUrlOf(row),
    nameConstraints: (row.nameConstraints as z.infer<typeof nameConstraintsSchema> | null) ?? null,
    createdAt: recordTime(row.createdAt),
  };
}

export const privateCertificateSchema = z
  .object({
    id: z.string(),
    caId: z.string(),
    serialNumber: z.string().describe("Hex, at least 64 random bits (CA/B BR §7.1)"),
    certificate: z.string().describe("The leaf (PEM)"),
    chain: z.string().describe("The issuing CA up to, not including, the root (PEM)"),
    notBefore: z.string(),
    notAfter: z.string(),
    profile: z.enum(["server", "client", "server-client"]),
    commonName: z.string().nullable(),
    dnsNames: z.array(z.string()),
    ipAddresses: z.array(z.string()),
    uris: z.array(z.string()),
    emails: z.array(z.string()),
    keyType: z.string(),
    keyHeldHere: z.boolean().describe("True when the key was generated here (exportable with certificates:export); false for a CSR"),
    shortLived: z.boolean().describe("Valid for at most 7 days: no CRL distribution point, not revocable"),
    autoRenew: z.boolean(),
    nextRenewalAt: z.string().nullable().describe("With autoRenew: when the cron renews it in place (two thirds of its lifetime)"),
    status: z.enum(["active", "revoked"]),
    revokedAt: z.string().nullable(),
    revocationReason: z.string().nullable(),
    fingerprintSha256: z.string(),
    createdAt: z.string(),
  })
  .openapi("PrivateCertificate", {
    example: {
      id: "pcert_8Hh2kLmP0aZ7xYb1cDeF",
      caId: "ca_3fK9q2LmP0aZ7xYb1cDe",
      serialNumber: "5a0c3e9f1b2d4c6e8a0b1c2d3e4f5a6b",
      certificate: PEM_EXAMPLE,
      chain: "",
      notBefore: "2026-01-01T00:00:00Z",
      notAfter: "2026-01-31T00:00:00Z",
      profile: "server",
      commonName: "api.corp.example",
      dnsNames: ["api.corp.example"],
      ipAddresses: ["10.0.0.12"],
      uris: [],
      emails: [],
      keyType: "EC P-256",
      keyHeldHere: true,
      shortLived: false,
      autoRenew: false,
      nextRenewalAt: null,
      status: "active",
      revokedAt: null,
      revocationReason: null,
      fingerprintSha256: "9e2a…",
      createdAt: "2026-01-01T00:01:00.000Z",
    },
  });

export function privateCertificateView(row: PrivateCertificateRow): z.infer<typeof privateCertificateSchema> {
  return {
    id: row.id,
    caId: row.caId,
    serialNumber: row.serial,
    certificate: row.certificatePem,
    chain: row.chainPem,
    notBefore: certificateTime(row.notBefore),
    notAfter: certificateTime(row.notAfter),
    profile: row.profile as "server" | "client" | "server-client",
    commonName: row.names.commonName ?? null,
    dnsNames: row.names.dnsNames,
    ipAddresses: row.names.ipAddresses,
    uris: row.names.uris,
    emails: row.names.emails,
    keyType: row.keyDescription,
    keyHeldHere: row.sealedKey !== null,
    shortLived: row.shortLived,
    autoRenew: row.autoRenew,
    nextRenewalAt: row.nextRenewalAt === null ? null : certificateTime(row.nextRenewalAt),
    status: row.status,
    revokedAt: row.revokedAt === null ? null : recordTime(row.revokedAt),
    revocationReason: row.revocationReason,
    fingerprintSha256: row.fingerprint,
    createdAt: recordTime(row.createdAt),
  };
}
