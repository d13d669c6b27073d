/**
 * The console's "DNS connections" view in chromium (global-setup.mjs starts the Worker, its Cloudflare API pointed at
 * the unit tests' fake): a team's saved connections with their provider and zones, never their credentials; adding
 * one, rotating its credentials and removing it with dns:write; and no view at all for a token without dns:read.
 */
import "./context";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { jsonClient } from "../support/http-client";
import { goToView, launchDashboardBrowser, openWith as openPage, pageWatch, screenshot, viewLoaded } from "./dashboard-page";
import { axeFindings } from "./view-checks";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const unique = () => Math.random().toString(36).slice(2, 10);

/** A Cloudflare API token the fake accepts (test/support/dns-fakes/unit-host.mjs): it must never reach the page. */
const secretToken = `cf-ok-${unique()}${unique()}`;
let token: string;
let certsOnlyToken: string;
let dnsReadToken: string;
let connection: { id: string; name: string };
let dashboard: Awaited<ReturnType<typeof launchDashboardBrowser>>;
const watch = pageWatch();
const openWith = (pasted: string) => openPage(dashboard.context, watch, pasted);

async function newToken(name: string, scopes: string[]): Promise<string> {
  const made = await api("POST", "/api/v1/tokens", token, { name, scopes });
  expect(made.status, made.text).toBe(200);
  return (made.body as { token: string }).token;
}

beforeAll(async () => {
  const team = await api("POST", "/api/v1/teams", inject("browserAdminToken"), { slug: `dns-${unique()}`, name: "DNS team" });
  expect(team.status, team.text).toBe(200);
  token = (team.body as { token: string }).token;
  const created = await api("POST", "/api/v1/dns-connections", token, { name: `prod-${unique()}`, provider: "cloudflare", credentials: { apiToken: secretToken } });
  expect(created.status, created.text).toBe(201);
  connection = created.body as { id: string; name: string };
  certsOnlyToken = await newToken("certs only", ["certs:read"]);
  dnsReadToken = await newToken("dns read", ["dns:read"]);
  dashboard = await launchDashboardBrowser();
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
});

describe("the console's DNS connections", () => {
  it("lists the team's connections with provider and zones, and never their credentials", async () => {
    const page = await openWith(token);
    await goToView(page, "DNS connections");
    const row = page.locator("#view tbody tr").filter({ hasText: connection.id });
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    const cells = await row.locator("th, td").allTextContents();
    expect(cells.slice(0, 3)).toEqual([connection.name, "cloudflare", "example.com, example.net"]);
    expect(await page.locator("#status").textContent()).toBe("1 connection");
    // The view asks for its own list only.
    await expect.poll(() => watch.answered.get(page)?.filter((line) => line.includes("dns-connections"))).toEqual(["200 /api/v1/dns-connections"]);
    expect(await page.content()).not.toContain(secretToken);
    expect(watch.dialogs).toEqual([]);
    await page.close();
  });

  it("adds a connection from password fields and shows the zones the provider listed, then rotates and deletes it", async () => {
    const page = await openWith(token);
    await goToView(page, "DNS connections");
    await viewLoaded(page);
    await page.getByRole("button", { name: "New DNS connection" }).click();
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Create connection" }) });
    const name = `staging-${unique()}`;
    const newSecret = `cf-ok-${unique()}${unique()}`;
    await form.getByLabel("Connection name").fill(name);
    await form.getByLabel("Provider", { exact: true }).selectOption("cloudflare");
    const credential = form.getByLabel("Cloudflare API token");
    expect(await credential.getAttribute("type")).toBe("password");
    await credential.fill(newSecret);
    await form.getByRole("button", { name: "Create connection" }).click();
    const created = form.getByRole("status");
    await expect.poll(() => created.textContent(), { timeout: 30_000 }).toBe(`Created ${name}; the provider lists the zones example.com, example.net`);
    // The secret left with the request: not kept in the field, not shown anywhere.
    expect(await credential.inputValue()).toBe("");
    const listed = await api("GET", "/api/v1/dns-connections", token);
    const made = (listed.body as { connections: { id: string; name: string; zones: string[] }[] }).connections.find((entry) => entry.name === name);
    expect(made?.zones).toEqual(["example.com", "example.net"]);
    const row = page.locator("#view tbody tr").filter({ hasText: made!.id });
    expect(await row.locator("td").first().textContent()).toBe("cloudflare");

    // A token the provider refuses: the API's words, and the connection keeps its credentials.
    await row.getByRole("button", { name: "Rotate credentials" }).click();
    await row.getByLabel("Cloudflare API token").fill(`wrong-${unique()}`);
    await row.getByRole("button", { name: "Save credentials" }).click();
    const rotated = row.locator("form [role=status]");
    await expect.poll(() => rotated.textContent(), { timeout: 30_000 }).toMatch(/^Not rotated: .*Invalid access token/);
    await row.getByLabel("Cloudflare API token").fill(`cf-ok-${unique()}${unique()}`);
    await row.getByRole("button", { name: "Save credentials" }).click();
    await expect.poll(() => rotated.textContent(), { timeout: 30_000 }).toBe("Credentials replaced; the provider lists the zones example.com, example.net");
    await screenshot(page, "console-dns-connections-rotated");

    // Delete asks first; Cancel changes nothing.
    await row.getByRole("button", { name: /^Delete/ }).click();
    await row.getByRole("button", { name: /^Cancel/ }).click();
    expect(await row.locator(".outcome").last().textContent()).toBe("Cancelled: nothing changed.");
    expect((await api("GET", `/api/v1/dns-connections/${made!.id}`, token)).status).toBe(200);
    await row.getByRole("button", { name: /^Delete/ }).click();
    await row.getByRole("button", { name: /^Confirm delete/ }).click();
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 30_000 }).toBe(`Deleted ${name}`);
    expect(await row.count()).toBe(0);
    expect((await api("GET", `/api/v1/dns-connections/${made!.id}`, token)).status).toBe(404);
    expect(await page.content()).not.toContain(newSecret);
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    await page.close();
  });

  it("shows a dns:read token the list without a write control", async () => {
    const page = await openWith(dnsReadToken);
    await goToView(page, "DNS connections");
    await viewLoaded(page);
    expect(await page.locator("#view tbody tr").filter({ hasText: connection.id }).count()).toBe(1);
    expect(await page.locator("#view").getByRole("button").count()).toBe(0);
    await page.close();
  });

  it("shows no DNS connections link, and asks nothing of them, for a token without dns:read", async () => {
    const page = await openWith(certsOnlyToken);
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
    await viewLoaded(page);
    expect(await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "DNS connections" }).count()).toBe(0);
    expect(watch.answered.get(page)?.some((line) => line.includes("/api/v1/dns-connections"))).toBe(false);
    await page.close();
  });

  it("has no serious or critical axe-core finding, with its forms open", async () => {
    const findings = await axeFindings(token, "DNS connections", async (page) => {
      await page.getByRole("button", { name: "New DNS connection" }).click();
      await page.locator("#view tbody tr").first().getByRole("button", { name: "Rotate credentials" }).click();
    });
    expect(findings).toEqual([]);
  });
});
