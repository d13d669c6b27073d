/** The service's configuration: the Worker's variables and secrets, checked with zod (names, never values, in errors). */
import { z } from "zod";
import { AppError } from "./errors";

export const configSchema = z.object({
  ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be at least 16 characters"),
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => {
      try {
        return atob(v).length === 32;
      } catch {
        return false;
      }
    }, "ENCRYPTION_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)"),
  ACME_DIRECTORY_URL: z.url(),
  ACME_STAGING_DIRECTORY_URL: z.url(),
  DOH_RESOLVER_URL: z.url(),
  DNS_API_BASE_URLS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return {} as Record<string, string>;
      try {
        return z.record(z.string(), z.url()).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: "custom", message: "DNS_API_BASE_URLS must be a JSON object of URLs" });
        return z.NEVER;
      }
    }),
  ISSUANCE_WAIT_SECONDS: z.coerce.number().int().min(0).max(120).default(25),
  ACME_EAB_KID: z.string().min(1).optional(),
  ACME_EAB_HMAC_KEY: z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, "ACME_EAB_HMAC_KEY must be base64url").optional(),
});

export type Config = z.infer<typeof configSchema>;

/** The validated configuration; a misconfigured deployment fails loudly with the variable's name, not a secret's value. */
export function parseConfig(values: Record<string, unknown>): Config {
  const result = configSchema.safeParse(values);
  if (!result.success) {
    const names = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    console.error(`configuration error: ${names}`);
    throw new AppError("internal", "Service is misconfigured");
  }
  return result.data;
}
