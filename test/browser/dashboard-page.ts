/** Opening the console in chromium with a pasted token, and what each page then saw: its API answers, errors, dialogs. */
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";
import { CHROMIUM_ARGS } from "./chromium.mjs";

/** What the pages a test file opened saw: script errors and dialogs (an `alert` would mean markup ran). */
export interface PageWatch {
  pageErrors: string[];
  dialogs: string[];
  /** Each API answer a page got: `<status> <path>`, in order. */
  answered: WeakMap<Page, string[]>;
}

export function pageWatch(): PageWatch {
  return { pageErrors: [], dialogs: [], answered: new WeakMap() };
}

/** A new page of `context` on the dashboard, with `pasted` submitted as the team's token. */
export async function openWith(context: BrowserContext, watch: PageWatch, pasted: string): Promise<Page> {
  const page = await context.newPage();
  const answers: string[] = [];
  watch.answered.set(page, answers);
  page.on("requestfinished", (request) => {
    const path = new URL(request.url()).pathname;
    if (!path.startsWith("/api/")) return;
    // A request that finishes as the test closes the browser has no response left to read: nobody waits for its
    // answer then, and an unhandled rejection would fail the whole run after every test passed.
    request.response().then(
      (response) => answers.push(`${response?.status()} ${path}`),
      () => {},
    );
  });
  page.on("pageerror", (error) => watch.pageErrors.push(String(error)));
  page.on("dialog", (dialog) => {
    watch.dialogs.push(dialog.message());
    return dialog.dismiss();
  });
  // Longer than playwright's 30 s: on two loaded cores the first page of a fresh `wrangler dev` has taken that long.
  await page.goto(`${inject("browserWorkerUrl")}/`, { timeout: 50_000 });
  await page.getByLabel("API token", { exact: true }).fill(pasted);
  await page.getByRole("button", { name: "Open console" }).click();
  return page;
}

/** Opens a view of the console by its navigation link, as a person would. */
export async function goToView(page: Page, label: string): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: label, exact: true }).click();
  await page.getByRole("heading", { level: 2, name: label }).waitFor();
}

/** A chromium with one context for a test file's pages; `close` ends both (safe to call when launching failed). */
export async function launchDashboardBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const browser = await chromium.launch({ executablePath: inject("chromiumPath"), args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  return {
    context,
    async close() {
      await context.close();
      await browser.close();
    },
  };
}
