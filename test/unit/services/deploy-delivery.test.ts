/**
 * Deliveries to deploy targets at the service level, inside workerd: the project's certificate and its key reach each
 * kind of target (checked by the providers' fakes, which verify that the key matches), nothing is sent twice, a
 * renewal replaces what the target holds in place, failures back off and the sweep retries them, one delivery at a
 * time holds a target, and every attempt is audited before the key leaves.
 *
 * Targets are created with the service (the route would deliver at once, into unit tests' 502 network); certificates
 * are uploaded through the Worker. An upload to a project that has targets hands a delivery to the project's Durable
 * Object, which has no fake (its fetch gets the 502): `upload` waits for that hand-off to finish before going on.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { compactDecrypt } from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../../src/core/time";
import { depsFrom } from "../../../src/deps";
import { commitWithAudit } from "../../../src/http/audited-commit";
import { issuerName } from "../../../src/issuance/issue-request";
import { x509 } from "../../../src/pki/x509-setup";
import { createDeployTarget, deleteDeployTarget, type NewDeployTarget } from "../../../src/services/deploy-targets/configure";
import { deliverToTarget } from "../../../src/services/deploy-targets/deliver";
import { sweepDueDeployments } from "../../../src/services/deploy-targets/sweep";
import type { Deps } from "../../../src/services/deps";
import { getProject, type ProjectRow } from "../../../src/services/projects";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { withAuditFailing } from "../../support/audit-outage";
import { createAcmFake, type AcmFake } from "../../support/deploy-fakes/aws-acm";
import { createCloudflareSslFake, type CloudflareSslFake } from "../../support/deploy-fakes/cloudflare-ssl";
import { keyMismatch } from "../../support/deploy-fakes/key-match";
import { createPushReceiver, type PushReceiver } from "../../support/deploy-fakes/push-receiver";
import { dohAnswer } from "../../support/doh-fake";
import { recipientKeys } from "../../support/export-checks";
import { type HugeBody, hugeResponse, MiB } from "../../support/huge-body";
import { type ChainOptions, dayMs, makeChain, type TestChain } from "../../support/pki-fixtures";

// ---- fixtures ------------------------------------------------------------------------------------------------------

const ZONE = "0123456789abcdef0123456789abcdef";
const CF_TOKEN = "cf-deploy-token-0123456789abcdefghijkl";
const AWS = { accessKeyId: "AKIAFAKEDEPLOY012345", secretAccessKey: "deployFakeSecretKey/0123456789abcdefghijkl" };
const REGION = "eu-west-1";
const PUSH_URL = "https://hooks.example.com/certdesk";
const MINUTE = 60_000;

const inputs = {
  customHostname: (hostname: string): NewDeployTarget => ({ kind: "cloudflare_custom_hostname", settings: { zoneId: ZONE, hostname }, credentials: { apiToken: CF_TOKEN } }),
  zoneCertificate: (): NewDeployTarget => ({ kind: "cloudflare_zone_certificate", settings: { zoneId: ZONE }, credentials: { apiToken: CF_TOKEN } }),
  acm: (): NewDeployTarget => ({ kind: "aws_acm", settings: { region: REGION }, credentials: AWS }),
  push: (recipient: unknown, url = PUSH_URL): NewDeployTarget => ({ kind: "https_push", settings: { url, recipient } }),
};

const cloudflareFake = (clock?: Clock) => createCloudflareSslFake({ apiToken: CF_TOKEN, zones: { [ZONE]: "example.com" }, ...(clock ? { now: () => clock.now() } : {}) });
const acmFake = (clock?: Clock) => createAcmFake({ ...AWS, region: REGION, ...(clock ? { now: () => clock.now() } : {}) });

let tenant: Tenant;

beforeAll(async () => {
  tenant = await newTenant();
});

// ---- helpers -------------------------------------------------------------------------------------------------------

/** A clock the test moves by hand. */
function manualClock(start: number) {
  let at = start;
  return {
    now: () => at,
    advance(ms: number) {
      at += ms;
    },
  };
}

/** The Worker's dependencies, delivering through `deployFetch` (a fake's) and reading `clock`. */
function depsWith(deployFetch?: typeof fetch, clock?: Clock): Deps {
  return { ...depsFrom(env), ...(deployFetch ? { deployFetch } : {}), ...(clock ? { clock } : {}) };
}

/** A promise the test resolves when it chooses. */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

interface Uploaded {
  id: string;
  serial: string;
  chain: TestChain;
}

/**
 * Waits until the delivery an upload handed to the project's Durable Object has run: it is run now if the runtime has
 * not run it yet, and it is over once the object's pending delivery is cleared.
 */
async function handOffSettled(projectId: string): Promise<void> {
  const issuers = env.CERTIFICATE_ISSUER;
  const stub = issuers.get(issuers.idFromName(issuerName({ teamId: tenant.teamId, projectId, names: [] })));
  await runDurableObjectAlarm(stub);
  await vi.waitFor(
    async () => expect(await runInDurableObject(stub, (_object, state: DurableObjectState) => state.storage.get("deliver"))).toBeUndefined(),
    { timeout: 15_000, interval: 50 },
  );
}

