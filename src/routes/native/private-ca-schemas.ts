/** Request bodies of `/api/v1/cas…` (one source for validation and the OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { LEAF_PROFILES, MAX_NAMES, REVOCATION_REASONS } from "../../pki/private-ca";

export const caIdParam = z.object({ id: z.string().min(1).max(64).describe("The CA's id (`ca_…`)") });
export const caCertificateParams = z.object({
  id: z.string().min(1).max(64).describe("The CA's id (`ca_…`)"),
  certId: z.string().min(1).max(64).describe("The certificate's id (`pcert_…`)"),
});

/** `<created at, epoch ms>_<id>`: what `next` of a page says, read back by `before` (as GET /api/v1/certificates). */
const CURSOR = /^(\d{1,15})_([A-Za-z0-9_]{1,64})$/;

export const pageQuery = z.object({
  limit: z.coerce.number().int("must be an integer").min(1, "must be at least 1").max(200, "must be at most 200").default(100),
  before: z.string().regex(CURSOR, "must be the `next` cursor of a previous page").optional().describe("`next` of the previous page: only older entries"),
});

export function parseCursor(before: string | undefined): { createdAt: number; id: string } | undefined {
  const match = before === undefined ? null : CURSOR.exec(before);
  return match ? { createdAt: Number(match[1]), id: match[2]! } : undefined;
}

export function cursorOf(next: { createdAt: number; id: string } | null): string | null {
  return next === null ? null : `${next.createdAt}_${next.id}`;
}

const PEM_MAX = 64 * 1024;
const pem = (what: string) => z.string().min(1, "must not be empty").max(PEM_MAX, `must be at most ${PEM_MAX} characters`).describe(what);
const caName = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-', starting with a letter or digit")
  .describe("Unique within the team");
const list = (what: string) => z.array(z.string().max(253, "must be at most 253 characters")).max(MAX_NAMES, `must be at most ${MAX_NAMES} entries`).describe(what);

export const nameConstraintsSchema = z
  .object({
    permittedDnsDomains: list("Leaves may name only these domains and their subdomains").optional(),
    excludedDnsDomains: list("Leaves may never name these domains or their subdomains").optional(),
    permittedIpRanges: list("CIDR ranges leaves' IP addresses must fall in, e.g. `10.0.0.0/8`").optional(),
    excludedIpRanges: list("CIDR ranges leaves' IP addresses must not fall in").optional(),
  })
  .strict()
  .openapi("NameConstraints", {
    description: "RFC 5280 §4.2.1.10 name constraints, written as a critical extension and enforced here before every signature",
    example: { permittedDnsDomains: ["corp.example"], excludedDnsDomains: [], permittedIpRanges: ["10.0.0.0/8"], excludedIpRanges: [] },
  });

const madeCaFields = {
  name: caName,
  keyType: z.enum(["ec", "rsa"], "must be ec or rsa").default("ec"),
  keySize: z.union([z.literal(256), z.literal(384), z.literal(2048), z.literal(3072), z.literal(4096)], "must be 256 or 384 (ec), or 2048, 3072 or 4096 (rsa)").optional().describe("Default 256 for ec, 3072 for rsa"),
  subject: z
    .object({
      commonName: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters (RFC 5280 ub-common-name)"),
      organization: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").optional(),
    })
    .strict(),
  validityDays: z.number().int("must be a whole number of days").min(1, "must be at least 1").max(10_950, "must be at most 10950 (30 years)").default(3650),
  pathLength: z.number().int("must be an integer").min(0, "must be at least 0").max(10, "must be at most 10").optional().describe("RFC 5280 §4.2.1.9 pathLenConstraint"),
  nameConstraints: nameConstraintsSchema.optional(),
};

export const createCaBody = z
  .discriminatedUnion(
    "kind",
    [
      z.object({ kind: z.literal("root"), ...madeCaFields }).strict(),
      z.object({ kind: z.literal("intermediate"), parentId: z.string().min(1).max(64).describe("One of the team's CAs"), ...madeCaFields }).strict(),
      z
        .object({
          kind: z.literal("imported"),
          name: caName,
          certificate: pem("The team's CA certificate (PEM): basicConstraints CA:true, keyUsage keyCertSign, currently valid"),
          privateKey: pem("Its private key (PEM: PKCS#8, PKCS#1 or SEC1, unencrypted); sealed here and never exported"),
          chain: z.string().max(PEM_MAX, `must be at most ${PEM_MAX} characters`).optional().describe("The CAs above it (PEM), issuer first"),
        })
        .strict(),
    ],
    { error: "kind must be root, intermediate or imported" },
  )
  .openapi("CreateCa", {
    example: { name: "corp-root", kind: "root", keyType: "ec", keySize: 256, subject: { commonName: "Corp Root CA", organization: "Corp" }, validityDays: 3650, pathLength: 1 },
  });

const names = (what: string) => z.array(z.string().min(1, "must not be empty").max(253, "must be at most 253 characters")).max(MAX_NAMES, `must be at most ${MAX_NAMES} entries`).optional().describe(what);

export const issueBody = z
  .object({
    profile: z.enum(LEAF_PROFILES as [string, ...string[]], `must be one of ${LEAF_PROFILES.join(", ")}`).describe("server: serverAuth; client: clientAuth; server-client: both"),
    commonName: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").optional(),
    dnsNames: names("DNS names (a wildcard only for server profiles)"),
    ipAddresses: names("IPv4 or IPv6 addresses"),
    uris: names("URIs, e.g. SPIFFE IDs"),
    emails: names("Email addresses"),
    validityHours: z.number().int("must be a whole number of hours").min(1, "must be at least 1").optional().describe("Default: 90 days (or less when the CA ends sooner); at most PRIVATE_CA_MAX_LEAF_DAYS. ≤ 168 hours is short-lived: no CRL, not revocable"),
    csr: pem("A PKCS#10 CSR (PEM): its signature is verified; its SAN is used when the request names nothing").optional(),
    keyType: z.enum(["ec", "rsa"], "must be ec or rsa").optional().describe("Without csr: the generated key's type (default ec)"),
    keySize: z.number().int().optional().describe("Without csr: 256 or 384 (ec, default 256), 2048, 3072 or 4096 (rsa, default 2048)"),
    autoRenew: z.boolean().optional().describe("Without csr: renewed at two thirds of its lifetime"),
  })
  .strict()
  .openapi("IssuePrivateCertificate");

export const revokeBody = z
  .object({
    reason: z.enum(REVOCATION_REASONS as [string, ...string[]], `must be one of ${REVOCATION_REASONS.join(", ")}`).default("unspecified").describe("RFC 5280 §5.3.1 reasonCode"),
  })
  .strict()
  .openapi("RevokePrivateCertificate");
