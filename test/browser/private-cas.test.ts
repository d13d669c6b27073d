/**
 * The dashboard's "Private CAs" section in chromium (global-setup.mjs starts the Worker): a team's root, its
 * intermediate and the intermediate's leaves, and a name-constrained root with several pages of leaves, seeded
 * through the API; shown only to a token holding `cas:read`, and with every name from the API written as text.
 */
import "./context";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { dayMs } from "../support/pki-fixtures";
import { CHROMIUM_ARGS } from "./chromium.mjs";
import { jsonClient } from "../support/http-client";
import { openWith as openPage, pageWatch } from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const MARKUP = "<img src=x onerror=alert(1)>";

const api = jsonClient(() => workerUrl);

async function created(method: string, path: string, token: string, json: unknown, status = 201) {
  const answer = await api(method, path, token, json);
  expect(answer.status, answer.text).toBe(status);
  return answer.body;
}

const unique = () => Math.random().toString(36).slice(2, 10);
const pairs = (hex: string) => `${hex.slice(0, 16).match(/../g)!.join(":")}…`;

let token: string;
let certsOnlyToken: string;
let casOnlyToken: string;
let root: { id: string; name: string; notAfter: string; fingerprintSha256: string; crlUrl: string; caCertificateUrl: string; certificate: string };
let intermediate: typeof root;
let retired: typeof root;
/** A CA with name constraints and more leaves than one (lowered) page holds. */
let constrained: typeof root;
const constrainedLeaves: { serialNumber: string }[] = [];
const CONSTRAINED_LEAVES = 5;
let active: { serialNumber: string; notAfter: string };
let revoked: { id: string; serialNumber: string };
let browser: Browser;
let context: BrowserContext;
const watch = pageWatch();
const { pageErrors, dialogs, answered } = watch;
const openWith = (pasted: string) => openPage(context, watch, pasted);

const caRegion = (page: Page, name: string) => page.locator("#cas").getByRole("region", { name, exact: true });
const issuedRow = (page: Page, serial: string) => page.locator("#cas tr").filter({ has: page.locator(`th.serial[title="${serial}"]`) });

beforeAll(async () => {
  const team = await fetch(`${workerUrl}/api/v1/teams`, {
    method: "POST",
    headers: { Authorization: `Bearer ${inject("browserAdminToken")}`, "Content-Type": "application/json" },
    body: JSON.stringify({ slug: `cas-${unique()}`, name: "Private CA team" }),
  });
  expect(team.status).toBe(200);
  token = ((await team.json()) as { token: string }).token;
  const subject = (commonName: string) => ({ commonName });
  root = await created("POST", "/api/v1/cas", token, { name: `root-${unique()}`, kind: "root", subject: subject("Dashboard Root"), validityDays: 3650 });
  intermediate = await created("POST", "/api/v1/cas", token, { name: `issuing-${unique()}`, kind: "intermediate", parentId: root.id, subject: subject("Dashboard Issuing"), validityDays: 365 });
  retired = await created("POST", "/api/v1/cas", token, { name: `retired-${unique()}`, kind: "root", subject: subject("Dashboard Retired"), validityDays: 30 });
  await created("POST", `/api/v1/cas/${retired.id}/disable`, token, {}, 200);
  active = await created("POST", `/api/v1/cas/${intermediate.id}/certificates`, token, { profile: "server", dnsNames: ["api.corp.example"] });
  // A leaf's commonName is free text to the API: the page must show it as text.
  revoked = await created("POST", `/api/v1/cas/${intermediate.id}/certificates`, token, { profile: "client", commonName: MARKUP, uris: ["spiffe://corp.example/ns/prod/sa/api"] });
  await created("POST", `/api/v1/cas/${intermediate.id}/certificates/${revoked.id}/revoke`, token, { reason: "keyCompromise" }, 200);
  constrained = await created("POST", "/api/v1/cas", token, {
    name: `constrained-${unique()}`,
    kind: "root",
    subject: subject("Dashboard Constrained"),
    validityDays: 365,
    nameConstraints: {
      permittedDnsDomains: ["corp.example", "lab.example"],
      excludedDnsDomains: ["secret.corp.example"],
      permittedIpRanges: ["10.0.0.0/8"],
      excludedIpRanges: ["10.9.0.0/16"],
    },
  });
  // One after the other: each gets its own creation time, so the pages' order is the order of issue.
  for (let n = 0; n < CONSTRAINED_LEAVES; n++) {
    constrainedLeaves.push(await created("POST", `/api/v1/cas/${constrained.id}/certificates`, token, { profile: "server", dnsNames: [`host${n}.corp.example`] }));
  }
  certsOnlyToken = (await created("POST", "/api/v1/tokens", token, { name: "no CAs", scopes: ["certs:read"] }, 200)).token;
  casOnlyToken = (await created("POST", "/api/v1/tokens", token, { name: "CAs only", scopes: ["cas:read"] }, 200)).token;

  browser = await chromium.launch({ executablePath: inject("chromiumPath"), headless: true, args: CHROMIUM_ARGS });
  context = await browser.newContext();
});