/** Uploads a new certificate (new key) for `names` to the project, as a client would. */
async function upload(projectId: string, names: string[], options: ChainOptions = {}): Promise<Uploaded> {
  const chain = await makeChain({ key: "EC-P256", names, ...options });
  const res = await call("POST", `/api/v1/projects/${projectId}/certificate/upload`, {
    token: tenant.token,
    json: { certificate: chain.chainPem, privateKey: chain.keyPem },
  });
  expect(res.status, res.text).toBe(200);
  await handOffSettled(projectId);
  return { id: res.body.certificate.id, serial: res.body.certificate.serial, chain };
}

function projectRow(projectId: string): Promise<ProjectRow> {
  return getProject(depsFrom(env).db, tenant.teamId, projectId);
}

/** A new project of the tenant with a certificate for its domain. */
async function projectWithCertificate(options: ChainOptions = {}): Promise<{ project: ProjectRow; certificate: Uploaded }> {
  const { id, domain } = await newProject(tenant);
  const certificate = await upload(id, [domain!], options);
  return { project: await projectRow(id), certificate };
}

/** Adds a target with the service, audited as the route would be (no delivery). */
function addTarget(deps: Deps, project: ProjectRow, input: NewDeployTarget) {
  const commit = commitWithAudit(deps.db, { actor: "test", action: "POST /api/v1/projects/:id/deploy-targets" }, () => deps.clock.now());
  return createDeployTarget(deps, project, input, commit);
}

async function targetRow(id: string) {
  const row = await depsFrom(env).db.query.deployTargets.findFirst({ where: (t, { eq }) => eq(t.id, id) });
  expect(row, `deploy target ${id}`).toBeDefined();
  return row!;
}

/** The delivery audit rows of a target, oldest first. */
async function deliveryAudits(targetId: string) {
  const { results } = await env.DB.prepare(
    "SELECT team_id, actor, action, target, detail, at FROM audit_log WHERE action = 'DELIVER deploy target' AND json_extract(detail, '$.targetId') = ? ORDER BY at, rowid",
  )
    .bind(targetId)
    .all<{ team_id: string; actor: string; action: string; target: string; detail: string; at: number }>();
  return results.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));
}

/** Makes the delivery audit insert fail (as a D1 outage would) for the length of `run`. */
function withDeliveryAuditFailing<T>(run: () => Promise<T>): Promise<T> {
  return withAuditFailing("NEW.action = 'DELIVER deploy target'", run);
}

/** Hides the console.error a failing delivery writes, for the length of `run`. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    return await run();
  } finally {
    spy.mockRestore();
  }
}

/** A certificate and key as a provider holds them. */
interface Held {
  certificatePem: string;
  keyPem: string;
}

const firstPem = (pem: string) => /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0] ?? "";

/** The provider holds `certificate` (by serial) with the private key that belongs to it. */
async function expectHolds(held: Held | undefined, certificate: Uploaded): Promise<void> {
  expect(held, "the provider holds nothing").toBeDefined();
  const leafPem = firstPem(held!.certificatePem);
  expect(new x509.X509Certificate(leafPem).serialNumber.toLowerCase()).toBe(certificate.serial.toLowerCase());
  expect(await keyMismatch(leafPem, held!.keyPem)).toBeUndefined();
}

const importCount = (fake: AcmFake) => fake.requests.filter((r) => r.target === "CertificateManager.ImportCertificate").length;

function acmHolding(fake: AcmFake, arn: string): Held | undefined {
  const entry = fake.certificates.get(arn);
  return entry && { certificatePem: entry.certificatePem, keyPem: entry.privateKeyPem };
}

function hostnameHolding(fake: CloudflareSslFake, id: string): Held | undefined {
  const { ssl } = fake.customHostnames.get(id) ?? {};
  return ssl?.certificatePem && ssl.keyPem ? { certificatePem: ssl.certificatePem, keyPem: ssl.keyPem } : undefined;
}

function zoneHolding(fake: CloudflareSslFake, id: string): Held | undefined {
  const entry = fake.customCertificates.get(id);
  return entry && { certificatePem: entry.certificatePem, keyPem: entry.keyPem };
}

/** The last message a push receiver got, parsed, with the private key opened with the recipient's key. */
async function lastPush(receiver: PushReceiver, recipientKey: CryptoKey) {
  const delivery = receiver.deliveries.at(-1)!;
  const message = JSON.parse(delivery.body) as { type: string; timestamp: string; data: Record<string, any> };
  const { plaintext } = await compactDecrypt(message.data.privateKeyJwe as string, recipientKey);
  return { delivery, message, held: { certificatePem: message.data.certificatePem as string, keyPem: new TextDecoder().decode(plaintext) } };
}

/** One kind of target with its fake: what the fake received and what it holds under the target's remote id. */
interface KindUnderTest {
  targetId: string;
  deps: Deps;
  requestCount(): number;
  /** How many certificates the provider holds in all. */
  heldCount(): number;
  holding(remoteId: string): Promise<Held | undefined>;
}

