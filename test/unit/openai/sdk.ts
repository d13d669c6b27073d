/** The official OpenAI SDK, unmodified, pointed at the Worker under test through its own options. */
import { SELF } from "cloudflare:test";
import { checkedFetcher } from "../../support/no-secrets";
import OpenAI from "openai";

/**
 * An admin client for `token`. Admin endpoints authenticate with `adminAPIKey` only; `apiKey` is a
 * placeholder the constructor needs and is never sent. `token: null` sends no Authorization header.
 */
export function openai(token: string | null): OpenAI {
  return new OpenAI({
    adminAPIKey: token ?? "unused",
    apiKey: "unused",
    baseURL: "https://certdesk.test/v1",
    maxRetries: 0,
    fetch: checkedFetcher((url, init) => SELF.fetch(url, init)),
    ...(token === null ? { defaultHeaders: { Authorization: null } } : {}),
  });
}
