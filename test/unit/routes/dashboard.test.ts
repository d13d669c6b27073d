/** The dashboard's assets: served from here with their types, and a script that keeps the token in the tab and talks only to this origin. */
import { describe, expect, it } from "vitest";
import { call } from "../../support/api";

describe("dashboard assets", () => {
  it("serves the script as JavaScript and the stylesheet as CSS, revalidated on each load", async () => {
    const script = await call("GET", "/dashboard.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("no-cache");
    const style = await call("GET", "/dashboard.css");
    expect(style.status).toBe(200);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    // Everything the script looks up by id is on the page.
    const page = await call("GET", "/");
    for (const [, id] of script.text.matchAll(/getElementById\("([^"]+)"\)/g)) expect(page.text, id).toContain(`id="${id}"`);
  });

  it("keeps the token out of localStorage, cookies, the URL and the console", async () => {
    const { text } = await call("GET", "/dashboard.js");
    expect(text).toContain("sessionStorage");
    expect(text).not.toMatch(/localStorage|document\.cookie|console\.|location\.|history\.|searchParams/);
    // Sent only as a header: the one place the token is read for a request.
    expect(text.match(/\btoken\b(?!_)/g)?.length).toBeGreaterThan(0);
    expect(text).toMatch(/Authorization: "Bearer " \+ token/);
    expect(text).toMatch(/credentials: "omit"/);
  });

  it("calls only this origin's API, by relative path, and writes API values only as text", async () => {
    const { text } = await call("GET", "/dashboard.js");
    expect(text).not.toMatch(/https?:|\/\/[a-z]/i);
    const paths = [...text.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1]);
    expect(new Set(paths)).toEqual(new Set(["/api/v1/certificates", "/api/v1/certificates/summary", "/api/v1/projects/", "/certificate/renew", "/api/v1/cas", "/api/v1/cas/", "/certificates?limit=", "/certificates", "/api/v1/dns-connections", "/api/v1/projects", "/domain", "/domain/verify", "/api/v1/acme-directories"]));
    expect(text).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
  });

  it("references nothing outside this origin from the stylesheet", async () => {
    const { text } = await call("GET", "/dashboard.css");
    expect(text).not.toMatch(/url\(|@import|https?:/i);
  });
});
