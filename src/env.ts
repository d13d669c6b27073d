/** Worker bindings and secrets, checked with zod once per isolate. */
import { z } from "zod";
import { AppError } from "./core/errors";

export interface Env {
  DB: D1Database;
  CHALLENGES: KVNamespace;
  /** The CertificateIssuer Durable Object class; deps.ts gives it its RPC type. */
  CERTIFICATE_ISSUER: DurableObjectNamespace;
  ADMIN_TOKEN: string;
  ENCRYPTION_KEY: string;
  ACME_DIRECTORY_URL: string;
  ACME_STAGING_DIRECTORY_URL: string;
  DOH_RESOLVER_URL: string;
  /** Optional: base URL overrides for DNS provider APIs (tests point them at local fakes). JSON object. */
  DNS_API_BASE_URLS?: string;
  /** Optional: seconds an HTTP request may wait on issuance before answering "pending" (default 25). */
  ISSUANCE_WAIT_SECONDS?: string;
  /** Optional secrets: external account binding (RFC 8555 §7.3.4) for CAs that require one (ZeroSSL, Google Trust Services, …). */
  ACME_EAB_KID?: string;
  ACME_EAB_HMAC_KEY?: string;
}

const configSchema = z.object({
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

const checked = new WeakMap<object, Config>();

/** The validated configuration; a misconfigured deployment fails loudly with the variable's name, not a secret's value. */
export function readConfig(env: Env): Config {
  const cached = checked.get(env);
  if (cached) return cached;
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const names = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    console.error(`configuration error: ${names}`);
    throw new AppError("internal", "Service is misconfigured");
  }
  checked.set(env, result.data);
  return result.data;
}
