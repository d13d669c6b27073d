/**
 * The console is usable by everyone: axe-core finds no serious or critical violation on any view (and a project's page
 * with its certificate), every view is reached and worked by keyboard, and a read-only token sees no button that could
 * only fail. Screenshots of each view go under `.tmp/browser/console-<view>.png`.
 */
import "./context";
import { createRequire } from "node:module";
import { type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SCOPES } from "../../src/services/scopes";
import { jsonClient } from "../support/http-client";
import {
  goToView,
  launchDashboardBrowser,
  newTeam,
  openWith as openPage,
  pageWatch,
  projectWithCertificate,
  screenshot,
  tokenWith,
  viewLoaded,
} from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const unique = () => Math.random().toString(36).slice(2, 10);
const AXE_SCRIPT = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** What a read-only token must never be offered: each of these can only be refused. */
const WRITE_BUTTONS = /^(New project|Create|Renew|Check now|Validate|Upload|Obtain|Revoke|Export|Send test event|Disable|Redeploy)\b/;

let everything: string;
let readOnly: string;
let project: Awaited<ReturnType<typeof projectWithCertificate>>;
let dashboard: Awaited<ReturnType<typeof launchDashboardBrowser>>;
const watch = pageWatch();
const openWith = (pasted: string) => openPage(dashboard.context, watch, pasted);

async function created(path: string, token: string, body: unknown) {
  const answer = await api("POST", path, token, body);
  expect(answer.status, answer.text).toBeLessThan(300);
  return answer.body;
}

beforeAll(async () => {
  const bootstrap = await newTeam("a11y");
  // Markup in the token's name, which the console shows: it must stay text.
  everything = await tokenWith(bootstrap, "<img src=x onerror=alert(1)> every scope", [...SCOPES]);
  readOnly = await tokenWith(bootstrap, "read only", ["projects:read", "certs:read"]);
  // Something in every view, so axe sees each view's tables and controls filled.
  project = await projectWithCertificate(everything, "a11y", 40);
  const ca = await created("/api/v1/cas", everything, { name: `root-${unique()}`, kind: "root", subject: { commonName: "A11y Root" }, validityDays: 365 });
  await created(`/api/v1/cas/${ca.id}/certificates`, everything, { profile: "server", dnsNames: ["api.corp.example"] });
  await created("/api/v1/acme-directories", everything, {
    name: `internal-${unique()}`,
    issuer: { type: "private", caId: ca.id, profile: "server", validityHours: 720 },
    authorization: "pre-approved",
    allowedNames: ["*.svc.internal.example"],
  });
  await created("/api/v1/dns-connections", everything, { name: `prod-${unique()}`, provider: "cloudflare", credentials: { apiToken: `cf-ok-${unique()}` } });
  dashboard = await launchDashboardBrowser();
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
});

/** The navigation's links a person sees (hidden items are left out), in order. */
async function navigationLabels(page: Page): Promise<string[]> {
  return page.getByRole("navigation", { name: "Console" }).getByRole("link").allTextContents();
}

interface Finding {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string; summary: string }[];
}

/**
 * axe-core's violations on what the page shows now (axe is injected once per document), and how many of its rules
 * passed: none passing would mean axe looked at nothing.
 */
async function axeViolations(page: Page): Promise<{ violations: Finding[]; passed: number }> {
  if ((await page.evaluate("typeof axe")) === "undefined") await page.addScriptTag({ path: AXE_SCRIPT });
  return page.evaluate(`axe.run(document).then((results) => ({
    passed: results.passes.length,
    violations: results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target.join(" "), summary: node.failureSummary })),
    })),
  }))`);
}

/** The serious and critical violations on the page now; the lesser ones are printed, to read. */
async function seriousViolations(page: Page, where: string): Promise<Finding[]> {
  const { violations, passed } = await axeViolations(page);
  expect(passed, where).toBeGreaterThan(10);
  const serious = violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  const lesser = violations.filter((violation) => !serious.includes(violation));
  if (lesser.length > 0) console.log(readable(where, lesser));
  return serious;
}

function readable(where: string, findings: Finding[]): string {
  return findings
    .map((finding) => `${where}: ${finding.impact} ${finding.id} (${finding.help})\n${finding.nodes.map((node) => `  ${node.target}\n    ${node.summary.replace(/\n/g, "\n    ")}`).join("\n")}`)
    .join("\n");
}

/** What has keyboard focus: its tag, id and text, to compare and to read in a failure. */
function focused(page: Page): Promise<{ tag: string; id: string; text: string; inView: boolean; inNav: boolean }> {
  return page.evaluate(`(() => {
    const node = document.activeElement;
    return { tag: node.tagName.toLowerCase(), id: node.id, text: (node.textContent || node.getAttribute("aria-label") || "").trim(),
      inView: Boolean(node.closest("#view")), inNav: Boolean(node.closest("#console-nav")) };
  })()`);
}

/** The first control of the view a Tab should reach: its text, or null when the view has none. */
function firstControlOfView(page: Page): Promise<string | null> {
  return page.evaluate(`(() => {
    const candidates = document.querySelectorAll("#view a[href], #view button, #view input, #view select, #view textarea, #view summary, #view [tabindex]:not([tabindex='-1'])");
    for (const node of candidates) if (!node.disabled && node.getClientRects().length > 0) return node.textContent.trim();
    return null;
  })()`);
}

