/**
 * A project's certificate actions in the console, in chromium against a real `wrangler dev` whose CA is a real Pebble
 * (global-setup.mjs): New project → validate and upload (a certificate made here) → the detail → obtain over HTTP-01
 * → revoke with a reason; and an export sealed to a key the page makes, opened in the page and downloaded.
 */
import "./context";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { dayMs, makeChain } from "../support/pki-fixtures";
import { jsonClient } from "../support/http-client";
import { CHROMIUM_ARGS } from "./chromium.mjs";
import { goToView, launchDashboardBrowser, openWith, pageWatch } from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const SHOTS = join(REPO_ROOT, ".tmp", "browser");
const unique = () => Math.random().toString(36).slice(2, 10);
// challtestsrv answers every name with 127.0.0.1, so Pebble's HTTP-01 request for it reaches the Worker.
const freshDomain = (label: string) => `${label}-${unique()}.certdesk.test`;
const DAYS_LEFT = 40;
const AXE = join(REPO_ROOT, "node_modules", "axe-core", "axe.min.js");

let token: string;
let browser: Awaited<ReturnType<typeof launchDashboardBrowser>>;
let context: BrowserContext;
const watch = pageWatch();

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `console-flow-${name}.png`), fullPage: true });
/** A fact of the certificate's description list, by its term. */
const fact = (page: Page, term: string) => page.locator(".facts-grid dt", { hasText: term }).locator("xpath=following-sibling::dd[1]").first();
const outcomeOf = (page: Page, form: string) => page.locator(`form.${form} [role=status]`);

/** Opens the project's page from the Projects view, as a person would. */
async function openProject(page: Page, project: { name: string }) {
  await goToView(page, "Projects");
  await page.getByRole("link", { name: project.name, exact: true }).click();
  await page.getByRole("heading", { level: 2, name: `Project ${project.name}` }).waitFor();
}

/** A project whose certificate Pebble issued over HTTP-01 (obtained through the API, followed until it is stored). */
async function projectWithObtained() {
  const domain = freshDomain("axe");
  const created = await api("POST", "/api/v1/projects", token, { name: `axe-${unique()}`, domain });
  expect(created.status, created.text).toBe(200);
  const ordered = await api("POST", `/api/v1/projects/${created.body.id}/certificate/obtain`, token, { email: "admin@example.com", challengeType: "http-01", keyType: "ec" });
  expect([200, 202], ordered.text).toContain(ordered.status);
  await expect.poll(async () => (await storedCertificate(created.body.id))?.type, { timeout: 60_000, interval: 1000 }).toBe("letsencrypt");
  return created.body as { id: string; name: string; domain: string };
}

/** The Worker's answer for the project's certificate (what the page should show). */
async function storedCertificate(projectId: string) {
  const answer = await api("GET", `/api/v1/projects/${projectId}/certificate`, token);
  expect(answer.status, answer.text).toBe(200);
  return answer.body as { serial: string; fingerprint: string; type: string; revokedAt?: string; names: string[] } | null;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const team = await api("POST", "/api/v1/teams", inject("browserAdminToken"), { slug: `flow-${unique()}`, name: "Console flow team" });
  expect(team.status, team.text).toBe(200);
  // The team's first token holds every scope, certificates:export included.
  token = (team.body as { token: string }).token;
  browser = await launchDashboardBrowser();
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  expect(watch.pageErrors).toEqual([]);
  // A confirmation must be a control in the page: a dialog would mean window.confirm or markup running.
  expect(watch.dialogs).toEqual([]);
});

