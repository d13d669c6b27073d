/** What the view tests share: a page opened on a view, and axe-core's serious and critical findings on a view. */
import { createRequire } from "node:module";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";
import { CHROMIUM_ARGS } from "./chromium.mjs";
import { goToView, openWith, type PageWatch, pageWatch } from "./dashboard-page";

const AXE_SCRIPT = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** A new page of `context` with `pasted` submitted, on the console view `label` once it has loaded. */
export async function openView(context: BrowserContext, watch: PageWatch, pasted: string, label: string): Promise<Page> {
  const page = await openWith(context, watch, pasted);
  await goToView(page, label);
  return page;
}

/**
 * axe-core's serious and critical violations on the console view `label` as `token` sees it, after `prepare` (opening
 * its forms, say): one line per rule with the elements it found.
 */
export async function axeFindings(token: string, label: string, prepare?: (page: Page) => Promise<void>): Promise<string[]> {
  const browser = await chromium.launch({ executablePath: inject("chromiumPath"), args: CHROMIUM_ARGS });
  try {
    // bypassCSP for this check only: the console's CSP (script-src 'self', Trusted Types required) rightly refuses the
    // injected axe script; every other test runs under the CSP as served.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await openView(context, pageWatch(), token, label);
    await prepare?.(page);
    await page.addScriptTag({ path: AXE_SCRIPT });
    type AxeResults = { violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] };
    // Runs in the page (this project's types have no DOM): axe-core's whole document, every rule it enables by default.
    const violations = await page.evaluate(async () => {
      const inPage = globalThis as unknown as { axe: { run(context: unknown): Promise<AxeResults> }; document: unknown };
      return (await inPage.axe.run(inPage.document)).violations.map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(" ")) }));
    });
    return violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical").map((violation) => `${violation.id} (${violation.impact}): ${violation.targets.join(", ")}`);
  } finally {
    await browser.close();
  }
}
