/**
 * OAuth 2.0 access tokens for a Google service account (RFC 7523 JWT bearer grant): a JWT signed RS256 with
 * the account's PKCS#8 key through WebCrypto, exchanged at the key file's token_uri.
 */
import { AppError } from "../core/errors";
import { base64ToBytes, bytesToBase64Url, utf8 } from "../crypto/encoding";
import type { GoogleServiceAccount } from "./credentials";
import { providerError, providerRequest, tryParseJson, type ProviderClient } from "./http";

export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
export const CLOUD_DNS_SCOPE = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ASSERTION_LIFETIME_S = 3600;
/** Refresh this long before the token's stated expiry. */
const EXPIRY_MARGIN_MS = 60_000;

/** Hands out a cached access token, fetching a new one when it is close to expiry. */
export function createGoogleTokenSource(
  client: ProviderClient,
  account: GoogleServiceAccount,
  now: () => number = Date.now,
): () => Promise<string> {
  let key: Promise<CryptoKey> | undefined;
  let cached: { token: string; expiresAt: number } | undefined;

  async function signAssertion(): Promise<string> {
    key ??= importPrivateKey(account.private_key);
    key.catch(() => (key = undefined));
    const iat = Math.floor(now() / 1000);
    const header = { alg: "RS256", typ: "JWT", ...(account.private_key_id ? { kid: account.private_key_id } : {}) };
    const claims = {
      iss: account.client_email,
      scope: CLOUD_DNS_SCOPE,
      aud: account.token_uri ?? GOOGLE_TOKEN_URI,
      iat,
      exp: iat + ASSERTION_LIFETIME_S,
    };
    const signingInput = `${encodeSegment(header)}.${encodeSegment(claims)}`;
    const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", await key, utf8.encode(signingInput));
    return `${signingInput}.${bytesToBase64Url(new Uint8Array(signature))}`;
  }

  return async function accessToken(): Promise<string> {
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now()) return cached.token;
    const response = await providerRequest(client, account.token_uri ?? GOOGLE_TOKEN_URI, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: await signAssertion() }).toString(),
    });
    const body = tryParseJson<{ access_token?: string; expires_in?: number; error?: string; error_description?: string }>(response.text);
    if (response.status >= 300 || !body?.access_token) {
      const said = [body?.error, body?.error_description].filter(Boolean).join(": ");
      // The token endpoint answers 400 invalid_grant / 401 invalid_client for a bad or revoked key.
      throw providerError(client, response, "issue an access token", said || undefined, {
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

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  try {
    const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\\n/g, "").replace(/\s+/g, "");
    return await crypto.subtle.importKey(
      "pkcs8",
      base64ToBytes(body),
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["sign"],
    );
  } catch {
    throw new AppError("validation_failed", "dnsCredentials.credentials.private_key: Not a usable RSA PKCS#8 private key", {
      param: "dnsCredentials.credentials.private_key",
    });
  }
}
