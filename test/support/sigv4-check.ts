/**
 * The fakes' own SigV4 check (AWS "Create a signed AWS API request",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): structure, credential scope, date
 * and the signature itself, recomputed from the canonical request with the secret key. Its own implementation (not
 * aws4fetch), so a signing mistake in the service fails a test. Each fake turns a failure into its API's error.
 */
const encoder = new TextEncoder();

export interface SigV4Expectation {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
  /** The fake's clock, milliseconds since the epoch. */
  now: number;
}

/** What went wrong, for the fake to map to its API's code and status. */
export type SigV4Failure = "missing" | "malformed" | "unknownKey" | "scope" | "date" | "expired" | "signedHeaders" | "sessionToken" | "mismatch";

export type SigV4Result = { ok: true; scope: string } | { ok: false; failure: SigV4Failure; message: string };

async function hmac(key: Uint8Array<ArrayBuffer> | string, data: string): Promise<Uint8Array<ArrayBuffer>> {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

async function sha256Hex(data: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(data))));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function fail(failure: SigV4Failure, message: string): SigV4Result {
  return { ok: false, failure, message };
}

/** Checks the Authorization header of `request`, whose body (already read) is `body`. */
export async function checkSigV4(request: Request, body: string, expected: SigV4Expectation): Promise<SigV4Result> {
  const authorization = request.headers.get("authorization");
  if (!authorization) return fail("missing", "Missing Authentication Token");
  const match = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return fail("malformed", "Authorization header requires Credential, SignedHeaders and Signature");
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== expected.accessKeyId) return fail("unknownKey", "The security token included in the request is invalid.");
  if (region !== expected.region || service !== expected.service) {
    return fail("scope", `Credential should be scoped to a valid region and service: ${expected.region}/${expected.service}, not ${region}/${service}`);
  }
  const amzDate = request.headers.get("x-amz-date");
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) {
    return fail("date", "X-Amz-Date must be present and match the credential scope date");
  }
  const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(expected.now - signedAt) > 5 * 60_000) return fail("expired", "Signature expired");
  const signedHeaders = signedHeaderList!.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) {
    return fail("signedHeaders", "SignedHeaders must include host and x-amz-date");
  }
  if (expected.sessionToken !== undefined) {
    if (request.headers.get("x-amz-security-token") !== expected.sessionToken || !signedHeaders.includes("x-amz-security-token")) {
      return fail("sessionToken", "The security token included in the request is invalid.");
    }
  }

  const url = new URL(request.url);
  const canonicalUri = url.pathname.split("/").map((segment) => uriEncode(segment)).join("/");
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signedHeaders
    .map((h) => `${h}:${h === "host" ? url.host : (request.headers.get(h) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const payloadHash = request.headers.get("x-amz-content-sha256") ?? (await sha256Hex(body));
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaderList, payloadHash].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256Hex(canonicalRequest)].join("\n");
  let key = await hmac(`AWS4${expected.secretAccessKey}`, date!);
  for (const part of [region!, service!, "aws4_request"]) key = await hmac(key, part);
  const computed = hex(await hmac(key, stringToSign));
  if (computed !== signature) {
    return fail(
      "mismatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    );
  }
  return { ok: true, scope };
}
