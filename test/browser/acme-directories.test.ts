/**
 * The console's "ACME directories" view in chromium (global-setup.mjs starts the Worker): each directory with its
 * issuer, authorization, allowed names and URL, never an EAB HMAC key once made; with acme-server:write a new
 * directory and an EAB key whose HMAC key shows once beside certbot and lego flags; shown only to a token holding
 * `acme-server:read`.
 */
import "./context";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { jsonClient } from "../support/http-client";
import { launchDashboardBrowser, openWith as openPage, pageWatch, screenshot, viewLoaded } from "./dashboard-page";
import { axeFindings, openView } from "./view-checks";

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

const openWith = (pasted: string) => openView(dashboard.context, watch, pasted, "ACME directories");

async function created<T>(path: string, bearer: string, body: unknown, status = 201): Promise<T> {
  const answer = await api("POST", path, bearer, body);
  expect(answer.status, answer.text).toBe(status);
  return answer.body as T;
}

beforeAll(async () => {
  token = (await created<{ token: string }>("/api/v1/teams", inject("browserAdminToken"), { slug: `acme-${unique()}`, name: "ACME team" }, 200)).token;
  ca = await created("/api/v1/cas", token, { name: `issuing-${unique()}`, kind: "root", subject: { commonName: "Console ACME Root" }, validityDays: 365 });
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

describe("the console's ACME directories", () => {
  it("lists a directory with its issuer, authorization, allowed names and URL, and never an EAB HMAC key", async () => {
    const page = await openWith(token);
    const row = page.locator("#view tbody tr").filter({ hasText: directory.directoryUrl });
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
    expect(await page.locator("#status").textContent()).toBe("1 directory");
    // EAB keys are asked for only when a person asks to see them.
    expect(watch.answered.get(page)?.some((line) => line.includes("eab-keys"))).toBe(false);
    const keys = page.getByRole("region", { name: `EAB keys of ${directory.name}` });
    await keys.getByRole("button", { name: /^Show EAB keys/ }).click();
    const keyRows = keys.locator("tbody tr");
    await expect.poll(() => keyRows.count(), { timeout: 30_000 }).toBe(1);
    expect(await keyRows.locator("td").first().textContent()).toBe("Unused");
    expect(await page.content()).not.toContain(hmacKey);
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    await page.close();
  });

  it("names a private issuer by its CA id, and offers no write control, when the token cannot read the CAs", async () => {
    const page = await openWith(acmeOnlyToken);
    const row = page.locator("#view tbody tr").filter({ hasText: directory.directoryUrl });
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    expect(await row.locator("td.issuer").textContent()).toBe(`Private CA ${ca.id}, profile server, 720 h`);
    expect(watch.answered.get(page)?.some((line) => line.includes("/api/v1/cas"))).toBe(false);
    expect(await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Private CAs" }).count()).toBe(0);
    // Reading is allowed (Show EAB keys); making and revoking are not offered.
    expect(await page.locator("#view").getByRole("button").allTextContents()).toEqual([`Show EAB keys of ${directory.name}`]);
    await page.close();
  });

  it("shows no ACME directories link, and asks nothing of them, for a token without acme-server:read", async () => {
    const page = await openPage(dashboard.context, watch, certsOnlyToken);
    await page.getByRole("heading", { level: 2, name: "Certificates" }).waitFor();
    await viewLoaded(page);
    expect(await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "ACME directories" }).count()).toBe(0);
    expect(watch.answered.get(page)?.some((line) => line.includes("/api/v1/acme-directories"))).toBe(false);
    await page.close();
  });

  it("creates a directory, makes an EAB key shown once with certbot and lego flags, and revokes it", async () => {
    const page = await openWith(token);
    await page.getByRole("button", { name: "New ACME directory" }).click();
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Create directory" }) });
    const name = `made-${unique()}`;
    await form.getByLabel("Directory name").fill(name);
    await form.getByLabel("Issuer").selectOption("private");
    await form.getByLabel("CA", { exact: true }).selectOption({ label: ca.name });
    await form.getByLabel("Profile").selectOption("server-client");
    await form.getByLabel("Validity in hours").fill("48");
    await form.getByLabel("Authorization").selectOption("challenge");
    await form.getByLabel("Allowed names").fill("made.internal.example, *.made.internal.example");
    await form.getByRole("button", { name: "Create directory" }).click();
    const said = form.getByRole("status");
    await expect.poll(() => said.textContent(), { timeout: 30_000 }).toMatch(new RegExp(`^Created ${name}: give ACME clients ${workerUrl}/acme/acmd_`));
    const listed = (await api("GET", "/api/v1/acme-directories", token)).body as { directories: { id: string; name: string; directoryUrl: string; issuer: unknown; authorization: string; allowedNames: string[] }[] };
    const made = listed.directories.find((entry) => entry.name === name)!;
    expect(made.issuer).toEqual({ type: "private", caId: ca.id, profile: "server-client", validityHours: 48 });
    expect(made.authorization).toBe("challenge");
    expect(made.allowedNames).toEqual(["made.internal.example", "*.made.internal.example"]);
    expect(await said.textContent()).toBe(`Created ${name}: give ACME clients ${made.directoryUrl}`);
    expect(await page.locator("#view tbody tr").filter({ hasText: made.directoryUrl }).locator("th").textContent()).toBe(name);
    expect(await page.locator("#status").textContent()).toBe("2 directories");

    const keys = page.getByRole("region", { name: `EAB keys of ${name}` });
    await keys.getByRole("button", { name: /^Create EAB key/ }).click();
    const once = keys.getByRole("group", { name: /^The HMAC key of eab_/ });
    await once.waitFor({ timeout: 30_000 });
    const apiKeys = (await api("GET", `/api/v1/acme-directories/${made.id}/eab-keys`, token)).body as { eabKeys: { keyId: string; revokedAt: string | null }[] };
    expect(apiKeys.eabKeys).toHaveLength(1);
    const keyId = apiKeys.eabKeys[0]!.keyId;
    const shownKey = (await once.locator(".secret-value").textContent())!;
    // Unpadded base64url of at least 256 bits (RFC 8555 §7.3.4 leaves the size to the server).
    expect(shownKey).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(await once.locator(".once-title").textContent()).toBe(`The HMAC key of ${keyId}: copy it now, it is not shown again.`);
    const flags = await once.getByRole("list", { name: "Ready to paste" }).locator("code").allTextContents();
    expect(flags).toEqual([
      `certbot certonly --server ${made.directoryUrl} --eab-kid ${keyId} --eab-hmac-key ${shownKey} --email you@example.com --agree-tos -d <name>`,
      `lego --server ${made.directoryUrl} --eab --kid ${keyId} --hmac ${shownKey} --email you@example.com --accept-tos --domains <name> --http run`,
    ]);
    await screenshot(page, "console-acme-directories-eab-key");

    // The list (asked for now) holds the key, never its HMAC key; Revoke asks first.
    await keys.getByRole("button", { name: /^Show EAB keys/ }).click();
    const keyRow = keys.locator("tbody tr").filter({ hasText: keyId });
    await expect.poll(() => keyRow.count(), { timeout: 30_000 }).toBe(1);
    await keyRow.getByRole("button", { name: /^Revoke/ }).click();
    await keyRow.getByRole("button", { name: /^Confirm revoke/ }).click();
    await expect.poll(() => keyRow.locator("td").first().textContent(), { timeout: 30_000 }).toMatch(/^Revoked \d{4}-\d{2}-\d{2}$/);
    const revoked = (await api("GET", `/api/v1/acme-directories/${made.id}/eab-keys`, token)).body as { eabKeys: { revokedAt: string | null }[] };
    expect(revoked.eabKeys[0]!.revokedAt).not.toBeNull();
    // A page opened afterwards shows the key's id, and its HMAC key nowhere.
    const later = await openWith(token);
    expect(await later.content()).not.toContain(shownKey);
    await later.close();
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    await page.close();
  });

  it("has no serious or critical axe-core finding, with its forms and key lists open", async () => {
    const findings = await axeFindings(token, "ACME directories", async (page) => {
      await page.getByRole("button", { name: "New ACME directory" }).click();
      const keys = page.getByRole("region", { name: `EAB keys of ${directory.name}` });
      await keys.getByRole("button", { name: /^Show EAB keys/ }).click();
      await keys.locator("tbody tr").first().waitFor();
      await keys.getByRole("button", { name: /^Create EAB key/ }).click();
      await keys.getByRole("group", { name: /^The HMAC key of eab_/ }).waitFor();
    });
    expect(findings).toEqual([]);
  });
});
