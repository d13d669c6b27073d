/**
 * Certificates reach where TLS terminates: obtained from Pebble, then delivered by the `wrangler dev` Worker to a
 * Cloudflare custom hostname, ACM and an HTTPS receiver (fakes of their APIs on local ports, which check that the key
 * matches), again on renewal, and again after a target that was down comes back.
 */
import { compactDecrypt, exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { E2E_DEPLOY } from "../support/deploy-fakes/e2e-credentials";
import { keyMismatch } from "../support/deploy-fakes/key-match";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { e2e } from "../support/pebble-context";

interface Held {
  serial: string | null;
  keyMatches: boolean;
}
interface FakeState {
  cloudflare: { customHostnames: (Held & { id: string; hostname: string })[]; customCertificates: (Held & { id: string; hosts: string[] })[] };
  acm: { certificates: (Held & { arn: string; imports: number; hasChain: boolean })[] };
  push: { deliveries: { url: string; headers: Record<string, string>; body: string; problem: string | null }[] };
}

const control = () => inject("deployControlUrl");

async function fakes(): Promise<FakeState> {
  const res = await fetch(`${control()}/state`);
  expect(res.status).toBe(200);
  return (await res.json()) as FakeState;
}

async function setDown(fake: "cloudflare" | "acm" | "push", on: boolean): Promise<void> {
  const res = await fetch(`${control()}/down`, { method: "POST", body: JSON.stringify({ fake, on }) });
  expect(res.status).toBe(200);
}

/** Serials as the fakes report them: lower-case hex without leading zeros. */
const serial = (hex: string) => hex.toLowerCase().replace(/^0+/, "");

let token: string;

beforeAll(async () => {
  token = await newTeamToken();
});

const certificate = async (projectId: string) => (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
const status = async (projectId: string) => (await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).body;

async function addTarget(projectId: string, body: unknown) {
  const res = await api("POST", `/api/v1/projects/${projectId}/deploy-targets`, token, body);
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; state: string };
}

const customHostnameTarget = (hostname: string) => ({
  kind: "cloudflare_custom_hostname",
  settings: { zoneId: E2E_DEPLOY.zoneId, hostname },
  credentials: { apiToken: E2E_DEPLOY.cloudflareToken },
});
const acmTarget = {
  kind: "aws_acm",
  settings: { region: E2E_DEPLOY.awsRegion },
  credentials: { accessKeyId: E2E_DEPLOY.awsAccessKeyId, secretAccessKey: E2E_DEPLOY.awsSecretAccessKey },
};

/** Waits until every deployment in the project's status is `deployed` with `serialHex`. */
async function deployedEverywhere(projectId: string, serialHex: string, count: number) {
  return eventually(async () => {
    const deployments = (await status(projectId)).deployments as { state: string; deployedSerial: string | null }[];
    const done = deployments.length === count && deployments.every((d) => d.state === "deployed" && d.deployedSerial === serialHex);
    return done ? deployments : undefined;
  });
}

describe("deploy targets, end to end", () => {
  it("delivers an obtained certificate to a Cloudflare custom hostname and to ACM, and the renewal into the same places", async () => {
    const domain = freshDomain("deploy");
    const projectId = await newProject(token, domain);
    const hostname = await addTarget(projectId, customHostnameTarget(domain));
    const acm = await addTarget(projectId, acmTarget);
    expect([hostname.state, acm.state]).toEqual(["no_certificate", "no_certificate"]);

    const obtained = await obtainHttp01(token, projectId);
    expect(obtained.status, obtained.text).toBe(200);
    const first = await certificate(projectId);
    await deployedEverywhere(projectId, first.serial, 2);

    const afterObtain = await fakes();
    const onHostname = afterObtain.cloudflare.customHostnames.filter((h) => h.hostname === domain);
    expect(onHostname).toEqual([expect.objectContaining({ serial: serial(first.serial), keyMatches: true })]);
    const targetAcm = (await api("GET", `/api/v1/projects/${projectId}/deploy-targets/${acm.id}`, token)).body;
    const arn = targetAcm.remoteId as string;
    expect(arn).toMatch(/^arn:aws:acm:us-east-1:\d{12}:certificate\//);
    expect(afterObtain.acm.certificates.find((c) => c.arn === arn)).toMatchObject({ serial: serial(first.serial), keyMatches: true, imports: 1, hasChain: true });

    const renewed = await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token);
    expect(renewed.status, renewed.text).toBe(200);
    const second = await certificate(projectId);
    expect(second.serial).not.toBe(first.serial);
    await deployedEverywhere(projectId, second.serial, 2);

    const afterRenewal = await fakes();
    // Re-imported into the same ARN, so whatever ACM attached it to picks the renewal up; the same custom hostname.
    expect(afterRenewal.acm.certificates.find((c) => c.arn === arn)).toMatchObject({ serial: serial(second.serial), keyMatches: true, imports: 2 });
    expect(afterRenewal.cloudflare.customHostnames.filter((h) => h.hostname === domain)).toEqual([
      expect.objectContaining({ id: onHostname[0]!.id, serial: serial(second.serial), keyMatches: true }),
    ]);
    expect((await api("GET", `/api/v1/projects/${projectId}/deploy-targets/${acm.id}`, token)).body.remoteId).toBe(arn);
  });

  it("keeps the renewed certificate when a target is down, and the next retry delivers it", async () => {
    const domain = freshDomain("deploy-down");
    const projectId = await newProject(token, domain);
    const acm = await addTarget(projectId, acmTarget);
    expect((await obtainHttp01(token, projectId)).status).toBe(200);
    const first = await certificate(projectId);
    await deployedEverywhere(projectId, first.serial, 1);
    const arn = (await api("GET", `/api/v1/projects/${projectId}/deploy-targets/${acm.id}`, token)).body.remoteId as string;

    await setDown("acm", true);
    let failing: { state: string; lastError: string; nextAttemptAt: string; failures: number };
    try {
      const renewed = await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token);
      expect(renewed.status, renewed.text).toBe(200);
      failing = await eventually(async () => {
        const [deployment] = (await status(projectId)).deployments;
        return deployment.state === "failing" ? deployment : undefined;
      });
    } finally {
      await setDown("acm", false);
    }
    const second = await certificate(projectId);
    expect(second.serial).not.toBe(first.serial);
    expect((await status(projectId)).status).toBe("valid");
    expect(failing.lastError).toContain("AWS Certificate Manager");
    expect(failing.failures).toBe(1);
    // Meanwhile ACM still serves the previous certificate.
    expect((await fakes()).acm.certificates.find((c) => c.arn === arn)).toMatchObject({ serial: serial(first.serial), keyMatches: true });

    // The cron's deploy sweep, run at the time of the next attempt.
    const sweep = (asOf: number) => api("POST", "/api/v1/admin/deploy-sweep", e2e().adminToken, { asOf: new Date(asOf).toISOString(), batchSize: 200 });
    const early = await sweep(Date.parse(failing.nextAttemptAt) - 30_000);
    expect(early.status, early.text).toBe(200);
    expect(early.body.ids).not.toContain(acm.id);
    const due = await sweep(Date.parse(failing.nextAttemptAt) + 1000);
    expect(due.body.ids).toContain(acm.id);
    await deployedEverywhere(projectId, second.serial, 1);
    expect((await fakes()).acm.certificates.find((c) => c.arn === arn)).toMatchObject({ serial: serial(second.serial), keyMatches: true, imports: 2 });
    const after = (await status(projectId)).deployments[0];
    expect(after).toMatchObject({ failures: 0, lastError: null, failingSince: null });
  });

  it("pushes the certificate to an HTTPS receiver, signed, with the key sealed to the receiver", async () => {
    const domain = freshDomain("deploy-push");
    const projectId = await newProject(token, domain);
    const recipient = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    const url = inject("deployPushUrl");
    await addTarget(projectId, {
      kind: "https_push",
      settings: { url, recipient: await exportJWK(recipient.publicKey) },
      credentials: { signingSecret: E2E_DEPLOY.pushSecret },
    });
    const seenBefore = (await fakes()).push.deliveries.length;
    expect((await obtainHttp01(token, projectId)).status).toBe(200);
    const issued = await certificate(projectId);
    await deployedEverywhere(projectId, issued.serial, 1);

    const deliveries = (await fakes()).push.deliveries.slice(seenBefore).filter((d) => JSON.parse(d.body).data.certificateId === issued.id);
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery!.problem).toBeNull(); // the receiver verified the Standard Webhooks signature with the shared secret
    expect(delivery!.body).not.toMatch(/PRIVATE KEY/);
    const payload = JSON.parse(delivery!.body);
    expect(payload).toMatchObject({ type: "certificate.deployed", data: { names: [domain], serial: issued.serial } });
    const { plaintext } = await compactDecrypt(payload.data.privateKeyJwe, recipient.privateKey);
    expect(await keyMismatch(payload.data.certificatePem, new TextDecoder().decode(plaintext))).toBeUndefined();
  });

  it("survives receivers answering 200 with 200 MiB and Retry-After 10^13 s: the cron tick runs, the listings answer 200", async () => {
    const misbehaving = (await (await fetch(`${control()}/misbehaving`)).json()) as { hugeUrl: string; patientUrl: string; hugeBytesSent: number[] };
    const domain = freshDomain("deploy-rude");
    const projectId = await newProject(token, domain);
    const recipient = await generateKeyPair("ECDH-ES", { crv: "P-256", extractable: true });
    const push = async (url: string) => addTarget(projectId, { kind: "https_push", settings: { url, recipient: await exportJWK(recipient.publicKey) } });
    const huge = await push(misbehaving.hugeUrl);
    const patient = await push(misbehaving.patientUrl);
    expect((await obtainHttp01(token, projectId)).status).toBe(200);

    const failing = await eventually(async () => {
      const deployments = (await status(projectId)).deployments as { targetId: string; state: string; lastError: string | null; nextAttemptAt: string }[];
      return deployments.length === 2 && deployments.every((d) => d.state === "failing") ? deployments : undefined;
    }, 60_000);
    const byId = Object.fromEntries(failing.map((d) => [d.targetId, d]));
    expect(byId[huge.id]!.lastError).toBe("HTTPS push answered HTTP 200 with a body larger than 1024 KiB; it was not read");
    expect(byId[patient.id]!.lastError).toMatch(/^HTTPS push to http:\/\/127\.0\.0\.1:\d+ failed \(HTTP 429\)$/);
    expect(Date.parse(byId[patient.id]!.nextAttemptAt)).toBeLessThanOrEqual(Date.now() + 24 * 60 * 60_000);
    // The receiver was cut off long before it had sent its 200 MiB.
    const sent = ((await (await fetch(`${control()}/misbehaving`)).json()) as { hugeBytesSent: number[] }).hugeBytesSent;
    expect(sent.length).toBeGreaterThan(0);
    expect(Math.max(...sent)).toBeLessThan(64 * 1024 * 1024);

    // Every stage of a cron tick runs with these targets in the table (wrangler dev --test-scheduled).
    const tick = await fetch(`${e2e().workerUrl}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
    expect(tick.status, await tick.text()).toBe(200);
    const listed = await api("GET", `/api/v1/projects/${projectId}/deploy-targets`, token);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.targets.map((t: { state: string }) => t.state)).toEqual(["failing", "failing"]);
    for (const id of [huge.id, patient.id]) expect((await api("GET", `/api/v1/projects/${projectId}/deploy-targets/${id}`, token)).status).toBe(200);
    expect((await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).status).toBe(200);
  });
});
