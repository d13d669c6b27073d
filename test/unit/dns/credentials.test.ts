/** DNS provider credentials: the accepted shapes and a specific 400 message for each kind of mistake. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { dnsCredentialsSchemaFor, dnsProviderNameSchema, parseDnsCredentials } from "../../../src/dns/credentials";
import type { DnsProviderName } from "../../../src/dns/registry";

const SECRET = "SeCrEtVaLuE0123456789";
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
const serviceAccount = { type: "service_account", client_email: "dns@proj-123456.iam.gserviceaccount.com", private_key: PEM };

function failure(provider: DnsProviderName, input: unknown): AppError {
  try {
    parseDnsCredentials(provider, input);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the credentials to be rejected");
}

describe("parseDnsCredentials", () => {
  describe("accepts", () => {
    it.each([
      { name: "cloudflare token", provider: "cloudflare", input: { apiToken: ` ${SECRET}\n` }, want: { apiToken: SECRET } },
      {
        name: "aws with every optional field",
        provider: "aws",
        input: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET, region: "us-east-1", sessionToken: "FwoGZXIvYXdzEJr//////////wEaDA", hostedZoneId: "/hostedzone/Z0123456789ABC" },
        want: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET, region: "us-east-1", sessionToken: "FwoGZXIvYXdzEJr//////////wEaDA", hostedZoneId: "/hostedzone/Z0123456789ABC" },
      },
      { name: "aws minimal", provider: "aws", input: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET }, want: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET } },
      { name: "digitalocean token", provider: "digitalocean", input: { apiToken: SECRET }, want: { apiToken: SECRET } },
      { name: "godaddy key and secret", provider: "godaddy", input: { apiKey: "key123", apiSecret: SECRET }, want: { apiKey: "key123", apiSecret: SECRET } },
      {
        name: "google service account file (extra fields dropped)",
        provider: "google",
        input: { projectId: "proj-123456", credentials: { ...serviceAccount, project_id: "proj-123456", client_id: "1234", auth_uri: "https://accounts.google.com/o/oauth2/auth", token_uri: "https://oauth2.googleapis.com/token" }, managedZone: "example-com" },
        want: { projectId: "proj-123456", credentials: { ...serviceAccount, token_uri: "https://oauth2.googleapis.com/token" }, managedZone: "example-com" },
      },
    ] as const)("$name", ({ provider, input, want }) => {
      expect(parseDnsCredentials(provider, input)).toEqual(want);
      expect(dnsCredentialsSchemaFor(provider).safeParse(input).success).toBe(true);
    });
  });

  describe("rejects with a specific message", () => {
    it.each([
      { provider: "cloudflare", input: {}, message: "dnsCredentials.apiToken: Required", param: "dnsCredentials.apiToken" },
      { provider: "cloudflare", input: { apiToken: 42 }, message: "dnsCredentials.apiToken: Must be a string", param: "dnsCredentials.apiToken" },
      { provider: "cloudflare", input: { apiToken: "   " }, message: "dnsCredentials.apiToken: Must not be empty", param: "dnsCredentials.apiToken" },
      { provider: "cloudflare", input: { apiToken: "x".repeat(513) }, message: "dnsCredentials.apiToken: Must be at most 512 characters", param: "dnsCredentials.apiToken" },
      { provider: "cloudflare", input: { apiToken: "abc def" }, message: "dnsCredentials.apiToken: Must not contain whitespace", param: "dnsCredentials.apiToken" },
      { provider: "cloudflare", input: { apiToken: "tok\u0000en" }, message: "dnsCredentials.apiToken: Must contain only printable ASCII characters", param: "dnsCredentials.apiToken" },
      { provider: "cloudflare", input: { apiToken: SECRET, apiKey: SECRET }, message: "dnsCredentials.apiKey: Unknown field for cloudflare credentials (expected apiToken)", param: "dnsCredentials.apiKey" },
      { provider: "cloudflare", input: null, message: "dnsCredentials: Must be an object", param: "dnsCredentials" },
      { provider: "cloudflare", input: SECRET, message: "dnsCredentials: Must be an object", param: "dnsCredentials" },
      { provider: "aws", input: { accessKeyId: "AKIAIOSFODNN7EXAMPLE" }, message: "dnsCredentials.secretAccessKey: Required", param: "dnsCredentials.secretAccessKey" },
      { provider: "aws", input: { accessKeyId: "AKIA-short", secretAccessKey: SECRET }, message: "dnsCredentials.accessKeyId: Must be an AWS access key ID (16 to 128 letters and digits)", param: "dnsCredentials.accessKeyId" },
      { provider: "aws", input: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET, region: "mars" }, message: "dnsCredentials.region: Must be an AWS region such as us-east-1", param: "dnsCredentials.region" },
      { provider: "aws", input: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET, hostedZoneId: "zone/../x" }, message: "dnsCredentials.hostedZoneId: Must be a Route 53 hosted zone ID such as Z0123456789ABC", param: "dnsCredentials.hostedZoneId" },
      { provider: "aws", input: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET, secretKey: SECRET }, message: "dnsCredentials.secretKey: Unknown field for aws credentials (expected accessKeyId, secretAccessKey, region, sessionToken, hostedZoneId)", param: "dnsCredentials.secretKey" },
      { provider: "digitalocean", input: { token: SECRET }, message: "dnsCredentials.apiToken: Required", param: "dnsCredentials.apiToken" },
      { provider: "godaddy", input: { apiKey: "key" }, message: "dnsCredentials.apiSecret: Required", param: "dnsCredentials.apiSecret" },
      { provider: "godaddy", input: { apiKey: "key:other", apiSecret: SECRET }, message: "dnsCredentials.apiKey: Must not contain ':'", param: "dnsCredentials.apiKey" },
      { provider: "google", input: { projectId: "proj-123456" }, message: "dnsCredentials.credentials: Required", param: "dnsCredentials.credentials" },
      { provider: "google", input: { projectId: "proj-123456", credentials: JSON.stringify(serviceAccount) }, message: "dnsCredentials.credentials: Must be an object (the service account key JSON)", param: "dnsCredentials.credentials" },
      { provider: "google", input: { projectId: "P", credentials: serviceAccount }, message: "dnsCredentials.projectId: Must be a Google Cloud project ID", param: "dnsCredentials.projectId" },
      { provider: "google", input: { projectId: "proj-123456", credentials: { ...serviceAccount, private_key: SECRET } }, message: "dnsCredentials.credentials.private_key: Must be a PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----)", param: "dnsCredentials.credentials.private_key" },
      { provider: "google", input: { projectId: "proj-123456", credentials: { ...serviceAccount, client_email: "nobody" } }, message: "dnsCredentials.credentials.client_email: Must be the service account's email address", param: "dnsCredentials.credentials.client_email" },
      { provider: "google", input: { projectId: "proj-123456", credentials: { private_key: PEM } }, message: "dnsCredentials.credentials.client_email: Required", param: "dnsCredentials.credentials.client_email" },
      { provider: "google", input: { projectId: "proj-123456", credentials: { ...serviceAccount, token_uri: "http://oauth2.example/token" } }, message: "dnsCredentials.credentials.token_uri: Must be Google's token endpoint https://oauth2.googleapis.com/token (or left out)", param: "dnsCredentials.credentials.token_uri" },
      { provider: "google", input: { projectId: "proj-123456", credentials: { ...serviceAccount, token_uri: "https://169.254.169.254/token" } }, message: "dnsCredentials.credentials.token_uri: Must be Google's token endpoint https://oauth2.googleapis.com/token (or left out)", param: "dnsCredentials.credentials.token_uri" },
      { provider: "google", input: { projectId: "proj-123456", credentials: { ...serviceAccount, token_uri: 42 } }, message: "dnsCredentials.credentials.token_uri: Must be a string", param: "dnsCredentials.credentials.token_uri" },
      { provider: "google", input: { projectId: "proj-123456", credentials: { ...serviceAccount, type: "authorized_user" } }, message: 'dnsCredentials.credentials.type: Must be "service_account"', param: "dnsCredentials.credentials.type" },
      { provider: "google", input: { projectId: "proj-123456", credentials: serviceAccount, managedZone: "Bad Zone" }, message: "dnsCredentials.managedZone: Must be a Cloud DNS managed zone name", param: "dnsCredentials.managedZone" },
    ] as const)("$provider: $message", ({ provider, input, message, param }) => {
      const error = failure(provider, input);
      expect(error.code).toBe("validation_failed");
      expect(error.status).toBe(400);
      expect(error.message).toBe(message);
      expect(error.param).toBe(param);
      expect(error.message).not.toContain(SECRET);
    });
  });

  it("never echoes a secret value, whatever is wrong with it", () => {
    const secretish = `${SECRET} with spaces`;
    for (const [provider, input] of [
      ["cloudflare", { apiToken: secretish }],
      ["aws", { accessKeyId: secretish, secretAccessKey: secretish }],
      ["godaddy", { apiKey: secretish, apiSecret: secretish }],
      ["google", { projectId: secretish, credentials: { client_email: secretish, private_key: secretish } }],
    ] as const) {
      const error = failure(provider, input);
      expect(JSON.stringify([error.message, error.param, error.detail])).not.toContain(SECRET);
    }
  });

  it("uses the given param prefix", () => {
    try {
      parseDnsCredentials("cloudflare", {}, "credentials");
    } catch (error) {
      expect((error as AppError).message).toBe("credentials.apiToken: Required");
    }
  });
});

describe("dnsProviderNameSchema", () => {
  it("accepts the five providers and names them when rejecting", () => {
    for (const name of ["cloudflare", "aws", "digitalocean", "godaddy", "google"]) expect(dnsProviderNameSchema.parse(name)).toBe(name);
    const result = dnsProviderNameSchema.safeParse("route53");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Must be one of cloudflare, aws, digitalocean, godaddy, google");
  });
});