const KINDS: Record<string, (project: ProjectRow) => Promise<KindUnderTest>> = {
  async cloudflare_custom_hostname(project) {
    const fake = cloudflareFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.customHostname(project.domain!));
    return { targetId: row.id, deps, requestCount: () => fake.requests.length, heldCount: () => fake.customHostnames.size, holding: async (id) => hostnameHolding(fake, id) };
  },
  async cloudflare_zone_certificate(project) {
    const fake = cloudflareFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.zoneCertificate());
    return { targetId: row.id, deps, requestCount: () => fake.requests.length, heldCount: () => fake.customCertificates.size, holding: async (id) => zoneHolding(fake, id) };
  },
  async aws_acm(project) {
    const fake = acmFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.acm());
    return { targetId: row.id, deps, requestCount: () => fake.requests.length, heldCount: () => fake.certificates.size, holding: async (arn) => acmHolding(fake, arn) };
  },
  async https_push(project) {
    const { publicJwk, privateKey } = await recipientKeys("P-256");
    const created = await addTarget(depsWith(), project, inputs.push(publicJwk));
    const receiver = createPushReceiver({ secret: created.generatedCredentials!.signingSecret as string });
    return {
      targetId: created.row.id,
      deps: depsWith(receiver.fetch),
      requestCount: () => receiver.deliveries.length,
      heldCount: () => (receiver.deliveries.length > 0 ? 1 : 0),
      holding: async (remoteId) => (remoteId === PUSH_URL && receiver.deliveries.length > 0 ? (await lastPush(receiver, privateKey as CryptoKey)).held : undefined),
    };
  },
};

const KIND_NAMES = Object.keys(KINDS);

// ---- the tests -----------------------------------------------------------------------------------------------------

describe("a delivery to each kind of target", () => {
  it.each(KIND_NAMES)("%s: puts the certificate and its matching key at the provider, and records it on the target", async (kind) => {
    const { project, certificate } = await projectWithCertificate();
    const target = await KINDS[kind]!(project);
    expect(target.requestCount()).toBe(0);

    const outcome = await deliverToTarget(target.deps, target.targetId, { trigger: "manual" });

    expect(outcome).toEqual({ state: "delivered", serial: certificate.serial });
    const row = await targetRow(target.targetId);
    expect(row).toMatchObject({ deployedSerial: certificate.serial, failures: 0, lastError: null, failingSince: null, nextAttemptAt: null, leaseId: null, leaseUntil: null });
    expect(row.remoteId).toEqual(expect.any(String));
    expect(row.deployedAt).toEqual(expect.any(Number));
    expect(target.heldCount()).toBe(1);
    await expectHolds(await target.holding(row.remoteId!), certificate);
  });

  it.each(KIND_NAMES)("%s: sends nothing when the target already holds the certificate; force sends it again", async (kind) => {
    const { project, certificate } = await projectWithCertificate();
    const target = await KINDS[kind]!(project);
    await deliverToTarget(target.deps, target.targetId, { trigger: "manual" });
    const delivered = await targetRow(target.targetId);
    const sent = target.requestCount();
    expect(sent).toBeGreaterThan(0);

    expect(await deliverToTarget(target.deps, target.targetId, { trigger: "sweep" })).toEqual({ state: "up_to_date", serial: certificate.serial });
    expect(target.requestCount()).toBe(sent);
    expect(await targetRow(target.targetId)).toMatchObject({ deployedAt: delivered.deployedAt, leaseId: null, leaseUntil: null });
    expect(await deliveryAudits(target.targetId)).toHaveLength(1);

    expect(await deliverToTarget(target.deps, target.targetId, { trigger: "manual", force: true })).toEqual({ state: "delivered", serial: certificate.serial });
    expect(target.requestCount()).toBeGreaterThan(sent);
    expect(await deliveryAudits(target.targetId)).toHaveLength(2); // sent once more, not once per round
    const again = await targetRow(target.targetId);
    expect(again).toMatchObject({ deployedSerial: certificate.serial, failures: 0, lastError: null, leaseId: null });
    expect(target.heldCount()).toBe(1);
    await expectHolds(await target.holding(again.remoteId!), certificate);
  });
});