describe("a project's certificate in the console", () => {
  it("creates a project, validates then uploads a certificate, shows it, obtains one from Pebble over HTTP-01 and revokes it", async () => {
    const domain = freshDomain("flow");
    const name = `flow-${unique()}`;
    const notAfter = new Date(Date.now() + (DAYS_LEFT + 0.5) * dayMs);
    const chain = await makeChain({ names: [domain], notBefore: new Date(notAfter.getTime() - 90 * dayMs), notAfter });
    const page = await openWith(context, watch, token);
    await goToView(page, "Projects");
    await page.getByRole("button", { name: "New project" }).click();
    await page.getByLabel("Project name").fill(name);
    await page.getByLabel("Domain").fill(domain);
    await page.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("heading", { level: 2, name: `Project ${name}` }).waitFor();
    const projectId = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
    await shot(page, "1-project");

    // Upload: the certificate pasted, the key picked as a file (read in the page with File.text()).
    await page.getByRole("button", { name: "Bring your own certificate" }).click();
    await page.getByLabel("Certificate and chain (PEM)").fill(chain.chainPem);
    await page.getByLabel("Private key file").setInputFiles({ name: "key.pem", mimeType: "application/x-pem-file", buffer: Buffer.from(chain.keyPem) });
    await expect.poll(() => page.getByLabel("Private key (PEM)").inputValue()).toBe(chain.keyPem);
    await page.getByRole("button", { name: "Validate" }).click();
    await expect.poll(() => outcomeOf(page, "upload").textContent()).toContain(`Valid for ${domain}.`);
    expect(await outcomeOf(page, "upload").textContent()).toContain(`(${DAYS_LEFT} days left)`);
    // Validated, not stored.
    expect(await storedCertificate(projectId)).toBeNull();
    await shot(page, "2-validated");

    await page.getByRole("button", { name: "Upload" }).click();
    await expect.poll(() => fact(page, "Type").textContent()).toBe("Uploaded");
    const uploaded = (await storedCertificate(projectId))!;
    const leaf = new X509Certificate(chain.leafPem);
    expect(uploaded.serial.toLowerCase()).toBe(leaf.serialNumber.toLowerCase());
    expect(await fact(page, "Names").textContent()).toBe(domain);
    expect(await fact(page, "Serial").locator("code").getAttribute("title")).toBe(uploaded.serial);
    expect(await fact(page, "SHA-256 fingerprint").locator("code").getAttribute("title")).toBe(uploaded.fingerprint);
    expect(uploaded.fingerprint.replaceAll(":", "").toLowerCase()).toBe(leaf.fingerprint256.replaceAll(":", "").toLowerCase());
    expect(await fact(page, "Validity").locator(".days-left").textContent()).toBe(`${DAYS_LEFT} days left`);
    // The key left the form once stored; an uploaded certificate offers no Renew, and says how it renews instead.
    await page.getByRole("button", { name: "Bring your own certificate" }).click();
    expect(await page.getByLabel("Private key (PEM)").inputValue()).toBe("");
    expect(await page.getByRole("button", { name: "Renew" }).count()).toBe(0);
    await page.getByText("Uploaded certificates are not renewed here").waitFor();
    await shot(page, "3-uploaded");

    // Obtain over HTTP-01 from Pebble: the Worker answers 202 at once (ISSUANCE_WAIT_SECONDS=0), and the page follows the order.
    await page.getByRole("button", { name: "Order a certificate from the CA" }).click();
    await page.getByLabel("Contact email").fill("admin@example.com");
    await page.getByLabel("Challenge").selectOption("http-01");
    await page.getByRole("button", { name: "Obtain" }).click();
    await expect.poll(() => fact(page, "Type").textContent(), { timeout: 60_000 }).toBe("Obtained over ACME");
    const obtained = (await storedCertificate(projectId))!;
    expect(obtained.type).toBe("letsencrypt");
    expect(obtained.serial).not.toBe(uploaded.serial);
    expect(await fact(page, "Serial").locator("code").getAttribute("title")).toBe(obtained.serial);
    expect(await fact(page, "Issuer").textContent()).toContain("Pebble");
    await expect.poll(() => watch.answered.get(page)).toContain(`202 /api/v1/projects/${projectId}/certificate/obtain`);
    await shot(page, "4-obtained");

    // Revoke: a reason, then the second, explicit button.
    await page.getByLabel("Revocation reason").selectOption("superseded");
    await page.getByRole("button", { name: "Revoke", exact: false }).first().click();
    const confirm = page.getByRole("button", { name: `Revoke ${domain} now` });
    await expect.poll(() => confirm.evaluate((button) => button.matches(":focus"))).toBe(true);
    await shot(page, "5-confirm-revoke");
    expect((await storedCertificate(projectId))!.revokedAt).toBeUndefined();
    await confirm.click();
    await expect.poll(() => fact(page, "Status").textContent(), { timeout: 30_000 }).toBe("Revoked");
    expect((await storedCertificate(projectId))!.revokedAt).toEqual(expect.any(String));
    expect(await fact(page, "Revoked").textContent()).toMatch(/UTC$/);
    // A revoked certificate is neither renewed nor revoked again.
    expect(await page.getByRole("button", { name: "Renew" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: `Revoke ${domain} now` }).count()).toBe(0);
    await shot(page, "6-revoked");
    await page.close();
  });

  it("says the API's reason when a certificate does not validate or an obtain is refused, and stores nothing", async () => {
    const domain = freshDomain("refused");
    const project = await api("POST", "/api/v1/projects", token, { name: `refused-${unique()}`, domain });
    expect(project.status, project.text).toBe(200);
    const other = await makeChain({ names: [freshDomain("other")] });
    const page = await openWith(context, watch, token);
    await openProject(page, project.body);

    await page.getByRole("button", { name: "Bring your own certificate" }).click();
    await page.getByLabel("Certificate and chain (PEM)").fill(other.chainPem);
    await page.getByLabel("Private key (PEM)").fill(other.keyPem);
    await page.getByRole("button", { name: "Validate" }).click();
    await expect.poll(() => outcomeOf(page, "upload").textContent()).toMatch(/^Not valid: .*\S/);
    expect(await outcomeOf(page, "upload").getAttribute("class")).toContain("error");
    await page.getByRole("button", { name: "Upload" }).click();
    await expect.poll(() => outcomeOf(page, "upload").textContent()).toMatch(/^Not uploaded: .*\S/);
    // Refused, so the key stays in the field to be corrected, and nothing was stored.
    expect(await page.getByLabel("Private key (PEM)").inputValue()).toBe(other.keyPem);

    await page.getByRole("button", { name: "Order a certificate from the CA" }).click();
    await page.getByLabel("Contact email").fill("admin@example.com");
    await page.getByLabel("Challenge").selectOption("dns-connection");
    await page.getByLabel("DNS connection id").fill("dnc_none");
    await page.getByRole("button", { name: "Obtain" }).click();
    const obtainOutcome = page.locator("form", { has: page.getByLabel("Contact email") }).getByRole("status");
    await expect.poll(() => obtainOutcome.textContent()).toMatch(/^Not obtained: .*\S/);
    await shot(page, "0-refused");
    expect(await storedCertificate(project.body.id)).toBeNull();
    await page.close();
  });

  it("exports the certificate with its key sealed to a key the page makes, and offers both as files", async () => {
    const domain = freshDomain("export");
    const project = await api("POST", "/api/v1/projects", token, { name: `export-${unique()}`, domain });
    expect(project.status, project.text).toBe(200);
    const chain = await makeChain({ names: [domain], key: "RSA-2048" });
    const upload = await api("POST", `/api/v1/projects/${project.body.id}/certificate/upload`, token, { certificate: chain.chainPem, privateKey: chain.keyPem });
    expect(upload.status, upload.text).toBe(200);
    const page = await openWith(context, watch, token);
    await openProject(page, project.body);

    await page.getByRole("button", { name: "Export" }).click();
    const keyLink = page.getByRole("link", { name: /^Private key/ });
    await keyLink.waitFor();
    // The key travelled only sealed: the request carried a public JWK, the answer a JWE, and the page shows no key.
    // The answer list fills as each response is read (dashboard-page.ts), which may come just after the page used it.
    const exportRequests = () => watch.answered.get(page)!.filter((line) => line.endsWith("/certificate/export"));
    await expect.poll(exportRequests).toEqual([`200 /api/v1/projects/${project.body.id}/certificate/export`]);
    expect(await page.locator("body").textContent()).not.toContain("PRIVATE KEY");
    await shot(page, "7-exported");

    const [keyDownload] = await Promise.all([page.waitForEvent("download"), keyLink.click()]);
    const [chainDownload] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /^Certificate and chain/ }).click()]);
    expect(keyDownload.suggestedFilename()).toBe(`${domain}-privkey.pem`);
    const keyPem = readFileSync((await keyDownload.path())!, "utf8");
    const chainPem = readFileSync((await chainDownload.path())!, "utf8");
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // The downloaded key is the certificate's: the same public key.
    const certificate = new X509Certificate(chainPem);
    const spki = (key: ReturnType<typeof createPublicKey>) => key.export({ type: "spki", format: "der" }).toString("hex");
    expect(spki(createPublicKey(createPrivateKey(keyPem)))).toBe(spki(certificate.publicKey));
    expect(certificate.serialNumber).toBe(new X509Certificate(chain.leafPem).serialNumber);
    expect(chainPem).toBe(chain.chainPem);
    await page.close();
  });

  it("offers each action only to a token whose scopes allow it", async () => {
    const domain = freshDomain("scopes");
    const project = await api("POST", "/api/v1/projects", token, { name: `scopes-${unique()}`, domain });
    expect(project.status, project.text).toBe(200);
    const chain = await makeChain({ names: [domain] });
    const upload = await api("POST", `/api/v1/projects/${project.body.id}/certificate/upload`, token, { certificate: chain.chainPem, privateKey: chain.keyPem });
    expect(upload.status, upload.text).toBe(200);
    const tokenWith = async (scopes: string[]) => {
      const made = await api("POST", "/api/v1/tokens", token, { name: `t-${unique()}`, scopes, expiresInDays: 1 });
      expect(made.status, made.text).toBe(200);
      return (made.body as { token: string }).token;
    };
    const offered = async (pasted: string) => {
      const page = await openWith(context, watch, pasted);
      await openProject(page, project.body);
      // The page's last part: the actions above it are in place by then.
      await page.getByRole("heading", { level: 3, name: "Recent events" }).waitFor();
      const labels = await page.locator(".certificate-actions button").allTextContents();
      await page.close();
      return labels.map((label) => label.split(" ")[0]);
    };
    // What is offered on an uploaded certificate: never Renew (it is renewed by uploading its successor) nor Revoke.
    expect(await offered(await tokenWith(["projects:read"]))).toEqual([]);
    const writer = await offered(await tokenWith(["projects:write"]));
    expect(writer).toEqual(expect.arrayContaining(["Order", "Obtain", "Bring", "Validate", "Upload"]));
    expect(writer).not.toContain("Export");
    expect(await offered(await tokenWith(["projects:read", "certificates:export"]))).toEqual(["Export"]);
  });

  it("has no serious or critical axe-core violations on the project page with every action form open", async () => {
    const project = await projectWithObtained();
    // axe-core is injected as a script of the test's own: the page's CSP (script-src 'self', Trusted Types with no
    // policy) rightly refuses it, so this context alone bypasses CSP; every other test runs under the real policy.
    const axeBrowser = await chromium.launch({ executablePath: inject("chromiumPath"), args: CHROMIUM_ARGS });
    try {
      const axeContext = await axeBrowser.newContext({ bypassCSP: true });
      const page = await openWith(axeContext, watch, token);
      await openProject(page, project);
      await page.getByRole("button", { name: "Order a certificate from the CA" }).click();
      await page.getByLabel("Challenge").selectOption("dns-connection");
      await page.getByLabel("DNS connection id").waitFor();
      await page.getByRole("button", { name: "Bring your own certificate" }).click();
      await page.getByRole("button", { name: "Revoke", exact: false }).first().click();
      await page.getByRole("button", { name: `Revoke ${project.domain} now` }).waitFor();
      await page.getByRole("button", { name: "Export" }).click();
      await page.getByRole("link", { name: /^Private key/ }).waitFor();
      await shot(page, "8-forms-open");
      await page.addScriptTag({ path: AXE });
      // Run in the page (the test's tsconfig has no DOM types: the expression is the page's JavaScript).
      const violations = (await page.evaluate(
        "axe.run(document).then((report) => report.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) })))",
      )) as { id: string; impact: string; targets: string[] }[];
      expect(violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical")).toEqual([]);
    } finally {
      await axeBrowser.close();
    }
  });
});
