/** The console's assets: served from here with their types, and scripts that keep the token in the tab and talk only to this origin. */
import { describe, expect, it } from "vitest";
import { call } from "../../support/api";

/** Every module the console loads: the entry script and what it imports, followed through "./x.js" imports. */
async function consoleModules(): Promise<Map<string, string>> {
  const modules = new Map<string, string>();
  const pending = ["app.js"];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (modules.has(file)) continue;
    const res = await call("GET", `/console/${file}`);
    expect(res.status, file).toBe(200);
    expect(res.headers.get("content-type"), file).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control"), file).toBe("no-cache");
    modules.set(file, res.text);
    for (const [, imported] of res.text.matchAll(/^import [^;]+ from "\.\/([a-z-]+\.js)";$/gm)) pending.push(imported!);
  }
  return modules;
}

describe("console assets", () => {
  it("serves each module as JavaScript and the stylesheet as CSS, revalidated on each load; an unknown module is a 404", async () => {
    const modules = await consoleModules();
    // The entry, the shared core, the project page, its actions, and every view of the navigation.
    expect(modules.size).toBeGreaterThanOrEqual(13);
    const style = await call("GET", "/console/console.css");
    expect(style.status).toBe(200);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await call("GET", "/console/nope.js")).status).toBe(404);
    expect((await call("GET", "/console/../app.js")).status).toBe(404);
    // Everything a script looks up by id is on the page, or made by the script itself (a view's heading).
    const page = await call("GET", "/");
    const all = [...modules.values()].join("\n");
    for (const [, id] of all.matchAll(/getElementById\("([^"]+)"\)/g)) {
      if (!page.text.includes(`id="${id}"`)) expect(all, id).toContain(`.id = "${id}"`);
    }
  });

  it("keeps the token out of localStorage, cookies, the URL and the console", async () => {
    const modules = await consoleModules();
    const all = [...modules.values()].join("\n");
    expect(modules.get("core.js")).toContain("sessionStorage");
    expect(all).not.toMatch(/localStorage|document\.cookie|console\.|history\.|searchParams/);
    // The page sets only its own fragment route; no script reads a token from the URL or sends one there.
    for (const [file, text] of modules) {
      for (const [line] of text.matchAll(/^.*location\..*$/gm)) expect(line, file).toMatch(/location\.hash/);
    }
    // Sent only as a header, by the one request function.
    expect(all.match(/Authorization: "Bearer "/g)).toHaveLength(1);
    expect(modules.get("core.js")).toMatch(/Authorization: "Bearer " \+ session\.token/);
    expect(modules.get("core.js")).toMatch(/credentials: "omit"/);
  });

  it("calls only this origin's API, by relative path, and writes API values only as text", async () => {
    expect((await consoleModules()).get("core.js")!.match(/\bfetch\(/g)).toHaveLength(1);
    for (const [file, text] of await consoleModules()) {
      expect(text, file).not.toMatch(/https?:\/\/|\/\/[a-z]/i);
      // One function sends requests (core.js's api), to paths of this origin.
      if (file !== "core.js") expect(text, file).not.toMatch(/\bfetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon/);
      expect(text, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\("on/);
    }
  });

  it("references nothing outside this origin from the stylesheet", async () => {
    const { text } = await call("GET", "/console/console.css");
    expect(text).not.toMatch(/url\(|@import|https?:/i);
  });
});