describe("a new certificate for the project", () => {
  it("is re-imported into the same ACM ARN, with its own key", async () => {
    const { project, certificate: first } = await projectWithCertificate();
    const fake = acmFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.acm());
    await deliverToTarget(deps, row.id, { trigger: "manual" });
    const arn = (await targetRow(row.id)).remoteId!;

    const second = await upload(project.id, [project.domain!]);
    expect(second.serial).not.toBe(first.serial);
    expect(second.id).toBe(first.id); // the project's certificate keeps its id across replacements
    // The upload's own hand-off ran first, into the unit tests' network: a failure, and the target still holds the first.
    expect(await targetRow(row.id)).toMatchObject({ failures: 1, lastError: expect.stringContaining("HTTP 502"), deployedSerial: first.serial, remoteId: arn });
    expect((await deliveryAudits(row.id)).map((a) => a.detail.trigger)).toEqual(["manual", "uploaded"]);

    expect(await deliverToTarget(deps, row.id, { trigger: "uploaded" })).toEqual({ state: "delivered", serial: second.serial });
    expect([...fake.certificates.keys()]).toEqual([arn]);
    expect(fake.certificates.get(arn)!.imports).toBe(2);
    await expectHolds(acmHolding(fake, arn), second);
    expect(await keyMismatch(first.chain.leafPem, fake.certificates.get(arn)!.privateKeyPem)).toBeDefined(); // the old key is gone
    expect(await targetRow(row.id)).toMatchObject({ remoteId: arn, deployedSerial: second.serial, failures: 0, lastError: null });
  });

  it("replaces the certificate of the same Cloudflare custom hostname", async () => {
    const { project } = await projectWithCertificate();
    const fake = cloudflareFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.customHostname(project.domain!));
    await deliverToTarget(deps, row.id, { trigger: "manual" });
    const id = (await targetRow(row.id)).remoteId!;
    expect(fake.customHostnames.get(id)?.hostname).toBe(project.domain);

    const second = await upload(project.id, [project.domain!]);
    const before = fake.requests.length;
    expect(await deliverToTarget(deps, row.id, { trigger: "uploaded" })).toEqual({ state: "delivered", serial: second.serial });

    expect(fake.requests.slice(before)).toEqual([`PATCH /client/v4/zones/${ZONE}/custom_hostnames/${id}`]);
    expect([...fake.customHostnames.keys()]).toEqual([id]);
    await expectHolds(hostnameHolding(fake, id), second);
    expect(await targetRow(row.id)).toMatchObject({ remoteId: id, deployedSerial: second.serial });
  });

  it("replaces a zone's custom certificate, keeping the id Cloudflare answers the edit with", async () => {
    const { project } = await projectWithCertificate();
    const fake = cloudflareFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.zoneCertificate());
    await deliverToTarget(deps, row.id, { trigger: "manual" });
    const firstId = (await targetRow(row.id)).remoteId!;

    const second = await upload(project.id, [project.domain!]);
    expect(await deliverToTarget(deps, row.id, { trigger: "uploaded" })).toEqual({ state: "delivered", serial: second.serial });

    // An sni_custom certificate gets a new id on PATCH and the old one is deleted.
    const ids = [...fake.customCertificates.keys()];
    expect(ids).toHaveLength(1);
    expect(ids[0]).not.toBe(firstId);
    await expectHolds(zoneHolding(fake, ids[0]!), second);
    expect(await targetRow(row.id)).toMatchObject({ remoteId: ids[0], deployedSerial: second.serial });
  });
});

