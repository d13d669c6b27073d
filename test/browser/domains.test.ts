/**
 * The dashboard's "Domains" section in chromium (global-setup.mjs starts the Worker, with DOMAIN_VERIFICATION off as
 * every local run: each name is verified at once): each project's domain with its verification, the TXT record to
 * create while pending, and Check now calling POST /api/v1/projects/:id/domain/verify. The pending and conflict
 * states a DNS lookup would lead to are the routed answers of GET …/domain, in the API's shape; Check now reaches the
 * real route.
 */
import "./context";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHROMIUM_ARGS } from "./chromium.mjs";
import { jsonClient } from "../support/http-client";
import { openWith as openPage, pageWatch } from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const unique = () => Math.random().toString(36).slice(2, 10);

type Project = { id: string; name: string; domain: string };
let token: string;
let readOnlyToken: string;
let first: Project;
let second: Project;
let third: Project;
let browser: Browser;
let context: BrowserContext;
const watch = pageWatch();
const openWith = (pasted: string) => openPage(context, watch, pasted);

async function project(domain: string): Promise<Project> {
  const created = await api("POST", "/api/v1/projects", token, { name: `p-${unique()}`, domain });
  expect(created.status, created.text).toBe(200);
  return created.body as Project;
}

beforeAll(async () => {
  const team = await api("POST", "/api/v1/teams", inject("browserAdminToken"), { slug: `dom-${unique()}`, name: "Domains team" });
  expect(team.status, team.text).toBe(200);
  token = (team.body as { token: string }).token;
  first = await project(`first-${unique()}.example.com`);
  second = await project(`second-${unique()}.example.com`);
  third = await project(`third-${unique()}.example.com`);
  const limited = await api("POST", "/api/v1/tokens", token, { name: "read only", scopes: ["certs:read", "projects:read"] });
  expect(limited.status, limited.text).toBe(200);
  readOnlyToken = (limited.body as { token: string }).token;
  browser = await chromium.launch({ executablePath: inject("chromiumPath"), args: CHROMIUM_ARGS });
  context = await browser.newContext();
  await routeStates(context);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

const TOKEN_VALUE = "certdesk-verification=9f2c4e8a1b7d3f6e0a5c9b2d4f8e1a3c7b6d0e2f";
const CONFLICT = "Another team verified this domain first; it cannot be verified for this team while that team holds it";

/** GET …/domain of `first` answers pending and of `second` conflict, as with verification required. */
async function routeStates(on: BrowserContext) {
  await on.route(`**/api/v1/projects/${first.id}/domain`, (route) =>
    route.fulfill({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ domain: first.domain, verification: { status: "pending", method: "txt", recordName: `_certdesk.${first.domain}`, recordValue: TOKEN_VALUE } }),
    }),
  );
  await on.route(`**/api/v1/projects/${second.id}/domain`, (route) =>
    route.fulfill({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ domain: second.domain, verification: { status: "conflict", method: "txt", recordName: `_certdesk.${second.domain}`, message: CONFLICT } }),
    }),
  );
}

const rowOf = (page: Page, domain: string) => page.locator("#domains").getByRole("row").filter({ has: page.getByRole("rowheader", { name: domain }) });

describe("dashboard domains", () => {
  it("shows each domain pending (with the TXT record to create), conflict or verified; Check now asks the API and shows its answer", async () => {
    const page = await openWith(token);
    const section = page.locator("#domains");
    await expect.poll(() => section.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await section.locator("#domains-summary").textContent()).toBe("3 domains");
    const cells = (domain: string) => rowOf(page, domain).locator("td").allTextContents();
    expect((await cells(first.domain)).slice(0, 3)).toEqual([first.name, "Pending", `Create a TXT record at _certdesk.${first.domain} with the value ${TOKEN_VALUE}`]);
    expect((await cells(second.domain)).slice(0, 3)).toEqual([second.name, "Conflict", CONFLICT]);
    expect((await cells(third.domain)).slice(0, 3)).toEqual([third.name, "Verified", "None"]);
    // Only a pending name has something to check.
    expect(await section.getByRole("button").count()).toBe(1);

    // The real route (verification off here: the name is the team's) answers verified; the row drops its record and button.
    await rowOf(page, first.domain).getByRole("button", { name: `Check now ${first.domain}` }).click();
    await expect.poll(() => rowOf(page, first.domain).locator("td").nth(1).textContent()).toBe("Verified");
    expect(await rowOf(page, first.domain).locator("td").nth(2).textContent()).toBe("None");
    expect(await rowOf(page, first.domain).locator(".outcome").textContent()).toBe("Verified");
    expect(watch.answered.get(page)).toContain(`200 /api/v1/projects/${first.id}/domain/verify`);
    expect(await section.getByRole("button").count()).toBe(0);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.dialogs).toEqual([]);
    await page.close();
  });

  it("a token without projects:write sees the domains, and Check now says why it did nothing", async () => {
    const page = await openWith(readOnlyToken);
    const row = rowOf(page, first.domain);
    await row.waitFor({ timeout: 30_000 });
    await row.getByRole("button", { name: `Check now ${first.domain}` }).click();
    await expect.poll(() => row.locator(".outcome").textContent()).toMatch(/^Not checked: .*projects:write/);
    expect(await row.locator("td").nth(1).textContent()).toBe("Pending");
    await page.close();
  });
});
