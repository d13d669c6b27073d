/** The ACME directory (RFC 8555 §7.1.1), with the RFC 9773 `renewalInfo` and profiles extensions. */
import { z } from "zod";

/** RFC 8555 §7.1.1 directory object; unknown fields are kept out, absent optional ones stay undefined. */
export const directorySchema = z.object({
  newNonce: z.url(),
  newAccount: z.url(),
  newOrder: z.url(),
  newAuthz: z.url().optional(),
  revokeCert: z.url(),
  keyChange: z.url().optional(),
  /** RFC 9773 §3: present when the CA offers ACME Renewal Information. */
  renewalInfo: z.url().optional(),
  meta: z
    .object({
      termsOfService: z.string().optional(),
      website: z.string().optional(),
      caaIdentities: z.array(z.string()).optional(),
      externalAccountRequired: z.boolean().optional(),
      /** draft-ietf-acme-profiles: profile name → human-readable description. */
      profiles: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});
export type AcmeDirectory = z.infer<typeof directorySchema>;
