/**
 * The dashboard at `/` in a real browser: Debian's chromium driven by playwright-core against a `wrangler dev` of this
 * Worker (global-setup.mjs). A person pastes a team token and sees the team's certificates, nearest expiry first; the
 * token stays in the tab, and nothing is requested from anywhere but this origin.
 */
import "./context";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type ConsoleMessage, type Page, type Request, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { dayMs, makeChain } from "../support/pki-fixtures";
import { CHROMIUM_ARGS } from "./chromium.mjs";
import { jsonClient } from "../support/http-client";

const workerUrl = inject("browserWorkerUrl");
const origin = new URL(workerUrl).origin;
const SCREENSHOT = join(REPO_ROOT, ".tmp", "browser", "dashboard.png");

const api = jsonClient(() => workerUrl);

const unique = () => Math.random().toString(36).slice(2, 10);

/** A project with `domain`, and an uploaded certificate for it valid until `daysLeft` and a half days from now. */
async function projectWithCertificate(token: string, label: string, daysLeft: number) {
  const domain = `${label}-${unique()}.example.com`;
  const project = await api("POST", "/api/v1/projects", token, { name: `p-${unique()}`, domain });
  expect(project.status, project.text).toBe(200);
  const notAfter = new Date(Date.now() + (daysLeft + 0.5) * dayMs);
  // 90 days of life, so that 10 days left is inside the "expiring soon" window and 60 is not.
  const chain = await makeChain({ names: [domain], notBefore: new Date(notAfter.getTime() - 90 * dayMs), notAfter });
  const uploaded = await api("POST", `/api/v1/projects/${project.body.id}/certificate/upload`, token, {
    certificate: chain.fullPem,
    privateKey: chain.keyPem,
  });
  expect(uploaded.status, uploaded.text).toBe(200);
  return { domain, projectId: project.body.id as string, notAfter };
}

/** A team-level certificate (Vercel `PUT /v8/certs`) for a name the team holds through a project. */
async function teamCertificate(token: string, daysLeft: number) {
  const domain = `team-${unique()}.example.com`;
  expect((await api("POST", "/api/v1/projects", token, { name: `p-${unique()}`, domain })).status).toBe(200);
  const notAfter = new Date(Date.now() + (daysLeft + 0.5) * dayMs);
  const chain = await makeChain({ names: [domain], notBefore: new Date(Date.now() - dayMs), notAfter });
  const uploaded = await api("PUT", "/v8/certs", token, { cert: chain.leafPem, key: chain.keyPem, ca: chain.intermediatePem! + chain.rootPem });
  expect(uploaded.status, uploaded.text).toBe(200);
  return { domain, notAfter };
}

let token: string;
let soon: Awaited<ReturnType<typeof projectWithCertificate>>;
let later: Awaited<ReturnType<typeof projectWithCertificate>>;
let teamLevel: Awaited<ReturnType<typeof teamCertificate>>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requests: Request[] = [];
const leftTheOrigin: string[] = [];
const consoleMessages: string[] = [];
const pageErrors: string[] = [];

