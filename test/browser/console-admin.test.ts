/**
 * The console's admin views in chromium against the browser project's `wrangler dev` (global-setup.mjs): Webhooks
 * (an endpoint created in the page, its secret shown once, "Send test event" to a receiver this test runs on
 * 127.0.0.1, whose `ping` is verified here as a Standard Webhook, and to one that refuses it; the delivery log,
 * disable/enable, delete), Tokens (one created with two scopes and shown once, revoked; revoking the console's own
 * token signs it out), the Audit log (filtered by action, paged with Show more), a read-only token that sees no write
 * control, and axe-core on each view.
 */
import "./context";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { jsonClient } from "../support/http-client";
import { CHROMIUM_ARGS } from "./chromium.mjs";
import { goToView, newTeam, openWith as openPage, pageWatch, screenshot, tokenWith } from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const AXE_SOURCE = readFileSync(join(REPO_ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const unique = () => randomBytes(4).toString("hex");

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A webhook receiver on loopback: records each POST and answers 200 with a body naming itself. */
const received: Received[] = [];
const RECEIVER_ANSWER = `receiver ${unique()} says pong`;
const BUSY_ANSWER = `receiver ${unique()} is busy`;
let receiver: Server;
let receiverUrl: string;

let token: string;
let tokenName: string;
let browser: Browser;
let context: BrowserContext;
const watch = pageWatch();
const openWith = (pasted: string) => openPage(context, watch, pasted);

/** Standard Webhooks verification (https://www.standardwebhooks.com/, "Verifying webhooks"): HMAC-SHA256 of id.timestamp.body. */
function verifiesWith(secret: string, delivery: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signed = `${delivery.headers["webhook-id"]}.${delivery.headers["webhook-timestamp"]}.${delivery.body}`;
  const expected = createHmac("sha256", key).update(signed).digest();
  return (delivery.headers["webhook-signature"] ?? "").split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    const given = Buffer.from(signature ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** axe-core's serious and critical violations on the page as it is. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ["violations"] }).then((results) => results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) })))`,
  )) as { id: string; impact: string; nodes: string[] }[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.nodes.join(", ")}`);
}

/** A new token of the team with `scopes` (made by its first token): its name and secret. */
async function newToken(label: string, scopes: string[]): Promise<{ name: string; token: string }> {
  const name = `${label}-${unique()}`;
  return { name, token: await tokenWith(token, name, scopes) };
}

/** The secret a creation answered, as the page shows it: with the warning that it is not shown again. */
async function secretShownOnce(page: Page): Promise<string> {
  const once = page.locator(".shown-once");
  await once.waitFor();
  expect(await once.textContent()).toContain("Copy it now: it is not shown again.");
  return (await once.locator("code.secret").textContent())!;
}

const endpointRegion = (page: Page, url: string) => page.getByRole("region", { name: url, exact: true });
const tokenRow = (page: Page, name: string) => page.getByRole("row").filter({ has: page.getByRole("rowheader", { name }) });

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") });
      // A path ending in /busy stands for a receiver that refuses for now.
      const busy = req.url?.endsWith("/busy");
      res.writeHead(busy ? 503 : 200, { "Content-Type": "text/plain" });
      res.end(busy ? BUSY_ANSWER : RECEIVER_ANSWER);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hooks/${unique()}`;

  token = await newTeam("admin");
  tokenName = (await api("GET", "/api/v1/tokens/current", token)).body.name;
  browser = await chromium.launch({ executablePath: inject("chromiumPath"), headless: true, args: CHROMIUM_ARGS });
  context = await browser.newContext();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe("the console's admin views in chromium", () => {
  let endpointId: string;

  it("Webhooks: creates an endpoint, shows its secret once, sends a test event the receiver verifies, logs it", async () => {
    const page = await openWith(token);
    await goToView(page, "Webhooks");
    await page.getByText("This team has no webhook endpoint yet.").waitFor();
    await page.getByRole("button", { name: "New endpoint" }).click();
    await page.getByLabel("Endpoint URL").fill(receiverUrl);
    // Every event type is checked at first; one fewer is sent on.
    await page.getByRole("checkbox", { name: "certificate.deployed", exact: true }).uncheck();
    await page.getByRole("button", { name: "Create endpoint" }).click();

    const secret = await secretShownOnce(page);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);

    const region = endpointRegion(page, receiverUrl);
    await region.waitFor();
    const listed = (await api("GET", "/api/v1/webhooks", token)).body.endpoints;
    expect(listed.map((e: { url: string }) => e.url)).toEqual([receiverUrl]);
    endpointId = listed[0].id;
    expect(listed[0].events).not.toContain("certificate.deployed");
    expect(listed[0].events).toContain("certificate.renewed");
    expect(await region.textContent()).toContain("Enabled");

    await region.getByRole("button", { name: "Send test event" }).click();
    const outcome = region.locator(".test-event [role=status]");
    await expect.poll(() => outcome.textContent(), { timeout: 20_000 }).toMatch(/^Delivered: the receiver answered HTTP 200 in \d+ ms\.$/);
    expect(await region.locator("pre.receiver-body").textContent()).toBe(RECEIVER_ANSWER);

    // The receiver got one ping, signed with the secret the page showed.
    expect(received).toHaveLength(1);
    const ping = received[0]!;
    expect(verifiesWith(secret, ping)).toBe(true);
    expect(verifiesWith(`whsec_${randomBytes(24).toString("base64")}`, ping)).toBe(false);
    const event = JSON.parse(ping.body);
    expect(event.type).toBe("ping");
    expect(event.data.endpointId).toBe(endpointId);
    expect(Math.abs(Number(ping.headers["webhook-timestamp"]) * 1000 - Date.now())).toBeLessThan(5 * 60_000);

    await region.getByRole("button", { name: "Delivery log" }).click();
    const logRow = region.locator(".delivery-log tbody tr").first();
    await logRow.waitFor();
    expect(await logRow.locator("td").allTextContents()).toEqual(["ping", "1", "Delivered", "200", ""]);

    await screenshot(page, "console-webhooks");

    // Leaving the view drops the secret: it is in no element and in no storage of the tab.
    await goToView(page, "Tokens");
    await goToView(page, "Webhooks");
    await endpointRegion(page, receiverUrl).waitFor();
    expect(await page.locator(".shown-once").count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    const stored = await page.evaluate("JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])");
    expect(stored).not.toContain(secret);
    await page.close();
  });

  it("Webhooks: a test event the receiver refuses shows its status and answer as not delivered", async () => {
    const busyUrl = `${receiverUrl}/busy`;
    const created = await api("POST", "/api/v1/webhooks", token, { url: busyUrl });
    expect(created.status, created.text).toBe(201);
    const page = await openWith(token);
    await goToView(page, "Webhooks");
    const region = endpointRegion(page, busyUrl);
    await region.getByRole("button", { name: "Send test event" }).click();
    const outcome = region.locator(".test-event [role=status]");
    await expect.poll(() => outcome.textContent(), { timeout: 20_000 }).toMatch(/^Not delivered \(HTTP 503\): .+ in \d+ ms\.$/);
    expect(await region.locator("pre.receiver-body").textContent()).toBe(BUSY_ANSWER);
    expect((await api("DELETE", `/api/v1/webhooks/${created.body.id}`, token)).status).toBe(200);
    await page.close();
  });

  it("Webhooks: disables and enables an endpoint, and deletes one only after the confirmation", async () => {
    const other = `${receiverUrl}-other`;
    expect((await api("POST", "/api/v1/webhooks", token, { url: other })).status).toBe(201);
    const page = await openWith(token);
    await goToView(page, "Webhooks");
    const region = endpointRegion(page, receiverUrl);
    await region.getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => endpointRegion(page, receiverUrl).locator(".state").textContent()).toBe("Disabled through the API");
    expect((await api("GET", `/api/v1/webhooks/${endpointId}`, token)).body.disabled).toBe(true);
    // The keyboard stays where it was: on the button that now enables it.
    expect(await page.evaluate("document.activeElement.textContent")).toBe(`Enable ${receiverUrl}`);
    await endpointRegion(page, receiverUrl).getByRole("button", { name: "Enable" }).click();
    await expect.poll(() => endpointRegion(page, receiverUrl).locator(".state").textContent()).toBe("Enabled");
    expect((await api("GET", `/api/v1/webhooks/${endpointId}`, token)).body.disabled).toBe(false);

    const doomed = endpointRegion(page, other);
    await doomed.getByRole("button", { name: "Delete" }).click();
    // A step in the page, not a dialog; Cancel keeps it.
    await doomed.getByRole("button", { name: "Cancel" }).click();
    expect((await api("GET", "/api/v1/webhooks", token)).body.endpoints).toHaveLength(2);
    await doomed.getByRole("button", { name: "Delete" }).click();
    await doomed.getByRole("button", { name: "Delete endpoint" }).click();
    await expect.poll(() => endpointRegion(page, other).count()).toBe(0);
    expect((await api("GET", "/api/v1/webhooks", token)).body.endpoints.map((e: { url: string }) => e.url)).toEqual([receiverUrl]);
    await page.close();
  });

  it("Tokens: marks this token, creates one with two scopes shown once, revokes it after the confirmation", async () => {
    const page = await openWith(token);
    await goToView(page, "Tokens");
    await tokenRow(page, tokenName).waitFor();
    expect(await tokenRow(page, tokenName).locator(".this-token").textContent()).toBe("(this token)");

    const name = `deploy-${unique()}`;
    await page.getByRole("button", { name: "New token" }).click();
    await page.getByLabel("Token name").fill(name);
    await page.getByRole("checkbox", { name: "certs:read", exact: true }).check();
    await page.getByRole("checkbox", { name: "projects:read", exact: true }).check();
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = await secretShownOnce(page);
    const itself = await api("GET", "/api/v1/tokens/current", secret);
    expect(itself.status, itself.text).toBe(200);
    expect(itself.body.name).toBe(name);
    expect([...itself.body.scopes].sort()).toEqual(["certs:read", "projects:read"]);

    const row = tokenRow(page, name);
    await row.waitFor();
    const scopesCell = (await row.locator("td").nth(1).textContent())!;
    expect(scopesCell.split(", ").sort()).toEqual(["certs:read", "projects:read"]);
    expect(await row.textContent()).not.toContain(secret);
    await screenshot(page, "console-tokens");

    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke token" }).click();
    await expect.poll(() => tokenRow(page, name).locator(".state").textContent()).toMatch(/^Revoked /);
    expect((await api("GET", "/api/v1/tokens/current", secret)).status).toBe(401);
    // The console's own token still works.
    expect((await api("GET", "/api/v1/tokens/current", token)).status).toBe(200);
    await page.close();
  });

  it("Tokens: revoking the token the console uses signs the console out", async () => {
    const created = await newToken("self", ["tokens:read", "tokens:write"]);
    const page = await openWith(created.token);
    await goToView(page, "Tokens");
    const row = tokenRow(page, created.name);
    expect(await row.locator(".this-token").textContent()).toBe("(this token)");
    await row.getByRole("button", { name: "Revoke" }).click();
    expect(await row.textContent()).toContain("the token this console uses");
    await row.getByRole("button", { name: "Revoke token" }).click();
    await page.getByRole("navigation", { name: "Console" }).waitFor({ state: "hidden" });
    expect(await page.locator("#status").textContent()).toContain("the console signed out");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    expect((await api("GET", "/api/v1/tokens/current", created.token)).status).toBe(401);
    await page.close();
  });

  it("Audit log: filtered by action, it shows only the matching events", async () => {
    const page = await openWith(token);
    await goToView(page, "Audit log");
    const actions = page.locator(".audit-results tbody tr td:nth-of-type(1)");
    await actions.first().waitFor();
    const everything = new Set(await actions.allTextContents());
    expect(everything.has("POST /api/v1/webhooks")).toBe(true);
    expect(everything.has("POST /api/v1/tokens")).toBe(true);

    await page.getByLabel("Action").fill("POST /api/v1/tokens");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect.poll(async () => new Set(await actions.allTextContents())).toEqual(new Set(["POST /api/v1/tokens"]));
    const expected = (await api("GET", `/api/v1/audit-log?action=${encodeURIComponent("POST /api/v1/tokens")}`, token)).body.events;
    expect(await actions.count()).toBe(expected.length);
    expect(await page.locator(".audit-results caption").textContent()).toContain("matching the filters");
    await screenshot(page, "console-audit-log");

    // A filter the API refuses says why in its words and keeps the rows shown.
    await page.getByLabel("Actor").fill("two words");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect.poll(() => page.locator("form[role=search] [role=status]").textContent()).toContain("Not filtered:");
    expect(await actions.count()).toBe(expected.length);
    await page.close();
  });

  it("Audit log: Show more pages through more events than one page holds, newest first", async () => {
    // More changes of one kind than a page (50) holds: the endpoint's event types set again and again.
    for (let n = 0; n < 52; n++) {
      const changed = await api("PATCH", `/api/v1/webhooks/${endpointId}`, token, { events: n % 2 ? ["certificate.renewed"] : ["certificate.expiring"] });
      expect(changed.status, changed.text).toBe(200);
    }
    const action = (await api("GET", "/api/v1/audit-log?limit=1", token)).body.events[0].action as string;
    expect(action).toMatch(/^PATCH \/api\/v1\/webhooks\//);
    const first = (await api("GET", `/api/v1/audit-log?limit=200&action=${encodeURIComponent(action)}`, token)).body;
    expect(first.events.length).toBeGreaterThan(50);

    const page = await openWith(token);
    await goToView(page, "Audit log");
    await page.getByLabel("Action").fill(action);
    await page.getByLabel("Action").press("Enter");
    const caption = page.locator(".audit-results caption");
    await expect.poll(() => caption.textContent()).toBe("The newest 50 events matching the filters, newest first");
    await page.getByRole("button", { name: "Show more" }).click();
    await expect.poll(() => caption.textContent()).toBe(`${first.events.length} events matching the filters, newest first`);
    expect(await page.getByRole("button", { name: "Show more" }).isVisible()).toBe(false);
    const rows = page.locator(".audit-results tbody tr");
    expect(new Set(await rows.locator("td:nth-of-type(1)").allTextContents())).toEqual(new Set([action]));
    const times = await rows.locator("time").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("datetime") ?? ""));
    expect(times).toEqual(first.events.map((event: { at: string }) => event.at));
    await page.close();
  });

  it("a read-only token sees the views but no control that could only fail", async () => {
    const readOnly = await newToken("viewer", ["webhooks:read", "tokens:read"]);
    const page = await openWith(readOnly.token);
    await goToView(page, "Webhooks");
    await endpointRegion(page, receiverUrl).waitFor();
    for (const label of ["New endpoint", "Send test event", "Disable", "Delete"]) expect(await page.getByRole("button", { name: label }).count(), label).toBe(0);
    expect(await page.getByRole("button", { name: "Delivery log" }).count()).toBe(1);
    await goToView(page, "Tokens");
    await tokenRow(page, readOnly.name).waitFor();
    for (const label of ["New token", "Revoke"]) expect(await page.getByRole("button", { name: label }).count(), label).toBe(0);
    await page.close();
  });

  it("axe-core finds no serious or critical violation on the three views", async () => {
    // axe is injected as a script, which the console's CSP (script-src 'self', Trusted Types with no policy) would
    // refuse: this context bypasses the CSP for the check only; every other test runs under the page's own policy.
    const axeContext = await browser.newContext({ bypassCSP: true });
    try {
      const page = await openPage(axeContext, watch, token);
      await goToView(page, "Webhooks");
      await endpointRegion(page, receiverUrl).waitFor();
      await page.getByRole("button", { name: "New endpoint" }).click();
      await endpointRegion(page, receiverUrl).getByRole("button", { name: "Delivery log" }).click();
      await expect.poll(() => endpointRegion(page, receiverUrl).locator(".delivery-log .panel").textContent()).toMatch(/^(?!Loading)./);
      expect(await axeViolations(page), "Webhooks").toEqual([]);
      await goToView(page, "Tokens");
      await tokenRow(page, tokenName).waitFor();
      await page.getByRole("button", { name: "New token" }).click();
      expect(await axeViolations(page), "Tokens").toEqual([]);
      await goToView(page, "Audit log");
      await page.locator(".audit-results tbody tr").first().waitFor();
      expect(await axeViolations(page), "Audit log").toEqual([]);
    } finally {
      await axeContext.close();
    }
  });

  it("no page of this file ran into a script error or opened a dialog", () => {
    expect(watch.pageErrors).toEqual([]);
    expect(watch.dialogs).toEqual([]);
  });
});