afterAll(async () => {
  await browser?.close();
});

describe("the dashboard's private CAs in chromium", () => {
  it("lists each CA with its kind, status, expiry, fingerprint, CA certificate and CRL, and its leaves active or revoked", async () => {
    const page = await openWith(token);
    await caRegion(page, intermediate.name).waitFor();
    expect(await page.locator("#cas-summary").textContent()).toBe("4 private CAs");

    const rootBlock = caRegion(page, root.name);
    expect(await rootBlock.locator(".ca-kind").textContent()).toBe("Root");
    expect(await rootBlock.locator(".ca-status").textContent()).toBe("Active");
    const daysLeft = Math.floor((Date.parse(root.notAfter) - Date.now()) / dayMs);
    expect(await rootBlock.locator(".ca-until").textContent()).toBe(`Valid until ${root.notAfter.slice(0, 10)} (${daysLeft} days left)`);
    expect(await rootBlock.locator(".ca-fingerprint").textContent()).toBe(`SHA-256 ${pairs(root.fingerprintSha256)}`);
    expect(await rootBlock.locator(".ca-fingerprint").getAttribute("title")).toBe(root.fingerprintSha256);
    expect(await rootBlock.getByRole("link", { name: "CRL" }).getAttribute("href")).toBe(root.crlUrl);
    expect(await rootBlock.getByRole("link", { name: "CA certificate" }).getAttribute("href")).toBe(root.caCertificateUrl);
    // No constraints, no list; and a first page that is the last has no "Show more".
    expect(await rootBlock.locator(".ca-constraints").count()).toBe(0);
    expect(await rootBlock.textContent()).toContain("No certificates issued yet.");

    const issuing = caRegion(page, intermediate.name);
    expect(await issuing.locator(".ca-kind").textContent()).toBe(`Intermediate under ${root.name}`);
    expect(await issuing.locator(".ca-status").textContent()).toBe("Active");
    expect(await issuing.locator("caption").textContent()).toBe(`2 certificates issued by ${intermediate.name}`);
    expect(await caRegion(page, retired.name).locator(".ca-status").textContent()).toBe("Disabled");

    const activeRow = issuedRow(page, active.serialNumber);
    expect(await activeRow.locator(".serial").textContent()).toBe(pairs(active.serialNumber));
    expect(await activeRow.locator(".profile").textContent()).toBe("server");
    expect(await activeRow.locator(".names-cell").textContent()).toBe("api.corp.example");
    expect(await activeRow.locator("time").textContent()).toBe(active.notAfter.slice(0, 10));
    expect(await activeRow.locator(".cert-status").textContent()).toBe("Active");
    const revokedRow = issuedRow(page, revoked.serialNumber);
    expect(await revokedRow.locator(".profile").textContent()).toBe("client");
    expect(await revokedRow.locator(".cert-status").textContent()).toBe("Revoked");
    expect(await issuing.getByRole("button", { name: /^Show more/ }).isHidden()).toBe(true);
    // The certificates table above it still works beside the new section.
    expect(await page.locator("#status").textContent()).toBe("0 certificates");
    mkdirSync(join(REPO_ROOT, ".tmp", "browser"), { recursive: true });
    await page.setViewportSize({ width: 1400, height: 800 });
    await page.screenshot({ path: join(REPO_ROOT, ".tmp", "browser", "private-cas.png"), fullPage: true });
    await page.close();
  });

  it("links the CA certificate a relying party fetches, as DER", async () => {
    const page = await openWith(token);
    const link = caRegion(page, root.name).getByRole("link", { name: "CA certificate" });
    await link.waitFor();
    const href = await link.getAttribute("href");
    expect(href).toBe(`${workerUrl}/pki/${root.id}/ca.crt`);
    await page.close();
    // Public: no token.
    const answer = await fetch(href!);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/pkix-cert");
    const pemBody = root.certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, "");
    expect(Buffer.from(await answer.arrayBuffer()).toString("base64")).toBe(pemBody);
  });

  it("shows a CA's name constraints", async () => {
    const page = await openWith(token);
    const constraints = caRegion(page, constrained.name).getByRole("list", { name: "Name constraints" });
    await constraints.waitFor();
    expect(await constraints.locator("li").allTextContents()).toEqual([
      "Permitted DNS domains: corp.example, lab.example",
      "Excluded DNS domains: secret.corp.example",
      "Permitted IP ranges: 10.0.0.0/8",
      "Excluded IP ranges: 10.9.0.0/16",
    ]);
    await page.close();
  });

  it("pages a CA's certificates with Show more, with the cursor of the page before, until the last", async () => {
    // The dashboard asks for CA_CERTIFICATE_LIMIT (50) a page; this test lowers the limit of each request on its way
    // out, so a handful of leaves make three pages without a page-size switch in the shipped page.
    const PAGE = 2;
    const asked: URLSearchParams[] = [];
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    await page.route(
      (url) => url.pathname === `/api/v1/cas/${constrained.id}/certificates`,
      async (route) => {
        const url = new URL(route.request().url());
        asked.push(new URLSearchParams(url.search));
        url.searchParams.set("limit", String(PAGE));
        await route.continue({ url: url.href });
      },
    );
    await page.goto(`${workerUrl}/`);
    await page.getByLabel("Team API token").fill(token);
    await page.getByRole("button", { name: "Show certificates" }).click();

    // What the API pages are, asked from Node with the same limit.
    const pages: { certificates: { serialNumber: string }[]; next: string | null }[] = [];
    let before: string | null = null;
    do {
      const answer = await api("GET", `/api/v1/cas/${constrained.id}/certificates?limit=${PAGE}${before ? `&before=${encodeURIComponent(before)}` : ""}`, token);
      expect(answer.status).toBe(200);
      pages.push(answer.body);
      before = answer.body.next;
    } while (before);
    expect(pages.map((p) => p.certificates.length)).toEqual([2, 2, 1]);
    const newestFirst = constrainedLeaves.map((leaf) => leaf.serialNumber).reverse();
    expect(pages.flatMap((p) => p.certificates.map((c) => c.serialNumber))).toEqual(newestFirst);

    const block = caRegion(page, constrained.name);
    const shownSerials = () => block.locator("tbody th.serial").evaluateAll((cells) => cells.map((cell) => cell.getAttribute("title")));
    const more = block.getByRole("button", { name: `Show more certificates of ${constrained.name}` });
    await more.waitFor();
    expect(await shownSerials()).toEqual(newestFirst.slice(0, 2));
    expect(await block.locator("caption").textContent()).toBe(`The newest 2 certificates issued by ${constrained.name}`);

    await more.click();
    await expect.poll(shownSerials).toEqual(newestFirst.slice(0, 4));
    expect(await block.locator("caption").textContent()).toBe(`The newest 4 certificates issued by ${constrained.name}`);
    expect(await more.isVisible()).toBe(true);

    await more.click();
    await expect.poll(shownSerials).toEqual(newestFirst);
    await more.waitFor({ state: "hidden" });
    expect(await block.locator("caption").textContent()).toBe(`${CONSTRAINED_LEAVES} certificates issued by ${constrained.name}`);

    // The dashboard's own page size on every request, and each later request with the `next` of the page before.
    expect(asked.map((query) => query.get("limit"))).toEqual(["50", "50", "50"]);
    expect(asked.map((query) => query.get("before"))).toEqual([null, pages[0]!.next, pages[1]!.next]);
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it("writes a name from the API as text, never as markup", async () => {
    // The API refuses such a CA name; the page must not rely on that, so one answer is rewritten on its way in.
    const refused = await api("POST", "/api/v1/cas", token, { name: MARKUP, kind: "root", subject: { commonName: "x" } });
    expect(refused.status).toBe(400);
    // unroute matches the very same function.
    const casList = (url: URL) => url.pathname === "/api/v1/cas";
    await context.route(
      casList,
      async (route) => {
        const answer = await route.fetch();
        const body = await answer.json();
        for (const ca of body.cas) if (ca.id === root.id) ca.name = MARKUP;
        await route.fulfill({ response: answer, json: body });
      },
    );
    try {
      const page = await openWith(token);
      await caRegion(page, MARKUP).waitFor();
      expect(await caRegion(page, MARKUP).locator("h3").textContent()).toBe(MARKUP);
      expect(await caRegion(page, intermediate.name).locator(".ca-kind").textContent()).toBe(`Intermediate under ${MARKUP}`);
      expect(await issuedRow(page, revoked.serialNumber).locator(".names-cell").textContent()).toBe(`${MARKUP}, spiffe://corp.example/ns/prod/sa/api`);
      expect(await page.locator("#cas img").count()).toBe(0);
      await page.close();
    } finally {
      await context.unroute(casList);
    }
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("shows no CA section and no error to a token without cas:read", async () => {
    const page = await openWith(certsOnlyToken);
    // The page asks, is refused, and leaves the section out: it asks for no CA's certificates either.
    await expect.poll(() => answered.get(page)).toContain("403 /api/v1/cas");
    // Then the DNS connections (no dns:read either): refused as quietly.
    await expect.poll(() => answered.get(page)).toContain("403 /api/v1/dns-connections");
    // And the domains (no projects:read): the same.
    await expect.poll(() => answered.get(page)).toContain("403 /api/v1/projects");
    // And the ACME directories (no acme-server:read): the same.
    await expect.poll(() => answered.get(page)).toContain("403 /api/v1/acme-directories");
    await page.waitForLoadState("networkidle");
    expect(answered.get(page)).toEqual(["200 /api/v1/certificates", "200 /api/v1/certificates/summary", "403 /api/v1/cas", "403 /api/v1/dns-connections", "403 /api/v1/projects", "403 /api/v1/acme-directories"]);
    expect(await page.locator("#cas").isHidden()).toBe(true);
    expect(await page.locator("#status").textContent()).toBe("0 certificates");
    expect(await page.locator("#inventory").isHidden()).toBe(false);
    await page.close();
  });

  it("shows the CAs to a token with cas:read alone, beside the certificates' refusal", async () => {
    const page = await openWith(casOnlyToken);
    await caRegion(page, intermediate.name).waitFor();
    expect(await page.locator("#status").textContent()).toBe("This token lacks the certs:read scope");
    expect(await page.locator("#inventory").isHidden()).toBe(true);
    expect(await issuedRow(page, revoked.serialNumber).locator(".cert-status").textContent()).toBe("Revoked");
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
