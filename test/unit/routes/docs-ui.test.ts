/** `/docs`: Swagger UI from this Worker (the pinned swagger-ui-dist), nothing from another host, no inline script. */
import { describe, expect, it } from "vitest";
import { call } from "../../support/api";

/** Every URL the page makes a browser load or follow: attributes and CSS url()/@import. */
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

describe("GET /docs", () => {
  it("references only this origin: its own stylesheet, bundle and start-up script", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const urls = referencedUrls(res.text);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) expect(url).toMatch(/^\/(?!\/)/);
    expect(res.text).not.toMatch(/https?:|\/\/[a-z]/i);
    // No inline script: every <script> has a src and no body.
    for (const script of res.text.match(/<script\b[^>]*>[\s\S]*?<\/script>/gi) ?? []) expect(script).toMatch(/^<script src="\/[^"]+"><\/script>$/);
  });

  it("serves each asset it references from here, with the right content type", async () => {
    const page = await call("GET", "/docs");
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)?.[1];
    const scripts = [...page.text.matchAll(/<script src="([^"]+)">/g)].map((m) => m[1]!);
    expect(stylesheet).toMatch(/^\/docs\//);
    expect(scripts).toHaveLength(2);
    const css = await call("GET", stylesheet!);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(css.text).toContain(".swagger-ui");
    const [bundle, init] = await Promise.all(scripts.map((src) => call("GET", src)));
    for (const script of [bundle!, init!]) {
      expect(script.status).toBe(200);
      expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    }
    expect(bundle!.text).toContain("SwaggerUIBundle");
    expect(bundle!.text.length).toBeGreaterThan(1_000_000);
    expect(init!.text).toContain('url: "/openapi.json"');
    expect(init!.text).toContain("validatorUrl: null");
  });

  it("serves a stylesheet that loads only data: URLs and a start-up script that names no other host", async () => {
    const page = await call("GET", "/docs");
    const stylesheet = await call("GET", /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)![1]!);
    const loads = referencedUrls(stylesheet.text);
    expect(loads.length).toBeGreaterThan(0);
    for (const url of loads) expect(url).toMatch(/^data:/);
    const init = await call("GET", "/docs/init.js");
    expect(init.text).not.toMatch(/https?:|\/\/[a-z]/i);
    // Swagger UI fetches the document from this origin, and its servers entry is relative too.
    const document = (await call("GET", "/openapi.json")).body;
    for (const server of document.servers) expect(server.url).toMatch(/^\/(?!\/)/);
  });

  it("names the pinned Swagger UI version in the assets' paths, so they can be cached for good", async () => {
    const page = await call("GET", "/docs");
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)![1]!;
    expect(stylesheet).toBe("/docs/assets/swagger-ui-5.35.0/swagger-ui.css");
    expect((await call("GET", stylesheet)).headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });

  it("has a CSP that allows scripts, styles and requests from this origin only, and no inline script", async () => {
    const csp = policy((await call("GET", "/docs")).headers.get("content-security-policy"));
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.get("script-src")).toEqual(["'self'"]);
    expect(csp.get("style-src")).toEqual(["'self'"]);
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("img-src")).toEqual(["'self'", "data:"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    for (const sources of csp.values()) for (const source of sources) expect(source).toMatch(/^('self'|'none'|data:)$/);
  });
});
