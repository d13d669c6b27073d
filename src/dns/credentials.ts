/**
 * DNS provider credentials as a team submits them, checked with the schema of the provider's registry entry.
 * Messages name the field and the rule, never the value.
 */
import { z } from "zod";
import { AppError } from "../core/errors";
import { dnsProviderEntry, dnsProviderNames, type DnsCredentialsMap, type DnsProviderName } from "./registry";

export const dnsProviderNameSchema = z.enum(dnsProviderNames, {
  error: `Must be one of ${dnsProviderNames.join(", ")}`,
});

/** The credentials schema for `provider`. */
export function dnsCredentialsSchemaFor<P extends DnsProviderName>(provider: P): z.ZodType<DnsCredentialsMap[P]> {
  return dnsProviderEntry(provider).credentials as unknown as z.ZodType<DnsCredentialsMap[P]>;
}

/**
 * Parses `input` as `provider`'s credentials, or throws AppError("validation_failed") for the first problem,
 * e.g. `dnsCredentials.apiToken: Required` with `param` set to the field path. Not retryable: credentials
 * stored before a rule tightened (a token_uri off Google) stop automatic renewal instead of failing every tick.
 */
export function parseDnsCredentials<P extends DnsProviderName>(
  provider: P,
  input: unknown,
  param = "dnsCredentials",
): DnsCredentialsMap[P] {
  const schema: z.ZodObject = dnsProviderEntry(provider).credentials;
  const result = schema.safeParse(input);
  if (result.success) return result.data as DnsCredentialsMap[P];
  const issue = result.error.issues[0]!;
  const path = [param, ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") {
    const field = `${path}.${issue.keys[0] ?? ""}`;
    const expected = path === param ? ` (expected ${Object.keys(schema.shape).join(", ")})` : "";
    throw new AppError("validation_failed", `${field}: Unknown field for ${provider} credentials${expected}`, {
      param: field,
      retryable: false,
    });
  }
  throw new AppError("validation_failed", `${path}: ${issue.message}`, { param: path, retryable: false });
}
