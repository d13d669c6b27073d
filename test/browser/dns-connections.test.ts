/**
 * The dashboard's "DNS connections" section in chromium (global-setup.mjs starts the Worker, its Cloudflare API
 * pointed at the unit tests' fake): a team's saved connections with their provider and zones, never their
 * credentials, shown only to a token holding `dns:read`.
 */
import "./context";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { jsonClient } from "../support/http-client";
import { launchDashboardBrowser, openWith as openPage, pageWatch } from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const unique = () => Math.random().toString(36).slice(2, 10);

/** A Cloudflare API token the fake accepts (test/support/dns-fakes/unit-host.mjs): it must never reach the page. */
const secretToken = `cf-ok-${unique()}${unique()}`;
let token: string;
let certsOnlyToken: string;
let connection: { id: string; name: string };
let dashboard: Awaited<ReturnType<typeof launchDashboardBrowser>>;
const watch = pageWatch();
const openWith = (pasted: string) => openPage(dashboard.context, watch, pasted);

beforeAll(async () => {
  const team = await api("POST", "/api/v1/teams", inject("browserAdminToken"), { slug: `dns-${unique()}`, name: "DNS team" });
  expect(team.status, team.text).toBe(200);
  token = (team.body as { token: string }).token;
  const created = await api("POST", "/api/v1/dns-connections", token, { name: `prod-${unique()}`, provider: "cloudflare", credentials: { apiToken: secretToken } });
  expect(created.status, created.text).toBe(201);
  connection = created.body as { id: string; name: string };
  const limited = await api("POST", "/api/v1/tokens", token, { name: "certs only", scopes: ["certs:read"] });
  expect(limited.status, limited.text).toBe(200);
  certsOnlyToken = (limited.body as { token: string }).token;
  dashboard = await launchDashboardBrowser();
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
});

describe("dashboard DNS connections", () => {
  it("lists the team's connections with provider and zones, and never their credentials", async () => {
    const page = await openWith(token);
    const section = page.locator("#dns-connections");
    await expect.poll(() => section.isVisible(), { timeout: 30_000 }).toBe(true);
    const row = section.locator("tbody tr").filter({ hasText: connection.id });
    await expect.poll(() => row.count()).toBe(1);
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(0, 3)).toEqual([connection.name, "cloudflare", "example.com, example.net"]);
    expect(await section.locator("#dns-connections-summary").textContent()).toBe("1 connection");
    expect(await page.content()).not.toContain(secretToken);
    expect(watch.dialogs).toEqual([]);
    await page.close();
  });

  it("shows no DNS section, and no error, to a token without dns:read", async () => {
    const page = await openWith(certsOnlyToken);
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 30_000 }).toMatch(/certificate/);
    expect(await page.locator("#dns-connections").isVisible()).toBe(false);
    await page.close();
  });
});