describe("the console's accessibility", () => {
  it("has no serious or critical axe-core violation on any view, nor on a project's page with its certificate", async () => {
    // axe-core is a script injected into the page: the console's policy rightly refuses any script not its own (and
    // Trusted Types any string made into script), so this context alone bypasses the policy, for this check only.
    const axeContext = await dashboard.browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
    try {
      const page = await openPage(axeContext, watch, everything);
      await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
      await viewLoaded(page);
      const labels = await navigationLabels(page);
      expect(labels).toEqual(["Projects", "Certificates", "Webhooks", "Deploy targets", "DNS connections", "Private CAs", "ACME directories", "Tokens", "Audit log"]);
      const reports: string[] = [];
      for (const label of labels) {
        await goToView(page, label);
        const findings = await seriousViolations(page, label);
        if (findings.length > 0) reports.push(readable(label, findings));
        const id = new URL(page.url()).hash.slice(2);
        await screenshot(page, `console-${id}`);
      }
      await goToView(page, "Projects");
      await page.getByRole("link", { name: project.projectName, exact: true }).click();
      await page.getByRole("heading", { level: 2, name: `Project ${project.projectName}` }).waitFor();
      await viewLoaded(page);
      expect(await page.getByRole("region", { name: "Certificate", exact: true }).textContent()).toContain(project.domain);
      const findings = await seriousViolations(page, "A project's page");
      if (findings.length > 0) reports.push(readable("A project's page", findings));
      await screenshot(page, "console-project");
      expect(reports.join("\n"), reports.join("\n")).toBe("");
      // The token's name was markup: shown as text, and nothing ran.
      expect(await page.locator("#identity").textContent()).toContain("<img src=x onerror=alert(1)> every scope");
      expect(watch.dialogs).toEqual([]);
      expect(watch.pageErrors).toEqual([]);
    } finally {
      await axeContext.close();
    }
  });

  it("is usable by keyboard: Tab reaches the navigation, a view change moves focus to its heading, the next Tab to its first control", async () => {
    const page = await openWith(everything);
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
    await viewLoaded(page);
    // Once the token is taken, focus moves on to the view it opened.
    await expect.poll(() => focused(page)).toMatchObject({ id: "view-heading", text: "Certificates" });
    // From the top of the page (a reload starts there; the token is still in the tab): the skip link, then the navigation.
    await page.reload();
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor({ timeout: 30_000 });
    await viewLoaded(page);
    await page.keyboard.press("Tab");
    expect((await focused(page)).text).toBe("Skip to the console");
    let presses = 1;
    while (!(await focused(page)).inNav && presses < 20) {
      await page.keyboard.press("Tab");
      presses += 1;
    }
    expect(await focused(page)).toMatchObject({ tag: "a", text: "Projects", inNav: true });

    for (const label of await navigationLabels(page)) {
      await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: label, exact: true }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 2, name: label }).waitFor();
      await viewLoaded(page);
      await expect.poll(() => focused(page), { message: label }).toMatchObject({ tag: "h2", id: "view-heading", text: label });
      const first = await firstControlOfView(page);
      await page.keyboard.press("Tab");
      if (first !== null) expect(await focused(page), label).toMatchObject({ inView: true, text: first });
    }

    // A whole action by keyboard: New project opens its form on its first field, Enter submits, the new page takes focus.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Projects", exact: true }).focus();
    await page.keyboard.press("Enter");
    await viewLoaded(page);
    await expect.poll(() => focused(page)).toMatchObject({ id: "view-heading" });
    await page.keyboard.press("Tab");
    expect((await focused(page)).text).toBe("New project");
    await page.keyboard.press("Enter");
    expect(await focused(page)).toMatchObject({ tag: "input", inView: true });
    const name = `kb-${unique()}`;
    await page.keyboard.type(name);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 2, name: `Project ${name}` }).waitFor({ timeout: 30_000 });
    await expect.poll(() => focused(page)).toMatchObject({ id: "view-heading", text: `Project ${name}` });
    expect(watch.pageErrors).toEqual([]);
    await page.close();
  });

  it("shows a read-only token no write button anywhere it can go, and no view it cannot read", async () => {
    const page = await openWith(readOnly);
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
    await viewLoaded(page);
    const labels = await navigationLabels(page);
    expect(labels).toEqual(["Projects", "Certificates", "Deploy targets"]);
    const offered = async (where: string) => {
      const names = (await page.locator("#view").getByRole("button").allTextContents()).map((name) => name.trim());
      expect(names.filter((name) => WRITE_BUTTONS.test(name)), where).toEqual([]);
    };
    for (const label of labels) {
      await goToView(page, label);
      await offered(label);
    }
    await goToView(page, "Projects");
    await page.getByRole("link", { name: project.projectName, exact: true }).click();
    await page.getByRole("heading", { level: 2, name: `Project ${project.projectName}` }).waitFor();
    await viewLoaded(page);
    expect(await page.getByRole("region", { name: "Certificate", exact: true }).textContent()).toContain(project.domain);
    await offered("a project's page");
    // A view it cannot read, asked for by its address, shows the default view instead.
    await page.evaluate('location.hash = "#/tokens"');
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
    await page.close();
  });
});
