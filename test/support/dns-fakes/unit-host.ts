/**
 * The Cloudflare API fake the unit tests' Worker reaches (vitest.config.ts routes `DNS_FAKE_ORIGIN` here from its
 * outboundService, and DNS_API_BASE_URLS points `cloudflare` at it). Unit tests have no network otherwise.
 *
 * Any token that starts with `cf-ok-` is a valid API token that sees DNS_FAKE_ZONES; any other answers 403 with
 * Cloudflare's error 9109 "Invalid access token", as the real API does for a token it does not know. A test asks
 * `GET <DNS_FAKE_ORIGIN>/__seen` for every token the fake was called with, in order, to see which credentials a call used.
 */
import { createCloudflareFake, type CloudflareFake } from "./cloudflare";

export const DNS_FAKE_ORIGIN = "https://dns-fake.certdesk.test";
export const DNS_FAKE_ZONES = ["example.com", "example.net"];
const VALID = /^Bearer (cf-ok-\S+)$/;

const fakes = new Map<string, CloudflareFake>();
const seen: string[] = [];
/** Answers every token it does not know with the API's 403. */
const refusing = createCloudflareFake({ apiToken: "never-a-token-the-tests-use", zones: [] });

export async function handleDnsFake(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__seen") return Response.json(seen);
  const authorization = request.headers.get("authorization") ?? "";
  seen.push(authorization.replace(/^Bearer /, ""));
  const token = VALID.exec(authorization)?.[1];
  if (!token) return refusing.handle(request);
  let fake = fakes.get(token);
  if (!fake) fakes.set(token, (fake = createCloudflareFake({ apiToken: token, zones: DNS_FAKE_ZONES })));
  return fake.handle(request);
}
