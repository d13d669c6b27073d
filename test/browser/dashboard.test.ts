/**
 * The console at `/` in a real browser: Debian's chromium driven by playwright-core against a `wrangler dev` of this
 * Worker (global-setup.mjs). A person pastes a team token and lands on the Certificates view: every certificate of the
 * team, nearest expiry first, with Renew where the API offers it; the token stays in the tab, and nothing is
 * requested from anywhere but this origin.
 */
import "./context";
import { type ConsoleMessage, type Page, type Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dayMs, makeChain } from "../support/pki-fixtures";
import { jsonClient } from "../support/http-client";
import { launchDashboardBrowser, newTeam, projectWithCertificate, screenshot, viewLoaded } from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const origin = new URL(workerUrl).origin;
const api = jsonClient(() => workerUrl);
const unique = () => Math.random().toString(36).slice(2, 10);
/** Markup in a value the API reports as it was given (an issuer's organization): the page must show it as text. */
const MARKUP = "<img src=x onerror=alert(1)>";

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
let dashboard: Awaited<ReturnType<typeof launchDashboardBrowser>>;
let page: Page;
const requests: Request[] = [];
const leftTheOrigin: string[] = [];
const consoleMessages: string[] = [];
const pageErrors: string[] = [];
const dialogs: string[] = [];

function watch(watched: Page) {
  watched.on("console", (message: ConsoleMessage) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  watched.on("pageerror", (error) => pageErrors.push(String(error)));
  watched.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    return dialog.dismiss();
  });
}

/** The domains of the certificates table's rows, top to bottom. */
async function domainsShown(on: Page = page): Promise<string[]> {
  return on.locator("#view tbody th[scope=row] .domain").allTextContents();
}

const rowOf = (domain: string, on: Page = page) => on.locator("#view tbody tr").filter({ has: on.getByRole("rowheader", { name: domain }) });
const apiCalls = () => requests.filter((request) => new URL(request.url()).pathname.startsWith("/api/"));

beforeAll(async () => {
  token = await newTeam("dash");
  later = await projectWithCertificate(token, "later", 60, MARKUP);
  soon = await projectWithCertificate(token, "soon", 10);
  teamLevel = await teamCertificate(token, 30);

  dashboard = await launchDashboardBrowser();
  const { context } = dashboard;
  context.on("request", (request) => requests.push(request));
  // Anything aimed elsewhere is recorded and never sent.
  await context.route(
    (url) => url.origin !== origin,
    (route) => {
      leftTheOrigin.push(route.request().url());
      return route.abort();
    },
  );
  // No CA runs here, so every project certificate is an uploaded one, for which the console offers no Renew (it says
  // how they renew). The list shows `soon` as obtained over ACME instead; its Renew then reaches the real route, which
  // refuses to renew the uploaded certificate it holds, and the page must show that answer in the API's words.
  await context.route(
    (url) => url.origin === origin && url.pathname === "/api/v1/certificates",
    async (route) => {
      const response = await route.fetch();
      if (!response.ok()) return route.fulfill({ response });
      const listed = (await response.json()) as { certificates: { domain: string; type: string }[] };
      for (const certificate of listed.certificates) if (certificate.domain === soon.domain) certificate.type = "acme";
      await route.fulfill({ response, json: listed });
    },
  );
  page = await context.newPage();
  watch(page);
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
});

