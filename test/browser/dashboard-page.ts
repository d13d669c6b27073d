/** Opening the dashboard in chromium with a pasted token, and what each page then saw: its API answers, errors, dialogs. */
import type { BrowserContext, Page } from "playwright-core";
import { inject } from "vitest";

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
  page.on("requestfinished", async (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/api/")) answers.push(`${(await request.response())?.status()} ${path}`);
  });
  page.on("pageerror", (error) => watch.pageErrors.push(String(error)));
  page.on("dialog", (dialog) => {
    watch.dialogs.push(dialog.message());
    return dialog.dismiss();
  });
  await page.goto(`${inject("browserWorkerUrl")}/`);
  await page.getByLabel("Team API token").fill(pasted);
  await page.getByRole("button", { name: "Show certificates" }).click();
  return page;
}
