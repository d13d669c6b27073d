/**
 * Opening the console in chromium with a pasted token, and what each page then saw: its API answers, errors, dialogs;
 * a team and an uploaded certificate to show, and screenshots under `.tmp/browser/`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { expect, inject } from "vitest";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { jsonClient } from "../support/http-client";
import { dayMs, makeCa, makeChain } from "../support/pki-fixtures";
import { CHROMIUM_ARGS } from "./chromium.mjs";

const api = jsonClient(() => inject("browserWorkerUrl"));
const unique = () => Math.random().toString(36).slice(2, 10);
const SCREENSHOTS = join(REPO_ROOT, ".tmp", "browser");

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
  await page.goto(`${inject("browserWorkerUrl")}/`, { timeout: 100_000 });
  await page.getByLabel("API token", { exact: true }).fill(pasted);
  await page.getByRole("button", { name: "Open console" }).click();
  return page;
}

/** Opens a view of the console by its navigation link, as a person would, and waits until it has loaded. */
export async function goToView(page: Page, label: string): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: label, exact: true }).click();
  await page.getByRole("heading", { level: 2, name: label }).waitFor();
  await viewLoaded(page);
}

/** Waits until the view on screen has finished loading (app.js marks its section aria-busy while it renders). */
export async function viewLoaded(page: Page): Promise<void> {
  await page.locator("#view > section:not([aria-busy])").waitFor({ timeout: 30_000 });
}

/** A full-page screenshot of what `page` shows, as `.tmp/browser/<name>.png`; its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A new team (the operator's route), and its first token: that one holds every scope. */
export async function newTeam(label: string): Promise<string> {
  const team = await api("POST", "/api/v1/teams", inject("browserAdminToken"), { slug: `${label}-${unique()}`, name: `${label} team` });
  expect(team.status, team.text).toBe(200);
  return (team.body as { token: string }).token;
}

/** A token of the team `token` belongs to, with `scopes` only. */
export async function tokenWith(token: string, name: string, scopes: string[]): Promise<string> {
  const created = await api("POST", "/api/v1/tokens", token, { name, scopes });
  expect(created.status, created.text).toBe(200);
  return (created.body as { token: string }).token;
}

/**
 * A project with a domain under `label`, and an uploaded certificate for it with 90 days of life, valid until `daysLeft`
 * and a half days from now (so 10 days left is inside the "expiring soon" window, 60 is not). `issuerOrganization` names
 * the issuing CA's organization, which the API reports as the certificate's issuer.
 */
export async function projectWithCertificate(token: string, label: string, daysLeft: number, issuerOrganization?: string) {
  const domain = `${label}-${unique()}.example.com`;
  const project = await api("POST", "/api/v1/projects", token, { name: `p-${unique()}`, domain });
  expect(project.status, project.text).toBe(200);
  const notAfter = new Date(Date.now() + (daysLeft + 0.5) * dayMs);
  const chain = await makeChain({ names: [domain], notBefore: new Date(notAfter.getTime() - 90 * dayMs), notAfter, ...(await issuedBy(issuerOrganization)) });
  const uploaded = await api("POST", `/api/v1/projects/${project.body.id}/certificate/upload`, token, { certificate: chain.fullPem, privateKey: chain.keyPem });
  expect(uploaded.status, uploaded.text).toBe(200);
  return { domain, projectId: project.body.id as string, projectName: project.body.name as string, notAfter };
}

async function issuedBy(organization: string | undefined) {
  if (organization === undefined) return {};
  const root = await makeCa({ cn: `Root ${unique()}`, o: organization });
  return { issuer: await makeCa({ cn: `Issuing ${unique()}`, o: organization, issuer: root }) };
}

/**
 * A chromium with one context for a test file's pages (made with `contextOptions`); `close` ends both (safe to call when
 * launching failed). Another context of the same browser: `browser.newContext()`.
 */
export async function launchDashboardBrowser(
  contextOptions: BrowserContextOptions = {},
): Promise<{ browser: Browser; context: BrowserContext; close(): Promise<void> }> {
  const browser = await chromium.launch({ executablePath: inject("chromiumPath"), args: CHROMIUM_ARGS });
  const context = await browser.newContext(contextOptions);
  return {
    browser,
    context,
    async close() {
      await context.close();
      await browser.close();
    },
  };
}
