/**
 * An https GET with the Worker's fetch for http-01 validation's redirects to https: redirects are handed back, not
 * followed (the caller judges each target), and the body read within a limit. The certificate is verified, as the
 * Workers runtime always does (Let's Encrypt does not verify it on such a redirect; a self-signed target fails here).
 */
import { discardBody, readBodyText } from "./bounded-body";
import type { HttpAnswer } from "./http-get-at";

export type HttpsGet = (url: string, options: { timeoutMs: number; maxBytes: number }) => Promise<HttpAnswer>;

export const httpsGet: HttpsGet = async (url, { timeoutMs, maxBytes }) => {
  const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs), headers: { "User-Agent": "certdesk-acme-validation", Accept: "*/*" } });
  const location = response.headers.get("Location");
  const redirected = response.status >= 300 && response.status < 400;
  const body = redirected ? (await discardBody(response), "") : await readBodyText(response, maxBytes);
  return { status: response.status, body, ...(location !== null ? { location } : {}) };
};
