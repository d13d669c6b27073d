/**
 * The console's "Private CAs" view in chromium (global-setup.mjs starts the Worker): a team's root, its intermediate
 * and the intermediate's leaves, and a name-constrained root with several pages of leaves, seeded through the API;
 * shown only to a token holding `cas:read`, with every name from the API written as text. With cas:write a root is
 * created and disabled, with cas:issue a certificate is issued from a CSR made here and revoked.
 */
import "./context";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { x509 } from "../../src/pki/x509-setup";
import { dayMs } from "../support/pki-fixtures";
import { CHROMIUM_ARGS } from "./chromium.mjs";
import { jsonClient } from "../support/http-client";
import { goToView, openWith as openPage, pageWatch, screenshot, viewLoaded } from "./dashboard-page";
import { axeFindings, openView } from "./view-checks";

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
const openWith = (pasted: string) => openView(context, watch, pasted, "Private CAs");

const caRegion = (page: Page, name: string) => page.locator("#view").getByRole("region", { name, exact: true });
const issuedRow = (page: Page, serial: string) => page.locator("#view tr").filter({ has: page.locator(`th.serial[title="${serial}"]`) });

/** A PKCS#10 request for `name` with a P-256 key made now (the key stays in this test). */
async function makeCsr(name: string): Promise<string> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: name }])],
  });
  return csr.toString("pem");
}

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