describe("a failing target", () => {
  it("counts its failures, backs off 1 then 2 minutes, is left to its backoff by the sweep, then delivered by it", async () => {
    // Ten days back: no other target is due this early, and the certificate is already valid then.
    const clock = manualClock(Date.now() - 10 * dayMs);
    const { project, certificate } = await projectWithCertificate({ notBefore: new Date(Date.now() - 20 * dayMs) });
    const fake = acmFake(clock);
    const deps = depsWith(fake.fetch, clock);
    const { row } = await addTarget(deps, project, inputs.acm());
    fake.down(true);

    const t0 = clock.now();
    const first = await deliverToTarget(deps, row.id, { trigger: "manual" });
    expect(first).toEqual({ state: "failed", error: expect.stringContaining("AWS Certificate Manager"), nextAttemptAt: t0 + MINUTE });
    const failed = await targetRow(row.id);
    expect(failed).toMatchObject({ failures: 1, failingSince: t0, lastAttemptAt: t0, nextAttemptAt: t0 + MINUTE, deployedSerial: null, remoteId: null, leaseId: null, leaseUntil: null });
    expect(failed.lastError).toMatch(/^AWS Certificate Manager .*HTTP 503/);
    expect(failed.lastError).not.toContain(AWS.secretAccessKey);

    clock.advance(90_000);
    const t1 = clock.now();
    expect(await deliverToTarget(deps, row.id, { trigger: "manual" })).toMatchObject({ state: "failed", nextAttemptAt: t1 + 2 * MINUTE });
    expect(await targetRow(row.id)).toMatchObject({ failures: 2, failingSince: t0, lastAttemptAt: t1, nextAttemptAt: t1 + 2 * MINUTE });

    const early = await sweepDueDeployments(deps, t1 + 2 * MINUTE - 1);
    expect(early.ids).not.toContain(row.id);
    expect(await targetRow(row.id)).toMatchObject({ failures: 2, lastAttemptAt: t1 });

    fake.down(false);
    clock.advance(2 * MINUTE);
    const due = await sweepDueDeployments(deps, t1 + 2 * MINUTE);
    expect(due.ids).toContain(row.id);
    expect(due.delivered).toBeGreaterThanOrEqual(1);
    const delivered = await targetRow(row.id);
    expect(delivered).toMatchObject({
      deployedSerial: certificate.serial,
      deployedAt: clock.now(),
      failures: 0,
      failingSince: null,
      lastError: null,
      nextAttemptAt: null,
      leaseId: null,
    });
    await expectHolds(acmHolding(fake, delivered.remoteId!), certificate);
    expect((await deliveryAudits(row.id)).map((a) => a.detail.trigger)).toEqual(["manual", "manual", "sweep"]);
  });

  it("waits out a throttling provider's Retry-After when it is longer than the backoff (ACM)", async () => {
    const clock = manualClock(Date.now());
    const { project } = await projectWithCertificate();
    const fake = acmFake(clock);
    const deps = depsWith(fake.fetch, clock);
    const { row } = await addTarget(deps, project, inputs.acm());

    fake.throttleNext(1, { retryAfter: 600 });
    const throttled = await deliverToTarget(deps, row.id, { trigger: "manual" });
    expect(throttled).toMatchObject({ state: "failed", nextAttemptAt: clock.now() + 600_000 });
    expect(throttled.state === "failed" && throttled.error).toContain("AWS Certificate Manager throttled");
    expect(await targetRow(row.id)).toMatchObject({ failures: 1, nextAttemptAt: clock.now() + 600_000 });

    // A Retry-After shorter than the backoff leaves the backoff (the second failure's 2 minutes).
    clock.advance(MINUTE);
    fake.throttleNext(1, { retryAfter: 30 });
    expect(await deliverToTarget(deps, row.id, { trigger: "manual" })).toMatchObject({ state: "failed", nextAttemptAt: clock.now() + 2 * MINUTE });
  });

  it("waits out a throttling provider's Retry-After when it is longer than the backoff (Cloudflare)", async () => {
    const clock = manualClock(Date.now());
    const { project } = await projectWithCertificate();
    const fake = cloudflareFake(clock);
    const deps = depsWith(fake.fetch, clock);
    const { row } = await addTarget(deps, project, inputs.zoneCertificate());

    fake.throttleNext(1, 600);
    const throttled = await deliverToTarget(deps, row.id, { trigger: "manual" });
    expect(throttled).toMatchObject({ state: "failed", nextAttemptAt: clock.now() + 600_000 });
    expect(throttled.state === "failed" && throttled.error).toContain("Cloudflare zone custom certificate rate-limited");
    expect(await targetRow(row.id)).toMatchObject({ failures: 1, nextAttemptAt: clock.now() + 600_000, deployedSerial: null });
  });
});

describe("a receiver answering 200 with 200 MiB", () => {
  it("is read no further than 1 MiB: the delivery fails with a clear error and is retried on the backoff", async () => {
    const clock = manualClock(Date.now());
    const { project, certificate } = await projectWithCertificate();
    const { publicJwk } = await recipientKeys("P-256");
    const created = await addTarget(depsWith(), project, inputs.push(publicJwk));
    const receiver = createPushReceiver({ secret: created.generatedCredentials!.signingSecret as string });
    const bodies: HugeBody[] = [];
    const deps = depsWith(async (input, init) => {
      const request = new Request(input, init);
      const resolved = dohAnswer(request, {});
      if (resolved) return resolved;
      await receiver.handle(request);
      const { response, body } = hugeResponse(200 * MiB, { status: 200 });
      bodies.push(body);
      return response;
    }, clock);

    const outcome = await deliverToTarget(deps, created.row.id, { trigger: "manual" });

    const error = "HTTPS push answered HTTP 200 with a body larger than 1024 KiB; it was not read";
    expect(outcome).toEqual({ state: "failed", error, nextAttemptAt: clock.now() + MINUTE });
    expect(receiver.deliveries).toHaveLength(1);
    expect(bodies[0]!.pulled()).toBeLessThanOrEqual(MiB + 64 * 1024);
    expect(bodies[0]!.cancelled()).toBe(true);
    expect(await targetRow(created.row.id)).toMatchObject({ failures: 1, lastError: error, deployedSerial: null, leaseId: null });
    const shown = await call("GET", `/api/v1/projects/${project.id}/deploy-targets/${created.row.id}`, { token: tenant.token });
    expect(shown.status, shown.text).toBe(200);
    expect(shown.body).toMatchObject({ state: "failing", lastError: error });
    expect(certificate.serial).not.toBe(shown.body.deployedSerial);
  });
});

