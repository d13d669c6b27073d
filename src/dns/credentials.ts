/**
 * DNS provider credentials as a team submits them (shapes from the API reference, seeds/004): one strict zod
 * schema per provider. Messages name the field and the rule, never the value.
 */
import { z } from "zod";
import { AppError } from "../core/errors";
import { dnsProviderNames, type DnsProviderName } from "./provider";

/** "Required" when the field is missing, "Must be <kind>" when it has the wrong type. */
function typed(kind: string) {
  return { error: (issue: { input: unknown }) => (issue.input === undefined ? "Required" : `Must be ${kind}`) };
}

/** A secret or identifier string: trimmed, non-empty, bounded, no whitespace inside. */
function token(max: number) {
  return z
    .string(typed("a string"))
    .trim()
    .min(1, { error: "Must not be empty" })
    .max(max, { error: `Must be at most ${max} characters` })
    .regex(/^\S+$/, { error: "Must not contain whitespace" })
    .regex(/^[\x21-\x7e]+$/, { error: "Must contain only printable ASCII characters" });
}

export const dnsProviderNameSchema = z.enum(dnsProviderNames, {
  error: `Must be one of ${dnsProviderNames.join(", ")}`,
});

export const cloudflareCredentialsSchema = z.strictObject(
  { apiToken: token(512) },
  typed("an object"),
);
export type CloudflareCredentials = z.infer<typeof cloudflareCredentialsSchema>;

export const awsCredentialsSchema = z.strictObject(
  {
    accessKeyId: token(128).regex(/^[A-Za-z0-9]{16,128}$/, {
      error: "Must be an AWS access key ID (16 to 128 letters and digits)",
    }),
    secretAccessKey: token(256),
    /** Route 53 is global and always signed for us-east-1; a region is accepted for the API's sake and ignored. */
    region: z
      .string(typed("a string"))
      .trim()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, { error: "Must be an AWS region such as us-east-1" })
      .optional(),
    sessionToken: token(8192).optional(),
    hostedZoneId: z
      .string(typed("a string"))
      .trim()
      .regex(/^(\/hostedzone\/)?[A-Z0-9]{1,32}$/, { error: "Must be a Route 53 hosted zone ID such as Z0123456789ABC" })
      .optional(),
  },
  typed("an object"),
);
export type AwsCredentials = z.infer<typeof awsCredentialsSchema>;

export const digitaloceanCredentialsSchema = z.strictObject(
  { apiToken: token(512) },
  typed("an object"),
);
export type DigitaloceanCredentials = z.infer<typeof digitaloceanCredentialsSchema>;

export const godaddyCredentialsSchema = z.strictObject(
  {
    apiKey: token(256).regex(/^[^:]+$/, { error: "Must not contain ':'" }),
    apiSecret: token(256),
  },
  typed("an object"),
);
export type GodaddyCredentials = z.infer<typeof godaddyCredentialsSchema>;

/**
 * A Google service-account key file (the JSON downloaded from IAM). Only the fields used to sign the OAuth
 * assertion are kept; the file's other fields (project_id, client_id, auth_uri, …) are accepted and dropped.
 */
export const googleServiceAccountSchema = z.object(
  {
    type: z.literal("service_account", { error: 'Must be "service_account"' }).optional(),
    client_email: z
      .string(typed("a string"))
      .trim()
      .max(320, { error: "Must be at most 320 characters" })
      .pipe(z.email({ error: "Must be the service account's email address" })),
    private_key: z
      .string(typed("a string"))
      .max(8192, { error: "Must be at most 8192 characters" })
      .regex(/-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/, {
        error: "Must be a PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----)",
      }),
    private_key_id: token(128).optional(),
    token_uri: z
      .string(typed("a string"))
      .trim()
      .max(2048, { error: "Must be at most 2048 characters" })
      .pipe(z.url({ protocol: /^https$/, error: "Must be an https URL" }))
      .optional(),
  },
  typed("an object (the service account key JSON)"),
);
export type GoogleServiceAccount = z.infer<typeof googleServiceAccountSchema>;

export const googleCredentialsSchema = z.strictObject(
  {
    projectId: z
      .string(typed("a string"))
      .trim()
      .regex(/^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: "Must be a Google Cloud project ID" }),
    credentials: googleServiceAccountSchema,
    managedZone: z
      .string(typed("a string"))
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: "Must be a Cloud DNS managed zone name" })
      .optional(),
  },
  typed("an object"),
);
export type GoogleCredentials = z.infer<typeof googleCredentialsSchema>;

/** Each provider's parsed credentials. */
export interface DnsCredentialsMap {
  cloudflare: CloudflareCredentials;
  aws: AwsCredentials;
  digitalocean: DigitaloceanCredentials;
  godaddy: GodaddyCredentials;
  google: GoogleCredentials;
}
export type DnsCredentials = DnsCredentialsMap[DnsProviderName];

const schemas: { [P in DnsProviderName]: z.ZodType<DnsCredentialsMap[P]> } = {
  cloudflare: cloudflareCredentialsSchema,
  aws: awsCredentialsSchema,
  digitalocean: digitaloceanCredentialsSchema,
  godaddy: godaddyCredentialsSchema,
  google: googleCredentialsSchema,
};

const fieldNames: Record<DnsProviderName, string[]> = {
  cloudflare: Object.keys(cloudflareCredentialsSchema.shape),
  aws: Object.keys(awsCredentialsSchema.shape),
  digitalocean: Object.keys(digitaloceanCredentialsSchema.shape),
  godaddy: Object.keys(godaddyCredentialsSchema.shape),
  google: Object.keys(googleCredentialsSchema.shape),
};

/** The credentials schema for `provider`. */
export function dnsCredentialsSchemaFor<P extends DnsProviderName>(provider: P): z.ZodType<DnsCredentialsMap[P]> {
  return schemas[provider];
}

/**
 * Parses `input` as `provider`'s credentials, or throws AppError("validation_failed") for the first problem,
 * e.g. `dnsCredentials.apiToken: Required` with `param` set to the field path.
 */
export function parseDnsCredentials<P extends DnsProviderName>(
  provider: P,
  input: unknown,
  param = "dnsCredentials",
): DnsCredentialsMap[P] {
  const result = dnsCredentialsSchemaFor(provider).safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [param, ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") {
    const field = `${path}.${issue.keys[0] ?? ""}`;
    const expected = path === param ? ` (expected ${fieldNames[provider].join(", ")})` : "";
    throw new AppError("validation_failed", `${field}: Unknown field for ${provider} credentials${expected}`, {
      param: field,
    });
  }
  throw new AppError("validation_failed", `${path}: ${issue.message}`, { param: path });
}
