/** The official Vercel SDKs, unmodified, pointed at the Worker under test through their own options. */
import { SELF } from "cloudflare:test";
import { checkedFetcher } from "../../support/no-secrets";
import { Vercel } from "@vercel/sdk";
import { HTTPClient } from "@vercel/sdk/lib/http.js";
import { Vercel as Vercel1185 } from "vercel-sdk-v1185";
import { HTTPClient as HTTPClient1185 } from "vercel-sdk-v1185/lib/http.js";

export const SERVER_URL = "https://certdesk.test";

/** Every request goes to the Worker (SELF), never the network. */
const fetcher = checkedFetcher((input, init) => SELF.fetch(input, init));

/** The current SDK (certs.*). `token: undefined` sends no Authorization header. */
export function vercel(token: string | undefined): Vercel {
  return new Vercel({ bearerToken: token, serverURL: SERVER_URL, httpClient: new HTTPClient({ fetcher }) });
}

/** @vercel/sdk@1.18.5, the last release with projects.*ClientCert* (strict response validation). */
export function vercel1185(token: string | undefined): Vercel1185 {
  return new Vercel1185({ bearerToken: token, serverURL: SERVER_URL, httpClient: new HTTPClient1185({ fetcher }) });
}