function watch(watched: Page) {
  watched.on("console", (message: ConsoleMessage) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  watched.on("pageerror", (error) => pageErrors.push(String(error)));
}

/** The domains of the table's rows, top to bottom. */
async function domainsShown(on: Page = page): Promise<string[]> {
  return on.locator("#rows th[scope=row] .domain").allTextContents();
}

// The certificates table's rows only: the Domains section has rows headed by a domain too.
const rowOf = (domain: string, on: Page = page) => on.locator("#rows").getByRole("row").filter({ has: on.getByRole("rowheader", { name: domain }) });

beforeAll(async () => {
  const team = await fetch(`${workerUrl}/api/v1/teams`, {
    method: "POST",
    headers: { Authorization: `Bearer ${inject("browserAdminToken")}`, "Content-Type": "application/json" },
    body: JSON.stringify({ slug: `dash-${unique()}`, name: "Dashboard team" }),
  });
  expect(team.status).toBe(200);
  token = ((await team.json()) as { token: string }).token;
  later = await projectWithCertificate(token, "later", 60);
  soon = await projectWithCertificate(token, "soon", 10);
  teamLevel = await teamCertificate(token, 30);

  browser = await chromium.launch({ executablePath: inject("chromiumPath"), headless: true, args: CHROMIUM_ARGS });
  context = await browser.newContext();
  context.on("request", (request) => requests.push(request));
  // Anything aimed elsewhere is recorded and never sent.
  await context.route(
    (url) => url.origin !== origin,
    (route) => {
      leftTheOrigin.push(route.request().url());
      return route.abort();
    },
  );
  page = await context.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
});

describe("the dashboard in chromium", () => {
  it("shows every certificate of the team with its days left, nearest expiry first, once a token is pasted", async () => {
    await page.goto(`${workerUrl}/`);
    await expect.poll(() => page.title()).toBe("Certdesk");
    expect(await page.locator("#inventory").isHidden()).toBe(true);
    await page.getByLabel("Team API token").fill(token);
    await page.getByRole("button", { name: "Show certificates" }).click();
    await rowOf(soon.domain).waitFor();

    expect(await domainsShown()).toEqual([soon.domain, teamLevel.domain, later.domain]);
    const expectedDays = (notAfter: Date) => Math.floor((notAfter.getTime() - Date.now()) / dayMs);
    for (const certificate of [soon, teamLevel, later]) {
      await expect.poll(() => rowOf(certificate.domain).locator(".days-left").textContent()).toBe(`${expectedDays(certificate.notAfter)} days`);
    }
    expect(await rowOf(soon.domain).locator(".state").textContent()).toBe("Expiring soon");
    expect(await rowOf(later.domain).locator(".state").textContent()).toBe("Valid");
    expect(await page.locator("#nearest").textContent()).toContain(`Nearest expiry: ${soon.domain} expires in 10 days`);
    // The whole team, counted by the API (10.5 days left is within 14 and 30 days; 30.5 and 60.5 are beyond both).
    await expect
      .poll(() => page.locator("#expiry-summary").textContent())
      .toBe("Every certificate of the team: 0 expired, 0 within 1 day, 0 within 7 days, 1 within 14 days, 1 within 30 days; 0 failing to renew.");
    // The form field no longer holds the token once it is used.
    expect(await page.getByLabel("Team API token").inputValue()).toBe("");
    // The sections load after the table, one request after another, the ACME directories last: the next test's Renew
    // starts once that one is answered, so the bookmark test below sees one chain of requests, not two interleaved.
    const lastSection = () => requests.find((request) => new URL(request.url()).pathname === "/api/v1/acme-directories");
    await expect.poll(() => lastSection()).toBeDefined();
    await lastSection()!.response();
  });

  it("offers Renew for project certificates only, and shows the API's answer", async () => {
    expect(await rowOf(teamLevel.domain).getByRole("button").count()).toBe(0);
    expect(await rowOf(teamLevel.domain).textContent()).toContain("No manual renew");
    // An uploaded certificate cannot be renewed here: the page must say what the API says.
    const refusal = await api("POST", `/api/v1/projects/${soon.projectId}/certificate/renew`, token);
    expect(refusal.status).toBe(400);
    expect(refusal.body.error).toMatch(/\S/);
    const renew = rowOf(soon.domain).getByRole("button", { name: `Renew ${soon.domain}` });
    await renew.click();
    await expect.poll(() => rowOf(soon.domain).locator(".outcome").textContent()).toBe(`Not renewed: ${refusal.body.error}`);
    expect(await renew.isEnabled()).toBe(true);
  });

  it("sends back the newest D1 bookmark it was answered with, so a read after its renew sees what the renew wrote", async () => {
    const calls = requests.filter((request) => new URL(request.url()).pathname.startsWith("/api/"));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    const answered = await Promise.all(calls.map(async (request) => (await (await request.response())?.headerValue("x-d1-bookmark")) ?? null));
    const sent = await Promise.all(calls.map((request) => request.headerValue("x-d1-bookmark")));
    expect(sent[0]).toBeNull();
    expect(answered[0]).toMatch(/\S/);
    // The page's API calls run one after another: each carries the newest bookmark of the answers before it.
    for (let i = 1; i < calls.length; i++) {
      const newest = answered.slice(0, i).filter((value): value is string => value !== null).sort().at(-1);
      expect(sent[i], calls[i]!.url()).toBe(newest);
    }
  });

  it("sorts by days left both ways from the column's button", async () => {
    const sortButton = page.getByRole("button", { name: /Days left/ });
    await sortButton.click();
    expect(await domainsShown()).toEqual([later.domain, teamLevel.domain, soon.domain]);
    expect(await page.locator("#days-header").getAttribute("aria-sort")).toBe("descending");
    await sortButton.click();
    expect(await domainsShown()).toEqual([soon.domain, teamLevel.domain, later.domain]);
    expect(await page.locator("#days-header").getAttribute("aria-sort")).toBe("ascending");
  });

  it("keeps the token in the tab only: never in a URL, localStorage, a cookie or the console", async () => {
    // Page-side expressions are strings here: the tests type-check without the DOM library.
    expect(page.url()).toBe(`${workerUrl}/`);
    expect(await page.evaluate("JSON.stringify(Object.entries(localStorage))")).toBe("[]");
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate('sessionStorage.getItem("certdesk.token")')).toBe(token);
    for (const request of requests) expect(request.url()).not.toContain(token);
    for (const message of consoleMessages) expect(message).not.toContain(token);
    // Sent only to the API, in the Authorization header; never with the page or its assets.
    for (const request of requests) {
      const authorization = await request.headerValue("authorization");
      if (new URL(request.url()).pathname.startsWith("/api/")) expect(authorization).toBe(`Bearer ${token}`);
      else expect(authorization, request.url()).toBeNull();
    }
    // Another tab does not have it.
    const other = await context.newPage();
    await other.goto(`${workerUrl}/`);
    expect(await other.evaluate("sessionStorage.length")).toBe(0);
    expect(await other.locator("#inventory").isHidden()).toBe(true);
    await other.close();
  });

  it("requests nothing from another origin, and runs under its policy with no violation or error", async () => {
    const paths = requests.map((request) => new URL(request.url()).pathname);
    expect(paths).toEqual(expect.arrayContaining(["/", "/dashboard.js", "/dashboard.css", "/api/v1/certificates"]));
    expect(leftTheOrigin).toEqual([]);
    for (const request of requests) expect(new URL(request.url()).origin).toBe(origin);
    expect(pageErrors).toEqual([]);
    for (const message of consoleMessages) expect(message).not.toMatch(/Content Security Policy|Trusted Type/i);
    // The policy is in force: a string never becomes markup (Trusted Types), yet the dashboard above worked.
    const markup = await page.evaluate(
      "(() => { try { document.createElement('div').innerHTML = '<b>x</b>'; return 'allowed'; } catch (error) { return error.name; } })()",
    );
    expect(markup).toBe("TypeError");
  });

  it("loads the list again after a reload of the tab, and forgets the token on request", async () => {
    await page.reload();
    await rowOf(soon.domain).waitFor();
    await page.getByRole("button", { name: "Forget token" }).click();
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    expect(await page.locator("#inventory").isHidden()).toBe(true);
    await page.reload();
    expect(await page.locator("#status").textContent()).toBe("");
    expect(await page.locator("#inventory").isHidden()).toBe(true);
  });

  it("tells a refused token apart, and does not keep it", async () => {
    await page.getByLabel("Team API token").fill("cdk_not-a-real-token");
    await page.getByRole("button", { name: "Show certificates" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("Invalid or revoked API token");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
  });

  it("saves a screenshot of the dashboard", async () => {
    await page.getByLabel("Team API token").fill(token);
    await page.getByRole("button", { name: "Show certificates" }).click();
    await rowOf(soon.domain).waitFor();
    await rowOf(soon.domain).getByRole("button", { name: `Renew ${soon.domain}` }).click();
    await expect.poll(() => rowOf(soon.domain).locator(".outcome").textContent()).toMatch(/^Not renewed: /);
    mkdirSync(join(REPO_ROOT, ".tmp", "browser"), { recursive: true });
    await page.setViewportSize({ width: 1400, height: 800 });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
  });
});
