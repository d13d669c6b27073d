/**
 * The console's Projects view and a project's page in chromium (global-setup.mjs starts the Worker, with
 * DOMAIN_VERIFICATION off as every local run: each name is verified at once): each project's domain with its
 * verification, the TXT record to create while pending, and Check now calling POST /api/v1/projects/:id/domain/verify.
 * The pending and conflict states a DNS lookup would lead to are the routed answers of GET …/domain, in the API's
 * shape; Check now reaches the real route.
 */
import "./context";
import { type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { jsonClient } from "../support/http-client";
import { goToView, launchDashboardBrowser, newTeam, openWith as openPage, pageWatch, tokenWith, viewLoaded } from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const unique = () => Math.random().toString(36).slice(2, 10);

type Project = { id: string; name: string; domain: string };
let token: string;
let readOnlyToken: string;
let first: Project;
let second: Project;
let third: Project;
let dashboard: Awaited<ReturnType<typeof launchDashboardBrowser>>;
const watch = pageWatch();
const openWith = (pasted: string) => openPage(dashboard.context, watch, pasted);

async function project(domain: string): Promise<Project> {
  const created = await api("POST", "/api/v1/projects", token, { name: `p-${unique()}`, domain });
  expect(created.status, created.text).toBe(200);
  return created.body as Project;
}

beforeAll(async () => {
  token = await newTeam("dom");
  first = await project(`first-${unique()}.example.com`);
  second = await project(`second-${unique()}.example.com`);
  third = await project(`third-${unique()}.example.com`);
  readOnlyToken = await tokenWith(token, "read only", ["certs:read", "projects:read"]);
  dashboard = await launchDashboardBrowser();
  await routeStates();
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
});

const TOKEN_VALUE = "certdesk-verification=9f2c4e8a1b7d3f6e0a5c9b2d4f8e1a3c7b6d0e2f";
const CONFLICT = "Another team verified this domain first; it cannot be verified for this team while that team holds it";

/** GET …/domain of `first` answers pending and of `second` conflict, as with verification required. */
async function routeStates() {
  const answer = (project: Project, verification: object) =>
    dashboard.context.route(`**/api/v1/projects/${project.id}/domain`, (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ domain: project.domain, verification }) }),
    );
  await answer(first, { status: "pending", method: "txt", recordName: `_certdesk.${first.domain}`, recordValue: TOKEN_VALUE });
  await answer(second, { status: "conflict", method: "txt", recordName: `_certdesk.${second.domain}`, message: CONFLICT });
}

/** A row of the projects table, found by the project's name (its row header, a link to its page). */
const rowOf = (page: Page, project: Project) => page.locator("#view tbody tr").filter({ has: page.getByRole("rowheader", { name: project.name, exact: true }) });
/** Domain, Verification, To do, Certificate, Action. */
const cells = (page: Page, project: Project) => rowOf(page, project).locator("td").allTextContents();

describe("the console's Projects view", () => {
  it("shows each domain pending (with the TXT record to create), conflict or verified; Check now asks the API and shows its answer", async () => {
    const page = await openWith(token);
    await goToView(page, "Projects");
    expect(page.url()).toBe(`${workerUrl}/#/projects`);
    expect(await page.locator("#status").textContent()).toBe("3 projects");
    expect((await cells(page, first)).slice(0, 3)).toEqual([first.domain, "Pending", `Create a TXT record at _certdesk.${first.domain} with the value ${TOKEN_VALUE}`]);
    expect((await cells(page, second)).slice(0, 3)).toEqual([second.domain, "Conflict", CONFLICT]);
    expect((await cells(page, third)).slice(0, 3)).toEqual([third.domain, "Verified", "None"]);
    expect((await cells(page, third))[3]).toBe("None yet");
    // Only a pending name has something to check.
    const table = page.locator("#view table");
    expect(await table.getByRole("button").count()).toBe(1);

    // The real route (verification off here: the name is the team's) answers verified; the row drops its record and button.
    await rowOf(page, first).getByRole("button", { name: `Check now ${first.domain}`, exact: true }).click();
    await expect.poll(async () => (await cells(page, first))[1]).toBe("Verified");
    expect((await cells(page, first))[2]).toBe("None");
    expect(await rowOf(page, first).locator(".outcome").textContent()).toBe("Verified");
    await expect.poll(() => watch.answered.get(page)).toContain(`200 /api/v1/projects/${first.id}/domain/verify`);
    expect(await table.getByRole("button", { name: /^Check now/ }).count()).toBe(0);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.dialogs).toEqual([]);
    await page.close();
  });

  it("opens a project's page from its row: the domain's state, and Check now there too", async () => {
    const page = await openWith(token);
    await goToView(page, "Projects");
    await rowOf(page, first).getByRole("link", { name: first.name, exact: true }).click();
    await page.getByRole("heading", { level: 2, name: `Project ${first.name}` }).waitFor();
    await viewLoaded(page);
    expect(page.url()).toBe(`${workerUrl}/#/projects/${first.id}`);
    expect(await page.getByRole("region", { name: "Domain" }).textContent()).toContain(first.domain);
    expect(await page.getByRole("region", { name: "Certificate" }).textContent()).toContain("No certificate yet");
    // The page's own address opens it again after a reload (the token is still in the tab).
    await page.reload();
    await page.getByRole("heading", { level: 2, name: `Project ${first.name}` }).waitFor({ timeout: 30_000 });
    expect(watch.pageErrors).toEqual([]);
    await page.close();
  });

  it("shows a token without projects:write the domains, and no Check now or New project", async () => {
    const page = await openWith(readOnlyToken);
    await goToView(page, "Projects");
    expect((await cells(page, first)).slice(0, 2)).toEqual([first.domain, "Pending"]);
    expect(await page.locator("#view").getByRole("button").count()).toBe(0);
    expect(watch.answered.get(page)).not.toContain(`200 /api/v1/projects/${first.id}/domain/verify`);
    await page.close();
  });
});
