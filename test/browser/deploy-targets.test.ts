/**
 * The console's "Deploy targets" view in chromium (global-setup.mjs starts the Worker): a project's HTTPS push target
 * to a receiver listening here, created from the form (the signing secret made by the service and shown once, or
 * typed into a password field), its state, what it holds and its last error, Redeploy's outcome, and Delete after a
 * confirmation; no write control for a token that may only read.
 */
import "./context";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPushReceiver, type PushReceiver } from "../support/deploy-fakes/push-receiver";
import { jsonClient } from "../support/http-client";
import { dayMs, makeChain } from "../support/pki-fixtures";
import { launchDashboardBrowser, pageWatch, screenshot } from "./dashboard-page";
import { axeFindings, openView } from "./view-checks";

const workerUrl = inject("browserWorkerUrl");
const api = jsonClient(() => workerUrl);
const unique = () => Math.random().toString(36).slice(2, 10);
/** The console's short form of a serial: its first 16 hex digits in pairs, "…" when there are more. */
const pairs = (hex: string) => `${hex.slice(0, 16).match(/../g)!.join(":")}${hex.length > 16 ? "…" : ""}`;

/** The secret the receiver verifies with (Standard Webhooks: `whsec_` and base64 key bytes), typed into the form. */
const receiverSecret = `whsec_${randomBytes(32).toString("base64")}`;
let receiver: PushReceiver;
let server: Server;
let pushUrl: string;
let token: string;
let readOnlyToken: string;
let project: { id: string; name: string };
let dashboard: Awaited<ReturnType<typeof launchDashboardBrowser>>;
const watch = pageWatch();

const openWith = (pasted: string) => openView(dashboard.context, watch, pasted, "Deploy targets");

