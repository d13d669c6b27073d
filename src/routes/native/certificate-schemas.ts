/** Wire schemas of the native project certificate API (request bodies and the shapes certificate-views builds). */
import { z } from "@hono/zod-openapi";
import { ACME_TYPE, CUSTOM_TYPE } from "../../store/certificate-type";
import { EXAMPLE_PRIVATE_KEY, EXAMPLE_SERVER_CERTIFICATE_PEM } from "../openapi-example-material";
import { deploymentSchema } from "./deploy-target-views";

export const certificateMaterialBody = z
  .object({
    certificate: z
      .string()
      .min(1, "must not be empty")
      .max(65_536, "must be at most 64 KiB")
      .describe("PEM: the leaf and its intermediates, any order"),
    privateKey: z
      .string()
      .min(1, "must not be empty")
      .max(16_384, "must be at most 16 KiB")
      .describe("PEM: PKCS#8, PKCS#1 or SEC1; not encrypted"),
  })
  .strict();

/** The example of validate's and upload's body: a real certificate for shop.example.com, its key elided. */
export const certificateMaterialExample = { certificate: EXAMPLE_SERVER_CERTIFICATE_PEM, privateKey: EXAMPLE_PRIVATE_KEY };

export const certificateSchema = z
  .object({
    id: z.string(),
    domain: z.string(),
    names: z.array(z.string()),
    type: z.enum([CUSTOM_TYPE, ACME_TYPE]),
    issuedAt: z.string(),
    expiresAt: z.string(),
    issuer: z.string(),
    autoRenew: z.boolean(),
    serial: z.string(),
    fingerprint: z.string(),
    keyType: z.string(),
    certificatePem: z.string().describe("The leaf certificate (PEM)"),
    chainPem: z.string().describe("Intermediates, leaf to root (PEM); empty when none were given"),
    renewedFrom: z.string().optional(),
    revokedAt: z.string().optional(),
    acmeDirectoryUrl: z.string().optional().describe("ACME certificates: the CA that issued it (its directory URL); renewals try it first"),
    dnsConnectionId: z.string().optional().describe("DNS-01 through a saved DNS connection: its id; renewals use its current credentials"),
    dnsDelegation: z.boolean().optional().describe("DNS-01 through the operator's delegation zone (GET /api/v1/projects/{id}/dns-delegation); renewals need nothing from the domain's owner"),
  })
  .openapi("Certificate");

export const validationSchema = z
  .object({
    valid: z.boolean(),
    domain: z.string().nullable(),
    names: z.array(z.string()),
    expiresAt: z.string().nullable(),
    issuedAt: z.string().nullable(),
    issuer: z.string().nullable(),
    serial: z.string().nullable(),
    fingerprint: z.string().nullable(),
    keyType: z.string().nullable(),
    warnings: z.array(z.string()),
    error: z.string().optional(),
    code: z.string().optional(),
  })
  .openapi("ValidationReport");

export const statusSchema = z
  .object({
    status: z
      .enum(["valid", "expiring_soon", "expired", "revoked", "pending", "failed"])
      .describe("pending / failed: no certificate yet, and an issuance is running / the last one failed"),
    domain: z.string(),
    expiresAt: z.string().nullable(),
    daysUntilExpiry: z.number().int().nullable(),
    autoRenew: z.boolean(),
    lastRenewAttempt: z.string().nullable(),
    lastRenewError: z.string().nullable(),
    nextRenewalAt: z.string().nullable(),
    renewalWindow: z
      .object({ start: z.string(), end: z.string() })
      .nullable()
      .describe("The CA's suggested renewal window (RFC 9773), as last fetched; null when the CA offers none"),
    renewalExplanationUrl: z.string().nullable().describe("The CA's page explaining its window (RFC 9773 explanationURL), e.g. an incident notice"),
    deployments: z.array(deploymentSchema).describe("Each deploy target of the project and where its delivery stands"),
  })
  .openapi("CertificateStatus");

export const messageSchema = z.object({ success: z.literal(true), message: z.string() });
