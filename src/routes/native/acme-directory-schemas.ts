/** Request bodies and answers of `/api/v1/acme-directories…` (one source for validation and the OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { LEAF_PROFILES } from "../../pki/private-ca";
import type { AcmeDirectoryRow, AcmeEabKeyRow } from "../../store/acme-server-directories";
import { recordTime } from "./wire-time";

export const directoryIdParam = z.object({ id: z.string().min(1).max(64).describe("The directory's id (`acmd_…`)") });
export const eabKeyParams = z.object({
  id: z.string().min(1).max(64).describe("The directory's id (`acmd_…`)"),
  keyId: z.string().min(1).max(64).describe("The EAB key's id (`eab_…`)"),
});

const privateIssuer = z
  .object({
    type: z.literal("private"),
    caId: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").describe("One of the team's CAs (`ca_…`); an intermediate is best"),
    profile: z.enum(LEAF_PROFILES as [string, ...string[]], `must be one of ${LEAF_PROFILES.join(", ")}`),
    validityHours: z.number().int("must be a whole number of hours").min(1, "must be at least 1").optional().describe("Default 2160 (90 days)"),
  })
  .strict();

const relayIssuer = z
  .object({
    type: z.literal("relay"),
    challengeType: z.enum(["http-01", "dns-01"], "must be http-01 or dns-01").describe("How Certdesk proves control to the public CA: its own challenge route, or a TXT record"),
    dnsConnectionId: z.string().min(1).max(64).optional().describe("dns-01: the team's saved DNS connection that writes the TXT records"),
    dnsDelegation: z.boolean().optional().describe("dns-01: through the deployment's delegation zone (each name's `_acme-challenge` CNAME points there)"),
  })
  .strict()
  .describe("Relays the client's CSR to the public CA (ACME_DIRECTORY_URL) for names the team holds; Certdesk never sees the key");

export const createDirectoryBody = z
  .object({
    name: z
      .string()
      .min(1, "must not be empty")
      .max(64, "must be at most 64 characters")
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-', starting with a letter or digit")
      .describe("Unique among the team's directories"),
    issuer: z.discriminatedUnion("type", [privateIssuer, relayIssuer], { error: "issuer.type must be private or relay" }),
    authorization: z.enum(["pre-approved", "challenge"], "must be pre-approved or challenge"),
    allowedNames: z
      .array(z.string().max(256, "must be at most 256 characters"))
      .max(100, "must be at most 100 entries")
      .optional()
      .describe("Names (or `*.name`, exactly one label) allowed besides the names the team holds, and IP addresses allowed as ip identifiers (RFC 8738)"),
  })
  .strict()
  .openapi("CreateAcmeDirectory", {
    example: { name: "internal", issuer: { type: "private", caId: "ca_3fK9q2LmP0aZ7xYb1cDe", profile: "server" }, authorization: "pre-approved", allowedNames: ["*.svc.internal.example"] },
  });

export const directorySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    directoryUrl: z.string().describe("Give this to the ACME client (certbot --server, lego --server)"),
    issuer: z.record(z.string(), z.unknown()),
    authorization: z.string(),
    allowedNames: z.array(z.string()),
    createdAt: z.string(),
  })
  .openapi("AcmeDirectory");

export const eabKeySchema = z
  .object({
    keyId: z.string().describe("The EAB key identifier (certbot --eab-kid, lego --eab --kid)"),
    directoryId: z.string(),
    accountId: z.string().nullable().describe("The account it created; a key binds one account"),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("AcmeEabKey");

export const newEabKeySchema = eabKeySchema
  .extend({ hmacKey: z.string().describe("The HMAC key, unpadded base64url (certbot --eab-hmac-key, lego --hmac): shown this once") })
  .openapi("NewAcmeEabKey");

export const directoryUrlOf = (origin: string, id: string) => `${origin}/acme/${id}/directory`;

export function directoryView(row: AcmeDirectoryRow, origin: string): z.infer<typeof directorySchema> {
  return { id: row.id, name: row.name, directoryUrl: directoryUrlOf(origin, row.id), issuer: row.issuer, authorization: row.authorization, allowedNames: row.allowedNames, createdAt: recordTime(row.createdAt) };
}

export function eabKeyView(row: AcmeEabKeyRow): z.infer<typeof eabKeySchema> {
  return { keyId: row.id, directoryId: row.directoryId, accountId: row.accountId, createdAt: recordTime(row.createdAt), revokedAt: row.revokedAt === null ? null : recordTime(row.revokedAt) };
}