/** The receiver behind a Node HTTP server on a loopback port (local runs may push over http:// to loopback). */
async function listen(): Promise<void> {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const answer = await receiver.handle(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) }));
    const answerHeaders: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      answerHeaders[name] = value;
    });
    res.writeHead(answer.status, answerHeaders);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  pushUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/certdesk-push`;
}

beforeAll(async () => {
  receiver = createPushReceiver({ secret: receiverSecret });
  await listen();
  const team = await api("POST", "/api/v1/teams", inject("browserAdminToken"), { slug: `deploy-${unique()}`, name: "Deploy team" });
  expect(team.status, team.text).toBe(200);
  token = (team.body as { token: string }).token;
  const domain = `push-${unique()}.example.com`;
  const made = await api("POST", "/api/v1/projects", token, { name: `shop-${unique()}`, domain });
  expect(made.status, made.text).toBe(200);
  project = made.body as { id: string; name: string };
  const chain = await makeChain({ names: [domain], notBefore: new Date(Date.now() - dayMs), notAfter: new Date(Date.now() + 60 * dayMs) });
  const uploaded = await api("POST", `/api/v1/projects/${project.id}/certificate/upload`, token, { certificate: chain.fullPem, privateKey: chain.keyPem });
  expect(uploaded.status, uploaded.text).toBe(200);
  const limited = await api("POST", "/api/v1/tokens", token, { name: "read only", scopes: ["projects:read"] });
  expect(limited.status, limited.text).toBe(200);
  readOnlyToken = (limited.body as { token: string }).token;
  dashboard = await launchDashboardBrowser();
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
  server?.close();
});

type Target = { id: string; state: string; deployedSerial: string | null; lastError: string | null };

async function targetsOf(): Promise<Target[]> {
  const listed = await api("GET", `/api/v1/projects/${project.id}/deploy-targets`, token);
  expect(listed.status, listed.text).toBe(200);
  return (listed.body as { targets: Target[] }).targets;
}

describe("the console's deploy targets", () => {
  it("creates an HTTPS push with a secret made here and shown once, shows its failure, and deletes it after asking", async () => {
    const page = await openWith(token);
    expect(await page.getByRole("region", { name: `Deploy targets of ${project.name}` }).textContent()).toContain("No deploy target.");
    await page.getByRole("button", { name: "New deploy target" }).click();
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Create target" }) });
    await form.getByLabel("Project").selectOption(project.id);
    await form.getByLabel("Kind").selectOption("https_push");
    const recipient = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    await form.getByLabel("URL").fill(pushUrl);
    await form.getByLabel("Recipient").fill(JSON.stringify(await exportJWK(recipient.publicKey)));
    expect(await form.getByLabel("HTTPS push signing secret").getAttribute("type")).toBe("password");
    const before = receiver.deliveries.length;
    await form.getByRole("button", { name: "Create target" }).click();
    const said = form.getByRole("status");
    await expect.poll(() => said.textContent(), { timeout: 30_000 }).toMatch(/^Created HTTPS push /);
    const [target] = await targetsOf();
    // The receiver knows another secret: it refused the first push (401), so the target is failing, and says why.
    expect(target!.state).toBe("failing");
    expect(await said.textContent()).toBe(`Created HTTPS push ${target!.id}: Failing (${target!.lastError})`);
    const once = page.getByRole("group", { name: `The signingSecret made for ${target!.id}` });
    const shown = (await once.locator(".secret-value").textContent())!;
    // The secret shown is the one the push was signed with.
    expect(receiver.deliveries.length).toBe(before + 1);
    expect(await receiver.verifyWith(shown, receiver.deliveries.at(-1)!)).toBeUndefined();
    const row = page.locator("#view tbody tr").filter({ hasText: target!.id });
    expect(await row.locator(".state").textContent()).toBe("Failing");
    expect(await row.locator(".last-error").textContent()).toBe(target!.lastError);
    expect(target!.lastError).toMatch(/HTTP 401/);

    await row.getByRole("button", { name: /^Delete/ }).click();
    await row.getByRole("button", { name: /^Confirm delete/ }).click();
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 30_000 }).toBe(`Deploy target ${target!.id} removed; what it holds was left in place`);
    expect(await row.count()).toBe(0);
    expect(await targetsOf()).toEqual([]);
    await page.close();
    // A page opened later never shows the secret.
    const later = await openWith(token);
    expect(await later.content()).not.toContain(shown);
    await later.close();
  });

  it("creates an HTTPS push with a typed secret, delivers, and Redeploy says how it went", async () => {
    const page = await openWith(token);
    await page.getByRole("button", { name: "New deploy target" }).click();
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Create target" }) });
    await form.getByLabel("Kind").selectOption("https_push");
    const recipient = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    await form.getByLabel("URL").fill(pushUrl);
    // A JWK that is not JSON is refused in the page, naming the field; nothing is sent.
    await form.getByLabel("Recipient").fill("{not json");
    await form.getByRole("button", { name: "Create target" }).click();
    await expect.poll(() => form.getByRole("status").textContent()).toMatch(/^Recipient must be JSON: /);
    await form.getByLabel("Recipient").fill(JSON.stringify(await exportJWK(recipient.publicKey)));
    await form.getByLabel("HTTPS push signing secret").fill(receiverSecret);
    await form.getByRole("button", { name: "Create target" }).click();
    await expect.poll(() => form.getByRole("status").textContent(), { timeout: 30_000 }).toMatch(/^Created HTTPS push .*: Deployed$/);
    expect(await form.getByLabel("HTTPS push signing secret").inputValue()).toBe("");
    expect(await page.getByRole("group", { name: /made for/ }).count()).toBe(0);
    const [target] = await targetsOf();
    expect(target!.state).toBe("deployed");
    expect(receiver.deliveries.at(-1)!.problem).toBeUndefined();
    const row = page.locator("#view tbody tr").filter({ hasText: target!.id });
    expect(await row.locator(".state").textContent()).toBe("Deployed");
    expect(await row.locator(".hex").textContent()).toBe(`Serial ${pairs(target!.deployedSerial!)}`);
    expect(await row.locator(".hex").getAttribute("title")).toBe(target!.deployedSerial);

    const before = receiver.deliveries.length;
    await row.getByRole("button", { name: /^Redeploy/ }).click();
    await expect.poll(() => row.getByRole("status").first().textContent(), { timeout: 30_000 }).toBe("Delivered");
    expect(receiver.deliveries.length).toBe(before + 1);
    // The receiver down: the outcome in the service's words, and the row shows the failure.
    receiver.answer(500);
    try {
      await row.getByRole("button", { name: /^Redeploy/ }).click();
      await expect.poll(() => row.getByRole("status").first().textContent(), { timeout: 30_000 }).toMatch(/^Not delivered: .*HTTP 500/);
    } finally {
      receiver.answer(undefined);
    }
    // It still holds the current certificate (the forced push failed, nothing was taken away): the row says so, with the error.
    const [after] = await targetsOf();
    expect([after!.state, after!.lastError]).toEqual(["deployed", expect.stringMatching(/HTTP 500/)]);
    expect(await row.locator(".state").textContent()).toBe("Deployed");
    expect(await row.locator(".last-error").textContent()).toBe(after!.lastError);
    await screenshot(page, "console-deploy-targets-redeploy");
    expect(watch.dialogs).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    await page.close();
  });

  it("shows a projects:read token the targets without a write control", async () => {
    if ((await targetsOf()).length === 0) {
      const recipient = await exportJWK((await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true })).publicKey);
      const added = await api("POST", `/api/v1/projects/${project.id}/deploy-targets`, token, { kind: "https_push", settings: { url: pushUrl, recipient }, credentials: { signingSecret: receiverSecret } });
      expect(added.status, added.text).toBe(201);
    }
    const page = await openWith(readOnlyToken);
    expect(await page.locator("#view tbody tr").count()).toBe((await targetsOf()).length);
    expect(await page.locator("#view").getByRole("button").count()).toBe(0);
    await page.close();
  });

  it("has no serious or critical axe-core finding, with its form open", async () => {
    const findings = await axeFindings(token, "Deploy targets", async (page) => {
      await page.getByRole("button", { name: "New deploy target" }).click();
      await page.locator("form").getByLabel("Kind").selectOption("https_push");
    });
    expect(findings).toEqual([]);
  });
});
