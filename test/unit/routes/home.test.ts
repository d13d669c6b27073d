/** `GET /`: the console page for people (no auth to load it; the data needs a token), JSON for clients that ask for it. */
import { describe, expect, it } from "vitest";
import { call } from "../../support/api";

const LINKS = { docs: "/docs", openapi: "/openapi.json", health: "/health" };
const ASSETS = ["/console/console.css", "/console/app.js", "#main", ...["projects", "certificates", "webhooks", "deploy-targets", "dns-connections", "private-cas", "acme-directories", "tokens", "audit-log"].map((view) => `#/${view}`)];

/** Every URL the page would make a browser load or follow: attributes and CSS url()/@import. */
function referencedUrls(html: string): string[] {
  const attributes = [...html.matchAll(/\b(?:src|href|action|srcset|poster|data|formaction)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1] ?? "");
  const css = [...html.matchAll(/url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)/gi)].map((m) => m[1] ?? m[2] ?? "");
  return [...attributes, ...css];
}

/** The policy as directive → sources. */
function policy(header: string | null): Map<string, string[]> {
  const parsed = new Map<string, string[]>();
  for (const part of (header ?? "").split(";")) {
    const [directive, ...sources] = part.trim().split(/\s+/);
    if (directive) parsed.set(directive, sources);
  }
  return parsed;
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

  it("loads nothing from another host: its own stylesheet and module script, relative links, nothing inline", async () => {
    const res = await call("GET", "/");
    const urls = referencedUrls(res.text);
    expect(new Set(urls)).toEqual(new Set([...Object.values(LINKS), ...ASSETS]));
    for (const url of urls) expect(url).toMatch(/^(\/(?!\/)|#)/);
    expect(res.text).not.toMatch(/https?:|\/\/[a-z]/i);
    expect(res.text).not.toMatch(/<iframe|<img|<object|<embed|<style|\sstyle=|\son[a-z]+=/i);
    // Every script is a same-origin file with an empty body: nothing inline for the policy to allow.
    const scripts = res.text.match(/<script\b[^>]*>[\s\S]*?<\/script>/gi) ?? [];
    expect(scripts).toEqual(['<script type="module" src="/console/app.js"></script>']);
  });

  it("sends a policy that allows scripts, styles and requests from this origin only, and no inline code", async () => {
    const res = await call("GET", "/");
    const csp = policy(res.headers.get("content-security-policy"));
    expect(csp.get("default-src")).toEqual(["'none'"]);
    for (const directive of ["script-src", "style-src", "connect-src"]) expect(csp.get(directive), directive).toEqual(["'self'"]);
    expect(csp.get("form-action")).toEqual(["'none'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("require-trusted-types-for")).toEqual(["'script'"]);
    expect(res.headers.get("content-security-policy")).not.toMatch(/unsafe-|\*|https?:|data:/);
  });

  it("labels the token field, which has no name (a submitted form would carry no token) and no action to go to", async () => {
    const res = await call("GET", "/");
    const input = /<input\b[^>]*id="token"[^>]*>/.exec(res.text)?.[0];
    expect(input).toMatch(/type="password"/);
    expect(input).not.toMatch(/\bname=/);
    expect(input).toMatch(/autocomplete="off"/);
    expect(res.text).toMatch(/<label for="token">[^<]+<\/label>/);
    expect(res.text).not.toMatch(/<form\b[^>]*\b(action|method)=/);
    // The console's navigation names every view, each a fragment route of this page.
    const navigation = /<nav id="console-nav" aria-label="Console"[\s\S]*?<\/nav>/.exec(res.text)?.[0] ?? "";
    const labels = [...navigation.matchAll(/<a href="#\/[a-z-]+" data-view="[a-z-]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(["Projects", "Certificates", "Webhooks", "Deploy targets", "Tokens", "Audit log"]));
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

  it("links to pages and assets that exist, without auth", async () => {
    for (const path of [...Object.values(LINKS), ...ASSETS].filter((url) => !url.startsWith("#"))) expect((await call("GET", path)).status, path).toBe(200);
  });
});
