/** `GET /`: a self-contained HTML page for people, JSON for clients that ask for it, no auth. */
import { describe, expect, it } from "vitest";
import { call } from "../../support/api";

const LINKS = { docs: "/docs", openapi: "/openapi.json", health: "/health" };

/** Every URL the page would make a browser load or follow: attributes and CSS url()/@import. */
function referencedUrls(html: string): string[] {
  const attributes = [...html.matchAll(/\b(?:src|href|action|srcset|poster|data|formaction)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1] ?? "");
  const css = [...html.matchAll(/url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)/gi)].map((m) => m[1] ?? m[2] ?? "");
  return [...attributes, ...css];
}

describe("GET /", () => {
  it.each([
    ["no Accept header", undefined],
    ["curl's */*", "*/*"],
    ["a browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"],
  ])("answers %s with an HTML page naming the service and linking docs, OpenAPI and health", async (_, accept) => {
    const res = await call("GET", "/", { headers: accept ? { Accept: accept } : {} });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("vary")).toMatch(/accept/i);
    expect(res.text).toMatch(/<title>Certdesk<\/title>/);
    expect(res.text).toMatch(/<h1>Certdesk<\/h1>/);
    expect(res.text).toMatch(/certificate management API/);
    for (const path of Object.values(LINKS)) expect(res.text).toContain(`href="${path}"`);
  });

  it("loads nothing from another host: no scripts, only same-origin relative URLs, a CSP that forbids the rest", async () => {
    const res = await call("GET", "/");
    expect(res.text).not.toMatch(/<script|<iframe|<img|<link/i);
    const urls = referencedUrls(res.text);
    expect(urls.sort()).toEqual(Object.values(LINKS).sort());
    for (const url of urls) expect(url).toMatch(/^\/(?!\/)/);
    expect(res.text).not.toMatch(/https?:|\/\/[a-z]/i);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
  });

  it.each([["application/json"], ["application/json, text/plain, */*"], ["text/html;q=0.5, application/json"]])(
    "answers Accept: %s with JSON links",
    async (accept) => {
      const res = await call("GET", "/", { headers: { Accept: accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.body).toEqual({ name: "Certdesk", ...LINKS });
    },
  );

  it("links to pages that exist, without auth", async () => {
    for (const path of Object.values(LINKS)) expect((await call("GET", path)).status).toBe(200);
  });
});
