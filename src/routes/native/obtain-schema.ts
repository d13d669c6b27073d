/** The obtain request (RFC 8555 §8 challenge types): challenge type, DNS provider and credentials (or a saved connection, or delegation), key options. */
import { z } from "@hono/zod-openapi";
import { dnsProviderNames, dnsProviders } from "../../dns";

/** The registered DNS providers as the API names them, each with the host it stands for. */
const dnsProviderDescription = `The DNS host for dns-01: ${dnsProviders.map((p) => `${p.name} (${p.label})`).join(", ")}`;

export const obtainBody = z
  .object({
    email: z.email("must be an email address").max(254).describe("ACME account contact"),
    challengeType: z.enum(["http-01", "dns-01"]),
    dnsProvider: z.enum(dnsProviderNames).optional().describe(dnsProviderDescription),
    dnsCredentials: z.record(z.string(), z.unknown()).optional().describe("The provider's credentials; sealed at rest, never returned"),
    dnsConnectionId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe("A saved DNS connection of the team (`POST /api/v1/dns-connections`), instead of dnsProvider and dnsCredentials: renewals use its current credentials"),
    dnsDelegation: z
      .boolean()
      .optional()
      .describe(
        "dns-01 through the operator's delegation zone, instead of dnsProvider, dnsCredentials or dnsConnectionId: the domain's `_acme-challenge` CNAME (GET /api/v1/projects/{id}/dns-delegation) must point there; renewals need nothing more",
      ),
    autoRenew: z.boolean().default(true),
    keyType: z.enum(["rsa", "ec"]).default("rsa"),
    keySize: z
      .union([z.literal(2048), z.literal(3072), z.literal(4096), z.literal(256), z.literal(384)])
      .optional()
      .describe("RSA: 2048 (default), 3072 or 4096. EC: 256 (P-256, default) or 384 (P-384)"),
    staging: z.boolean().default(false),
    profile: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be a profile name the CA lists, such as classic, tlsserver or shortlived")
      .optional()
      .describe("ACME profile (e.g. Let's Encrypt's tlsserver or shortlived); refused when the CA lists others, ignored by CAs without profiles"),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .superRefine((body, ctx) => {
    const inline = body.dnsProvider !== undefined || body.dnsCredentials !== undefined;
    if (body.dnsDelegation === true) {
      // The operator answers for a delegated name: no credentials of the caller's, of any kind.
      if (body.challengeType !== "dns-01") ctx.addIssue({ code: "custom", path: ["dnsDelegation"], message: "Only used with challengeType dns-01" });
      else if (inline || body.dnsConnectionId !== undefined) {
        ctx.addIssue({ code: "custom", path: ["dnsDelegation"], message: "Give either dnsDelegation or dnsProvider and dnsCredentials (or dnsConnectionId), not both" });
      }
    } else if (body.challengeType === "dns-01" && body.dnsConnectionId !== undefined) {
      // One source of credentials: a saved connection or the credentials given here, never both.
      if (inline) ctx.addIssue({ code: "custom", path: ["dnsConnectionId"], message: "Give either dnsConnectionId or dnsProvider and dnsCredentials, not both" });
    } else if (body.challengeType === "dns-01") {
      if (!body.dnsProvider) ctx.addIssue({ code: "custom", path: ["dnsProvider"], message: "Required for challengeType dns-01 (or give dnsConnectionId or dnsDelegation)" });
      if (!body.dnsCredentials) ctx.addIssue({ code: "custom", path: ["dnsCredentials"], message: "Required for challengeType dns-01 (or give dnsConnectionId or dnsDelegation)" });
    } else if (inline) {
      ctx.addIssue({ code: "custom", path: ["dnsProvider"], message: "Only used with challengeType dns-01" });
    } else if (body.dnsConnectionId !== undefined) {
      ctx.addIssue({ code: "custom", path: ["dnsConnectionId"], message: "Only used with challengeType dns-01" });
    }
    const rsa = [2048, 3072, 4096];
    if (body.keySize !== undefined && (body.keyType === "rsa") !== rsa.includes(body.keySize)) {
      ctx.addIssue({
        code: "custom",
        path: ["keySize"],
        message: body.keyType === "rsa" ? "RSA keys are 2048, 3072 or 4096 bits" : "EC keys are 256 (P-256) or 384 (P-384)",
      });
    }
  });

export type ObtainBody = z.infer<typeof obtainBody>;
