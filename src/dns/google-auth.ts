/**
 * A Google service account: its key file, and OAuth 2.0 access tokens for it (RFC 7523 JWT bearer grant) — a
 * JWT signed RS256 (RFC 7518 §3.3) with the account's PKCS#8 key, exchanged at Google's token endpoint only.
 */
import { z } from "zod";
import { AppError } from "../core/errors";
import { bytesToBase64Url, utf8 } from "../crypto/encoding";
import { parsePrivateKey } from "../pki";
import { token, typed } from "./credential-fields";
import { apiUrl, codeAndMessage, providerError, providerRequest, tryParseJson, type ProviderClient } from "../outbound/provider-http";

/**
 * Google's OAuth 2.0 token endpoint, the `token_uri` of every key file IAM issues
 * (https://developers.google.com/identity/protocols/oauth2/service-account#httprest). The only one accepted:
 * a key file is user input, and its token_uri would otherwise make the Worker POST a signed assertion to any
 * host (server-side request forgery, e.g. the 169.254.169.254 metadata address) on every renewal.
 */
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
export const GOOGLE_TOKEN_ORIGIN = new URL(GOOGLE_TOKEN_URI).origin;
const GOOGLE_TOKEN_PATH = new URL(GOOGLE_TOKEN_URI).pathname;
export const CLOUD_DNS_SCOPE = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const RS256: RsaHashedImportParams = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
const ASSERTION_LIFETIME_S = 3600;
/** Refresh this long before the token's stated expiry. */
const EXPIRY_MARGIN_MS = 60_000;
const PRIVATE_KEY_PARAM = "dnsCredentials.credentials.private_key";

/**
 * A service-account key file, the JSON IAM hands out (https://cloud.google.com/iam/docs/keys-create-delete).
 * Only the fields used to sign the OAuth assertion are kept; the file's other fields (project_id, client_id,
 * auth_uri, …) are accepted and dropped.
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
      .refine(isGoogleTokenUri, { error: `Must be Google's token endpoint ${GOOGLE_TOKEN_URI} (or left out)` })
      .transform(() => GOOGLE_TOKEN_URI)
      .optional(),
  },
  typed("an object (the service account key JSON)"),
);
export type GoogleServiceAccount = z.infer<typeof googleServiceAccountSchema>;

/** Whether `value` is GOOGLE_TOKEN_URI, spelled any way URL parsing makes equal (host case, default port). */
function isGoogleTokenUri(value: string): boolean {
  try {
    return new URL(value).href === GOOGLE_TOKEN_URI;
  } catch {
    return false;
  }
}

/** Where tokens are fetched: Google's endpoint, or the operator's test override (DNS_API_BASE_URLS), never the key file's. */
export function googleTokenUrl(baseUrl: string | undefined): string {
  return apiUrl(GOOGLE_TOKEN_ORIGIN, baseUrl, GOOGLE_TOKEN_PATH);
}

/**
 * Hands out a cached access token, fetching a new one at `tokenUrl` (googleTokenUrl) when it is close to expiry.
 * The key file's own token_uri is never used: the schema admits only Google's, and a stored file from before may not.
 */
export function createGoogleTokenSource(
  client: ProviderClient,
  account: GoogleServiceAccount,
  tokenUrl: string,
  now: () => number = Date.now,
): () => Promise<string> {
  let key: Promise<CryptoKey> | undefined;
  let cached: { token: string; expiresAt: number } | undefined;

  async function signAssertion(): Promise<string> {
    key ??= importSigningKey(account.private_key);
    key.catch(() => (key = undefined));
    const iat = Math.floor(now() / 1000);
    const header = { alg: "RS256", typ: "JWT", ...(account.private_key_id ? { kid: account.private_key_id } : {}) };
    const claims = {
      iss: account.client_email,
      scope: CLOUD_DNS_SCOPE,
      // The audience is the token endpoint (RFC 7523 §3), which is Google's whatever the file says.
      aud: GOOGLE_TOKEN_URI,
      iat,
      exp: iat + ASSERTION_LIFETIME_S,
    };
    const signingInput = `${encodeSegment(header)}.${encodeSegment(claims)}`;
    const signature = await crypto.subtle.sign(RS256, await key, utf8.encode(signingInput));
    return `${signingInput}.${bytesToBase64Url(new Uint8Array(signature))}`;
  }

  return async function accessToken(): Promise<string> {
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now()) return cached.token;
    const response = await providerRequest(client, tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: await signAssertion() }).toString(),
    });
    const body = tryParseJson<{ access_token?: string; expires_in?: number; error?: string; error_description?: string }>(response.text);
    if (response.status >= 300 || !body?.access_token) {
      // RFC 6749 §5.2: a bad or revoked key is 400 invalid_grant or 401 invalid_client.
      throw providerError(client, response, "issue an access token", codeAndMessage(body?.error, body?.error_description), {
        authFailure: response.status === 400 || response.status === 401 || response.status === 403,
      });
    }
    cached = { token: body.access_token, expiresAt: now() + (body.expires_in ?? 3600) * 1000 };
    return cached.token;
  };
}

function encodeSegment(value: unknown): string {
  return bytesToBase64Url(utf8.encode(JSON.stringify(value)));
}

/** The key file's private key as an RS256 signing key, read by the PKI core's PEM and PKCS#8 decoder. */
async function importSigningKey(pem: string): Promise<CryptoKey> {
  try {
    const parsed = await parsePrivateKey(pem);
    if (parsed.algorithm === "RSA") return await crypto.subtle.importKey("pkcs8", parsed.pkcs8, RS256, false, ["sign"]);
  } catch {
    // What the decoder found is about the key material; the caller only needs to know which field to fix.
  }
  throw new AppError("validation_failed", `${PRIVATE_KEY_PARAM}: Not a usable RSA PKCS#8 private key`, { param: PRIVATE_KEY_PARAM });
}
