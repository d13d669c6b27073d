/**
 * The dashboard's "ACME directories" section in chromium (global-setup.mjs starts the Worker): each directory with its
 * issuer, authorization, allowed names and URL, never an EAB HMAC key, shown only to a token holding `acme-server:read`.
 */
import "./context";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { jsonClient } from "../support/http-client";
import { launchDashboardBrowser, openWith as openPage, pageWatch } from "./dashboard-page";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const unique = () => Math.random().toString(36).slice(2, 10);

let token: string;
let acmeOnlyToken: string;
let certsOnlyToken: string;
let ca: { id: string; name: string };
let directory: { id: string; name: string; directoryUrl: string; createdAt: string };
let hmacKey: string;
let dashboard: Awaited<ReturnType<typeof launchDashboardBrowser>>;
const watch = pageWatch();
const openWith = (pasted: string) => openPage(dashboard.context, watch, pasted);

async function created<T>(path: string, bearer: string, body: unknown, status = 201): Promise<T> {
  const answer = await api("POST", path, bearer, body);
  expect(answer.status, answer.text).toBe(status);
  return answer.body as T;
}

beforeAll(async () => {
  token = (await created<{ token: string }>("/api/v1/teams", inject("browserAdminToken"), { slug: `acme-${unique()}`, name: "ACME team" }, 200)).token;
  ca = await created("/api/v1/cas", token, { name: `issuing-${unique()}`, kind: "root", subject: { commonName: "Dashboard ACME Root" }, validityDays: 365 });
  directory = await created("/api/v1/acme-directories", token, {
    name: `internal-${unique()}`,
    issuer: { type: "private", caId: ca.id, profile: "server", validityHours: 720 },
    authorization: "pre-approved",
    allowedNames: ["*.svc.internal.example", "build.internal.example"],
  });
  hmacKey = (await created<{ hmacKey: string }>(`/api/v1/acme-directories/${directory.id}/eab-keys`, token, undefined)).hmacKey;
  acmeOnlyToken = (await created<{ token: string }>("/api/v1/tokens", token, { name: "acme only", scopes: ["acme-server:read"] }, 200)).token;
  certsOnlyToken = (await created<{ token: string }>("/api/v1/tokens", token, { name: "certs only", scopes: ["certs:read"] }, 200)).token;
  dashboard = await launchDashboardBrowser();
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
});

describe("dashboard ACME directories", () => {
  it("lists a directory with its issuer, authorization, allowed names and URL, and never an EAB HMAC key", async () => {
    const page = await openWith(token);
    const section = page.locator("#acme-directories");
    await expect.poll(() => section.isVisible(), { timeout: 30_000 }).toBe(true);
    const row = section.locator("tbody tr").filter({ hasText: directory.id });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator("th").textContent()).toBe(directory.name);
    expect(await row.locator("td").allTextContents()).toEqual([
      `Private CA ${ca.name} (${ca.id}), profile server, 720 h`,
      "Pre-approved",
      "*.svc.internal.example, build.internal.example; and names the team holds",
      directory.directoryUrl,
      directory.createdAt.slice(0, 10),
    ]);
    expect(directory.directoryUrl).toBe(`${workerUrl}/acme/${directory.id}/directory`);
    expect(await section.locator("#acme-directories-summary").textContent()).toBe("1 directory");
    expect(await page.content()).not.toContain(hmacKey);
    expect(watch.answered.get(page)?.some((line) => line.includes("eab-keys"))).toBe(false);
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    await page.close();
  });

  it("names a private issuer by its CA id when the token cannot read the CAs", async () => {
    const page = await openWith(acmeOnlyToken);
    const row = page.locator("#acme-directories tbody tr").filter({ hasText: directory.id });
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    expect(await row.locator("td.issuer").textContent()).toBe(`Private CA ${ca.id}, profile server, 720 h`);
    expect(await page.locator("#cas").isVisible()).toBe(false);
    await page.close();
  });

  it("shows no ACME section, and no error, to a token without acme-server:read", async () => {
    const page = await openWith(certsOnlyToken);
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 30_000 }).toMatch(/certificate/);
    // The section request is the last one: wait for its 403 so the assertion is not made before it.
    await expect.poll(() => watch.answered.get(page)?.includes("403 /api/v1/acme-directories"), { timeout: 30_000 }).toBe(true);
    expect(await page.locator("#acme-directories").isVisible()).toBe(false);
    await page.close();
  });
});