describe("a receiver asking to wait for ever", () => {
  it("is retried within a day, the failure is announced, and the target, its listing and the status still answer", async () => {
    const clock = manualClock(Date.now());
    const { project } = await projectWithCertificate();
    const { publicJwk } = await recipientKeys("P-256");
    const created = await addTarget(depsWith(), project, inputs.push(publicJwk));
    const receiver = createPushReceiver({ secret: created.generatedCredentials!.signingSecret as string });
    receiver.answer(429, { "retry-after": "10000000000000" });
    const deps = depsWith(receiver.fetch, clock);

    const outcome = await deliverToTarget(deps, created.row.id, { trigger: "manual" });

    const aDay = 24 * 60 * MINUTE;
    expect(outcome).toEqual({ state: "failed", error: "HTTPS push to https://hooks.example.com failed (HTTP 429)", nextAttemptAt: clock.now() + aDay });
    expect(await targetRow(created.row.id)).toMatchObject({ failures: 1, nextAttemptAt: clock.now() + aDay, leaseId: null });
    const listed = await call("GET", `/api/v1/projects/${project.id}/deploy-targets`, { token: tenant.token });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.targets.find((t: { id: string }) => t.id === created.row.id)).toMatchObject({
      state: "failing",
      lastError: "HTTPS push to https://hooks.example.com failed (HTTP 429)",
      nextAttemptAt: new Date(clock.now() + aDay).toISOString(),
    });
    expect((await call("GET", `/api/v1/projects/${project.id}/deploy-targets/${created.row.id}`, { token: tenant.token })).status).toBe(200);
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate/status`, { token: tenant.token })).status).toBe(200);
  });
});

describe("the lease", () => {
  it("lets one of two simultaneous deliveries through; the other is busy, and the provider imports once", async () => {
    const { project, certificate } = await projectWithCertificate();
    const fake = acmFake();
    const arrived = latch();
    const release = latch();
    let held = false;
    const deps = depsWith(async (input, init) => {
      if (!held) {
        held = true;
        arrived.open();
        await release.opened;
      }
      return fake.fetch(input, init);
    });
    const { row } = await addTarget(deps, project, inputs.acm());

    const running = deliverToTarget(deps, row.id, { trigger: "uploaded" });
    await arrived.opened;
    expect(await targetRow(row.id)).toMatchObject({ leaseId: expect.stringMatching(/^lease_/), leaseUntil: expect.any(Number) });
    expect(await deliverToTarget(deps, row.id, { trigger: "sweep" })).toEqual({ state: "busy" });
    expect(await deliverToTarget(deps, row.id, { trigger: "manual", force: true })).toEqual({ state: "busy" });
    release.open();

    expect(await running).toEqual({ state: "delivered", serial: certificate.serial });
    expect(importCount(fake)).toBe(1);
    expect(fake.certificates.size).toBe(1);
    expect(await deliveryAudits(row.id)).toHaveLength(1); // a busy delivery is no attempt
    const released = await targetRow(row.id);
    expect(released).toMatchObject({ leaseId: null, leaseUntil: null, deployedSerial: certificate.serial });

    expect(await deliverToTarget(deps, row.id, { trigger: "manual", force: true })).toEqual({ state: "delivered", serial: certificate.serial });
    expect(importCount(fake)).toBe(2);
    expect(fake.certificates.get(released.remoteId!)?.imports).toBe(2);
  });

  it("is taken over once it has run out (a delivery that died holding it)", async () => {
    const clock = manualClock(Date.now());
    const { project, certificate } = await projectWithCertificate();
    const fake = acmFake(clock);
    const deps = depsWith(fake.fetch, clock);
    const { row } = await addTarget(deps, project, inputs.acm());
    await env.DB.prepare("UPDATE deploy_targets SET lease_id = 'lease_dead', lease_until = ? WHERE id = ?").bind(clock.now() + MINUTE, row.id).run();

    expect(await deliverToTarget(deps, row.id, { trigger: "sweep" })).toEqual({ state: "busy" });
    expect(fake.requests).toHaveLength(0);
    clock.advance(MINUTE);
    expect(await deliverToTarget(deps, row.id, { trigger: "sweep" })).toEqual({ state: "delivered", serial: certificate.serial });
    expect(await targetRow(row.id)).toMatchObject({ leaseId: null, leaseUntil: null, deployedSerial: certificate.serial });
  });
});

describe("a certificate stored while a delivery runs", () => {
  it("is delivered by that same delivery once the one it started with is in place", async () => {
    const { project, certificate: first } = await projectWithCertificate();
    const fake = acmFake();
    let renewed: Uploaded | undefined;
    const deps = depsWith(async (input, init) => {
      // Mid-delivery, under the lease: the upload's own hand-off finds the target busy.
      renewed ??= await upload(project.id, [project.domain!]);
      return fake.fetch(input, init);
    });
    const { row } = await addTarget(deps, project, inputs.acm());

    const outcome = await deliverToTarget(deps, row.id, { trigger: "manual" });

    expect(renewed).toBeDefined();
    expect(renewed!.serial).not.toBe(first.serial);
    expect(outcome).toEqual({ state: "delivered", serial: renewed!.serial });
    expect(fake.certificates.size).toBe(1);
    const [arn, entry] = [...fake.certificates.entries()][0]!;
    expect(entry.imports).toBe(2);
    await expectHolds(acmHolding(fake, arn), renewed!);
    expect(await targetRow(row.id)).toMatchObject({ remoteId: arn, deployedSerial: renewed!.serial, failures: 0, lastError: null, leaseId: null });
    expect((await deliveryAudits(row.id)).map((a) => a.detail.serial)).toEqual([first.serial, renewed!.serial]);
  });
});

describe("nothing to deliver", () => {
  it("is no_certificate while the project has none, and sends nothing", async () => {
    const project = await projectRow((await newProject(tenant)).id);
    const fake = acmFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.acm());

    expect(await deliverToTarget(deps, row.id, { trigger: "sweep" })).toEqual({ state: "no_certificate" });
    expect(fake.requests).toHaveLength(0);
    expect(await targetRow(row.id)).toMatchObject({ leaseId: null, leaseUntil: null, failures: 0, lastAttemptAt: null, deployedSerial: null });
    expect(await deliveryAudits(row.id)).toEqual([]);
  });

  it("is gone for a deleted target, and for an id that never was one", async () => {
    const { project } = await projectWithCertificate();
    const fake = acmFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.acm());
    await deleteDeployTarget(deps, project, row.id, commitWithAudit(deps.db, { actor: "test", action: "DELETE /api/v1/projects/:id/deploy-targets/:targetId" }, () => Date.now()));

    expect(await deliverToTarget(deps, row.id, { trigger: "manual", force: true })).toEqual({ state: "gone" });
    expect(await deliverToTarget(deps, "dtg_never_existed", { trigger: "manual" })).toEqual({ state: "gone" });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("the audit trail", () => {
  it("records every attempt as a delivery by the deployer, on the certificate, with the target, kind, serial and trigger", async () => {
    const { project, certificate } = await projectWithCertificate();
    const fake = acmFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.acm());

    await deliverToTarget(deps, row.id, { trigger: "created" });
    const [event, ...more] = await deliveryAudits(row.id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      team_id: tenant.teamId,
      actor: "deployer",
      action: "DELIVER deploy target",
      target: certificate.id,
      detail: { targetId: row.id, kind: "aws_acm", projectId: project.id, serial: certificate.serial, trigger: "created" },
    });
    // Public facts only: no key, no credential.
    expect(JSON.stringify(event)).not.toMatch(/PRIVATE KEY|deployFakeSecretKey|AKIAFAKEDEPLOY/);

    await deliverToTarget(deps, row.id, { trigger: "sweep" }); // up to date: no attempt
    expect(await deliveryAudits(row.id)).toHaveLength(1);
    fake.down(true);
    await deliverToTarget(deps, row.id, { trigger: "manual", force: true }); // a failed attempt is still one
    expect((await deliveryAudits(row.id)).map((a) => a.detail.trigger)).toEqual(["created", "manual"]);
  });

  it("is written before the provider is called: when it cannot be written, nothing is sent", async () => {
    const { project, certificate } = await projectWithCertificate();
    const fake = acmFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, project, inputs.acm());

    const outcome = await quietly(() => withDeliveryAuditFailing(() => deliverToTarget(deps, row.id, { trigger: "manual" })));

    expect(outcome).toMatchObject({ state: "failed", error: "Internal error while delivering to AWS Certificate Manager" });
    expect(fake.requests).toHaveLength(0);
    expect(fake.certificates.size).toBe(0);
    expect(await deliveryAudits(row.id)).toEqual([]);
    expect(await targetRow(row.id)).toMatchObject({ failures: 1, deployedSerial: null, leaseId: null, lastError: "Internal error while delivering to AWS Certificate Manager" });

    // Once the audit log is back, the next delivery goes through.
    expect(await deliverToTarget(deps, row.id, { trigger: "manual" })).toEqual({ state: "delivered", serial: certificate.serial });
    expect(await deliveryAudits(row.id)).toHaveLength(1);
  });
});

describe("a custom hostname the certificate does not cover", () => {
  it("fails with a message naming the hostname, sends nothing, and leaves the old certificate at Cloudflare", async () => {
    // The team holds the second name through its other project; the first certificate covers both.
    const [a, b] = [await newProject(tenant), await newProject(tenant)];
    const both = await upload(a.id, [a.domain!, b.domain!]);
    const fake = cloudflareFake();
    const deps = depsWith(fake.fetch);
    const { row } = await addTarget(deps, await projectRow(a.id), inputs.customHostname(b.domain!));
    expect(await deliverToTarget(deps, row.id, { trigger: "created" })).toEqual({ state: "delivered", serial: both.serial });
    const id = (await targetRow(row.id)).remoteId!;

    const narrower = await upload(a.id, [a.domain!]);
    const sent = fake.requests.length;
    const outcome = await deliverToTarget(deps, row.id, { trigger: "manual" });

    const message = `Cloudflare custom hostname: the certificate (${a.domain}) does not cover ${b.domain}; obtain or upload one that does`;
    expect(outcome).toMatchObject({ state: "failed", error: message });
    expect(fake.requests.length).toBe(sent);
    await expectHolds(hostnameHolding(fake, id), both);
    const failed = await targetRow(row.id);
    expect(failed).toMatchObject({ lastError: message, deployedSerial: both.serial, remoteId: id, leaseId: null });
    expect(failed.failures).toBeGreaterThanOrEqual(1);
    expect((await deliveryAudits(row.id)).map((e) => e.detail.serial)).not.toContain(narrower.serial);
  });
});

describe("the HTTPS push", () => {
  it("is signed with the generated secret and carries the key only sealed to the recipient", async () => {
    const { project, certificate } = await projectWithCertificate();
    const { publicJwk, privateKey } = await recipientKeys("P-256");
    const created = await addTarget(depsWith(), project, inputs.push(publicJwk));
    const secret = created.generatedCredentials?.signingSecret;
    expect(secret).toMatch(/^whsec_/);
    const receiver = createPushReceiver({ secret: secret as string });
    const deps = depsWith(receiver.fetch);

    expect(await deliverToTarget(deps, created.row.id, { trigger: "manual" })).toEqual({ state: "delivered", serial: certificate.serial });

    expect(receiver.deliveries).toHaveLength(1);
    const { delivery, message, held } = await lastPush(receiver, privateKey as CryptoKey);
    expect(delivery.problem).toBeUndefined(); // verified with the receiver's own HMAC code
    expect(await receiver.verifyWith("whsec_b3RoZXItc2VjcmV0LW9mLTI0LWJ5dGVzISEh", delivery)).toBe("no matching signature");
    expect(delivery).toMatchObject({ method: "POST", url: PUSH_URL });
    expect(delivery.headers.get("webhook-id")).toMatch(/^dlv_[0-9a-f]{32}$/);
    expect(delivery.body).not.toContain("PRIVATE KEY");
    expect(delivery.body).not.toContain((secret as string).slice(6));
    expect(message).toMatchObject({
      type: "certificate.deployed",
      data: { targetId: created.row.id, certificateId: certificate.id, serial: certificate.serial, names: [project.domain] },
    });
    expect(held.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    await expectHolds(held, certificate);
    expect(await targetRow(created.row.id)).toMatchObject({ remoteId: PUSH_URL, deployedSerial: certificate.serial });

    // Pushed again on purpose: a new message with its own id, or a receiver that drops duplicates would ignore it.
    await deliverToTarget(deps, created.row.id, { trigger: "manual", force: true });
    expect(receiver.deliveries[1]!.headers.get("webhook-id")).toMatch(/^dlv_[0-9a-f]{32}$/);
    expect(receiver.deliveries[1]!.headers.get("webhook-id")).not.toBe(delivery.headers.get("webhook-id"));
    expect(receiver.deliveries[1]!.problem).toBeUndefined();
  });

  it("resolves the push host over DOH_RESOLVER_URL before each delivery, and sends nothing to a name that resolves inside", async () => {
    const { project, certificate } = await projectWithCertificate();
    const { publicJwk } = await recipientKeys("P-256");
    const created = await addTarget(depsWith(), project, inputs.push(publicJwk));
    const addresses: Record<string, string[]> = { "hooks.example.com": ["10.0.0.7"] };
    const receiver = createPushReceiver({ secret: created.generatedCredentials!.signingSecret as string, addresses });
    const deps = depsWith(receiver.fetch);
    const production: Deps = { ...deps, config: { ...deps.config, CERTDESK_ENV: "production" } };

    const refused = await deliverToTarget(production, created.row.id, { trigger: "manual" });
    const message = "HTTPS push refused the URL: hooks.example.com resolves to 10.0.0.7: Must not point at a private network address";
    expect(refused).toMatchObject({ state: "failed", error: message });
    expect(receiver.dohQueries.sort()).toEqual(["hooks.example.com/A", "hooks.example.com/AAAA"]);
    expect(receiver.deliveries).toHaveLength(0);
    expect(await targetRow(created.row.id)).toMatchObject({ lastError: message, deployedSerial: null });

    // The name moves to a public address: the next delivery goes.
    addresses["hooks.example.com"] = ["93.184.215.14"];
    expect(await deliverToTarget(production, created.row.id, { trigger: "manual" })).toEqual({ state: "delivered", serial: certificate.serial });
    expect(receiver.deliveries).toHaveLength(1);
  });

  it("goes to a loopback http:// URL only on a local run (CERTDESK_ENV), never in production", async () => {
    const { project, certificate } = await projectWithCertificate();
    const { publicJwk } = await recipientKeys("P-256");
    const local = "http://127.0.0.1:8787/certdesk";
    const created = await addTarget(depsWith(), project, inputs.push(publicJwk, local));
    const receiver = createPushReceiver({ secret: created.generatedCredentials!.signingSecret as string });
    const deps = depsWith(receiver.fetch);
    expect(deps.config.CERTDESK_ENV).toBe("test");

    const production: Deps = { ...deps, config: { ...deps.config, CERTDESK_ENV: "production" } };
    const refused = await deliverToTarget(production, created.row.id, { trigger: "manual" });
    expect(refused).toMatchObject({ state: "failed", error: "HTTPS push refused the URL: Must be an https:// URL" });
    expect(receiver.deliveries).toHaveLength(0);

    expect(await deliverToTarget(deps, created.row.id, { trigger: "manual" })).toEqual({ state: "delivered", serial: certificate.serial });
    expect(receiver.deliveries.map((d) => d.url)).toEqual([local]);
  });
});