describe("the console's Certificates view in chromium", () => {
  it("shows every certificate of the team with its days left, nearest expiry first, once a token is pasted", async () => {
    await page.goto(`${workerUrl}/`, { timeout: 50_000 });
    await expect.poll(() => page.title()).toBe("Certdesk");
    expect(await page.getByRole("navigation", { name: "Console" }).isHidden()).toBe(true);
    expect(await page.locator("#view").textContent()).toBe("");
    await page.getByLabel("API token", { exact: true }).fill(token);
    await page.getByRole("button", { name: "Open console" }).click();
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
    await rowOf(soon.domain).waitFor();
    await viewLoaded(page);

    expect(await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Certificates" }).getAttribute("aria-current")).toBe("page");
    expect(await domainsShown()).toEqual([soon.domain, teamLevel.domain, later.domain]);
    expect(await page.locator("#status").textContent()).toBe("3 certificates");
    const expectedDays = (notAfter: Date) => Math.floor((notAfter.getTime() - Date.now()) / dayMs);
    for (const certificate of [soon, teamLevel, later]) {
      expect(await rowOf(certificate.domain).locator(".days-left").textContent()).toBe(`${expectedDays(certificate.notAfter)} days`);
    }
    expect(await rowOf(soon.domain).locator(".state").textContent()).toBe("Expiring soon");
    expect(await rowOf(later.domain).locator(".state").textContent()).toBe("Valid");
    // Markup from the API is text: the issuer's organization shows as written, and nothing ran.
    expect(await rowOf(later.domain).locator(".issuer").textContent()).toContain(MARKUP);
    expect(await page.locator("#view img").count()).toBe(0);
    expect(await page.locator(".nearest").textContent()).toContain(`Nearest expiry: ${soon.domain} expires in 10 days`);
    // The whole team, counted by the API (10.5 days left is within 14 and 30 days; 30.5 and 60.5 are beyond both).
    expect(await page.locator(".expiry-summary").textContent()).toBe(
      "Every certificate of the team: 0 expired, 0 within 1 day, 0 within 7 days, 1 within 14 days, 1 within 30 days; 0 failing to renew.",
    );
    // Who the console acts as: the token's name, its team and its scopes (the team's first token holds them all).
    expect(await page.locator("#identity").textContent()).toMatch(/^Token bootstrap of dash team \(dash-[a-z0-9]+\): projects:read, /);
    // The form field no longer holds the token once it is used.
    expect(await page.getByLabel("API token", { exact: true }).inputValue()).toBe("");
  });

  it("offers Renew only where the API renews, and shows the API's answer", async () => {
    // Team-level certificates have no renew route; uploaded ones renew when their successor is uploaded.
    expect(await rowOf(teamLevel.domain).getByRole("button").count()).toBe(0);
    expect(await rowOf(teamLevel.domain).textContent()).toContain("Renewed by the schedule");
    expect(await rowOf(later.domain).getByRole("button").count()).toBe(0);
    expect(await rowOf(later.domain).textContent()).toContain("Uploaded: upload its successor");
    const refusal = await api("POST", `/api/v1/projects/${soon.projectId}/certificate/renew`, token);
    expect(refusal.status).toBe(400);
    expect(refusal.body.error).toMatch(/\S/);
    const renew = rowOf(soon.domain).getByRole("button", { name: `Renew ${soon.domain}`, exact: true });
    await renew.click();
    await expect.poll(() => rowOf(soon.domain).locator(".outcome").textContent()).toBe(`Not renewed: ${refusal.body.error}`);
    expect(await renew.isEnabled()).toBe(true);
    expect(await rowOf(soon.domain).locator(".outcome").getAttribute("role")).toBe("status");
  });

  it("sends back the newest D1 bookmark it was answered with, so a read after its renew sees what the renew wrote", async () => {
    const calls = apiCalls();
    expect(calls.map((request) => new URL(request.url()).pathname).at(-1)).toBe(`/api/v1/projects/${soon.projectId}/certificate/renew`);
    const answered = await Promise.all(calls.map(async (request) => (await (await request.response())?.headerValue("x-d1-bookmark")) ?? null));
    const sent = await Promise.all(calls.map((request) => request.headerValue("x-d1-bookmark")));
    expect(sent[0]).toBeNull();
    for (const [i, value] of answered.entries()) expect(value, calls[i]!.url()).toMatch(/\S/);
    // The page's API calls run one after another: each carries the newest bookmark of the answers before it.
    for (let i = 1; i < calls.length; i++) {
      const newest = answered.slice(0, i).filter((value): value is string => value !== null).sort().at(-1) ?? null;
      expect(sent[i], calls[i]!.url()).toBe(newest);
    }
  });

  it("sorts by days left both ways from the column's button", async () => {
    const sortButton = page.getByRole("button", { name: /^Days left/ });
    const header = page.locator("#view thead th").filter({ has: sortButton });
    await sortButton.click();
    expect(await domainsShown()).toEqual([later.domain, teamLevel.domain, soon.domain]);
    expect(await header.getAttribute("aria-sort")).toBe("descending");
    await sortButton.click();
    expect(await domainsShown()).toEqual([soon.domain, teamLevel.domain, later.domain]);
    expect(await header.getAttribute("aria-sort")).toBe("ascending");
  });

  it("keeps the token in the tab only: never in a URL, localStorage, a cookie or the console", async () => {
    // Page-side expressions are strings here: the tests type-check without the DOM library.
    expect(page.url()).toBe(`${workerUrl}/`);
    expect(await page.evaluate("JSON.stringify(Object.entries(localStorage))")).toBe("[]");
    expect(await dashboard.context.cookies()).toEqual([]);
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
    const other = await dashboard.context.newPage();
    await other.goto(`${workerUrl}/`);
    expect(await other.evaluate("sessionStorage.length")).toBe(0);
    expect(await other.getByRole("navigation", { name: "Console" }).isHidden()).toBe(true);
    await other.close();
  });

  it("requests nothing from another origin, and runs under its policy with no violation, error or dialog", async () => {
    const paths = requests.map((request) => new URL(request.url()).pathname);
    expect(paths).toEqual(
      expect.arrayContaining(["/", "/console/app.js", "/console/core.js", "/console/certificates.js", "/console/console.css", "/api/v1/certificates", "/api/v1/certificates/summary"]),
    );
    // The console asks who the token is first, to show only what its scopes allow.
    expect(apiCalls()[0]!.url()).toBe(`${workerUrl}/api/v1/tokens/current`);
    expect(leftTheOrigin).toEqual([]);
    for (const request of requests) expect(new URL(request.url()).origin).toBe(origin);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
    for (const message of consoleMessages) expect(message).not.toMatch(/Content Security Policy|Trusted Type/i);
    // The policy is in force: a string never becomes markup (Trusted Types), yet the console above worked.
    const markup = await page.evaluate(
      "(() => { try { document.createElement('div').innerHTML = '<b>x</b>'; return 'allowed'; } catch (error) { return error.name; } })()",
    );
    expect(markup).toBe("TypeError");
  });

  it("saves a screenshot of the view with a Renew's outcome", async () => {
    await page.setViewportSize({ width: 1400, height: 800 });
    console.log(`certificates screenshot: ${await screenshot(page, "console-certificates-renew")}`);
  });

  it("loads the view again after a reload of the tab, and forgets the token on request", async () => {
    await page.reload();
    await rowOf(soon.domain).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Forget token" }).click();
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    expect(await page.getByRole("navigation", { name: "Console" }).isHidden()).toBe(true);
    expect(await page.locator("#view").textContent()).toBe("");
    expect(await page.locator("#status").textContent()).toBe("Token forgotten.");
    await page.reload();
    expect(await page.locator("#status").textContent()).toBe("");
    expect(await page.getByRole("navigation", { name: "Console" }).isHidden()).toBe(true);
  });

  it("tells a refused token apart, and does not keep it", async () => {
    await page.getByLabel("API token", { exact: true }).fill("cdk_not-a-real-token");
    await page.getByRole("button", { name: "Open console" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("Invalid or revoked API token");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    expect(await page.getByRole("navigation", { name: "Console" }).isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