describe("the console's private CAs in chromium", () => {
  it("lists each CA with its kind, status, expiry, fingerprint, CA certificate and CRL, and its leaves active or revoked", async () => {
    const page = await openWith(token);
    await caRegion(page, intermediate.name).waitFor();
    expect(await page.locator("#status").textContent()).toBe("4 private CAs");

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
    // The view asks for the CAs and one page of each one's certificates, nothing else of the API.
    await viewLoaded(page);
    const asked = () => watch.answered.get(page)!.filter((line) => !line.endsWith("/api/v1/tokens/current") && !line.includes("/api/v1/certificates"));
    // The answer list fills as each response is read (dashboard-page.ts), which may come just after the page used it.
    await expect.poll(() => asked().filter((line) => /\/api\/v1\/cas\/[^/]+\/certificates$/.test(line))).toHaveLength(4);
    expect(asked().filter((line) => !line.startsWith("200 /api/v1/cas"))).toEqual([]);
    await screenshot(page, "console-private-cas-seeded");
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
    // The console asks for CA_CERTIFICATE_LIMIT (50) a page; this test lowers the limit of each request on its way
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
    await page.getByLabel("API token", { exact: true }).fill(token);
    await page.getByRole("button", { name: "Open console" }).click();
    await goToView(page, "Private CAs");

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

    // The console's own page size on every request, and each later request with the `next` of the page before.
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
      expect(await page.locator("#view img").count()).toBe(0);
      await page.close();
    } finally {
      await context.unroute(casList);
    }
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("shows no Private CAs link, and asks nothing of the CAs, for a token without cas:read", async () => {
    const page = await openPage(context, watch, certsOnlyToken);
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
    await viewLoaded(page);
    const nav = page.getByRole("navigation", { name: "Console" });
    expect(await nav.getByRole("link", { name: "Private CAs" }).count()).toBe(0);
    // Nor the other views it cannot read.
    for (const label of ["DNS connections", "ACME directories", "Projects", "Deploy targets"]) expect(await nav.getByRole("link", { name: label, exact: true }).count()).toBe(0);
    expect(answered.get(page)!.filter((line) => /\/api\/v1\/(cas|dns-connections|projects|acme-directories)/.test(line))).toEqual([]);
    await page.close();
  });

  it("shows the CAs to a token with cas:read alone, and no control that can only fail", async () => {
    const page = await openWith(casOnlyToken);
    await caRegion(page, intermediate.name).waitFor();
    await viewLoaded(page);
    expect(await issuedRow(page, revoked.serialNumber).locator(".cert-status").textContent()).toBe("Revoked");
    expect(await issuedRow(page, active.serialNumber).locator("td").count()).toBe(4);
    expect(await page.locator("#view").getByRole("button").count()).toBe(0);
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it("creates a root, issues a certificate from a pasted CSR, revokes it with a reason, and disables the root", async () => {
    const page = await openWith(token);
    await viewLoaded(page);
    await page.getByRole("button", { name: "New private CA" }).click();
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Create CA" }) });
    const name = `made-${unique()}`;
    await form.getByLabel("CA name").fill(name);
    await form.getByLabel("Kind").selectOption("root");
    expect(await form.getByLabel("Parent CA").isHidden()).toBe(true);
    await form.getByLabel("Common name").fill("Console Made Root");
    await form.getByLabel("Validity in days").fill("400");
    await form.getByLabel("Permitted DNS domains").fill("made.example");
    await form.getByRole("button", { name: "Create CA" }).click();
    await expect.poll(() => form.getByRole("status").textContent(), { timeout: 30_000 }).toMatch(new RegExp(`^Created root CA ${name} \\(SHA-256 `));
    const listed = (await api("GET", "/api/v1/cas?limit=200", token)).body as { cas: (typeof root & { notBefore: string; nameConstraints: { permittedDnsDomains: string[] } | null })[] };
    const made = listed.cas.find((ca) => ca.name === name)!;
    expect(Math.round((Date.parse(made.notAfter) - Date.parse(made.notBefore)) / dayMs)).toBe(400);
    expect(made.nameConstraints?.permittedDnsDomains).toEqual(["made.example"]);
    const block = caRegion(page, name);
    expect(await block.locator(".ca-status").textContent()).toBe("Active");
    expect(await page.locator("#status").textContent()).toBe("5 private CAs");

    // Issue from a CSR whose key stays here; a name outside the constraint is refused in the API's words first.
    await block.getByRole("button", { name: "Issue from a CSR" }).click();
    const issue = block.locator("form").filter({ has: page.getByRole("button", { name: "Issue certificate" }) });
    await issue.getByLabel("CSR (PEM)").fill(await makeCsr("outside.example"));
    await issue.getByRole("button", { name: "Issue certificate" }).click();
    await expect.poll(() => issue.getByRole("status").textContent(), { timeout: 30_000 }).toMatch(/^Not issued: .*outside\.example/);
    await issue.getByLabel("CSR (PEM)").fill(await makeCsr("www.made.example"));
    await issue.getByLabel("Profile").selectOption("server");
    await issue.getByRole("button", { name: "Issue certificate" }).click();
    await expect.poll(() => issue.getByRole("status").textContent(), { timeout: 30_000 }).toMatch(/^Issued serial /);
    const leaves = (await api("GET", `/api/v1/cas/${made.id}/certificates`, token)).body as { certificates: { id: string; serialNumber: string; notAfter: string; certificate: string; dnsNames: string[]; keyHeldHere: boolean }[] };
    expect(leaves.certificates).toHaveLength(1);
    const leaf = leaves.certificates[0]!;
    expect(leaf.dnsNames).toEqual(["www.made.example"]);
    expect(leaf.keyHeldHere).toBe(false);
    expect(await issue.getByRole("status").textContent()).toBe(`Issued serial ${pairs(leaf.serialNumber)}, valid until ${leaf.notAfter.slice(0, 10)}`);
    expect(await block.locator(".issued-result pre").textContent()).toContain(leaf.certificate.trim());
    const row = issuedRow(page, leaf.serialNumber);
    expect(await row.locator(".cert-status").textContent()).toBe("Active");
    expect(await block.locator("caption").textContent()).toBe(`1 certificate issued by ${name}`);
    await screenshot(page, "console-private-cas-issued");

    // Revoke: a reason, then a confirmation.
    await row.getByRole("button", { name: /^Revoke/ }).click();
    await row.getByLabel("Reason").selectOption("keyCompromise");
    await row.getByRole("button", { name: /^Confirm revoke/ }).click();
    await expect.poll(() => row.locator(".cert-status").textContent(), { timeout: 30_000 }).toBe("Revoked");
    expect(await row.getByRole("status").textContent()).toBe("Revoked (keyCompromise)");
    const after = (await api("GET", `/api/v1/cas/${made.id}/certificates/${leaf.id}`, token)).body as { status: string; revocationReason: string };
    expect([after.status, after.revocationReason]).toEqual(["revoked", "keyCompromise"]);

    // Disable: asked first, and then the CA offers no issuing.
    await block.getByRole("button", { name: /^Disable/ }).click();
    await block.getByRole("button", { name: /^Confirm disable/ }).click();
    await expect.poll(() => block.locator(".ca-status").textContent(), { timeout: 30_000 }).toBe("Disabled");
    expect(await block.getByRole("button", { name: "Issue from a CSR" }).count()).toBe(0);
    expect(((await api("GET", `/api/v1/cas/${made.id}`, token)).body as { status: string }).status).toBe("disabled");
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("has no serious or critical axe-core finding, with its forms open", async () => {
    const findings = await axeFindings(token, "Private CAs", async (page) => {
      await page.getByRole("button", { name: "New private CA" }).click();
      await caRegion(page, intermediate.name).getByRole("button", { name: "Issue from a CSR" }).click();
    });
    expect(findings).toEqual([]);
  });
});
