/**
 * The cron tick through the Worker's `scheduled` handler: every stage runs whatever the others do. Two HTTPS push
 * receivers misbehave (one answers 200 with a 200 MiB body, streamed; one asks to be left alone for 10^13 seconds):
 * the tick finishes every stage, and the targets show `failing` with a clear error in listings that answer 200. A
 * stage that throws is logged and counted, and the stages after it still run.
 */
import { createScheduledController, env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { depsFrom } from "../../../src/deps";
import { commitWithAudit } from "../../../src/http/audited-commit";
import worker from "../../../src/index";
import { createDeployTarget } from "../../../src/services/deploy-targets/configure";
import type { Deps } from "../../../src/services/deps";
import { getProject } from "../../../src/services/projects";
import { ADMIN_TOKEN, call, newProject, newTenant, type Tenant } from "../../support/api";
import { createPushReceiver } from "../../support/deploy-fakes/push-receiver";
import { dohAnswer } from "../../support/doh-fake";
import { recipientKeys } from "../../support/export-checks";
import { type HugeBody, hugeResponse, MiB } from "../../support/huge-body";
import { makeChain } from "../../support/pki-fixtures";

const DAY_MS = 24 * 60 * 60_000;
const STAGE_LOGS = ["renewal sweep: ", "deploy sweep: ", "ARI refresh: ", "webhook sweep: "];

let tenant: Tenant;

beforeAll(async () => {
  tenant = await newTenant();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A Worker isolate of its own (deps.ts builds dependencies per env object) whose deliveries go to `deployFetch`. */
function isolateWith(deployFetch: typeof fetch): { isolateEnv: typeof env; deps: Deps } {
  const isolateEnv = { ...env } as typeof env;
  const deps = depsFrom(isolateEnv);
  deps.deployFetch = deployFetch;
  return { isolateEnv, deps };
}

/** Runs the Worker's cron handler at `scheduledTime`; what the stages logged, and whether the invocation failed. */
async function tick(isolateEnv: typeof env, scheduledTime: number): Promise<{ logged: string[]; failure: unknown }> {
  const logged: string[] = [];
  vi.spyOn(console, "log").mockImplementation((message: string) => void logged.push(message));
  vi.spyOn(console, "error").mockImplementation((message: string) => void logged.push(message));
  let failure: unknown;
  try {
    await worker.scheduled(createScheduledController({ scheduledTime, cron: "*/15 * * * *" }), isolateEnv);
  } catch (error) {
    failure = error;
  }
  vi.restoreAllMocks();
  return { logged, failure };
}

/** A project of the tenant with an uploaded certificate for its domain, and `urls` as HTTPS push targets. */
async function projectPushingTo(deps: Deps, urls: string[]) {
  const { id, domain } = await newProject(tenant);
  const chain = await makeChain({ key: "EC-P256", names: [domain!] });
  const uploaded = await call("POST", `/api/v1/projects/${id}/certificate/upload`, { token: tenant.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
  expect(uploaded.status, uploaded.text).toBe(200);
  const project = await getProject(deps.db, tenant.teamId, id);
  const { publicJwk } = await recipientKeys("P-256");
  const targets = [];
  for (const url of urls) {
    const commit = commitWithAudit(deps.db, { actor: "test", action: "POST /api/v1/projects/:id/deploy-targets" }, () => Date.now());
    targets.push(await createDeployTarget(deps, project, { kind: "https_push", settings: { url, recipient: publicJwk } }, commit));
  }
  return { project, targets };
}

describe("a cron tick with misbehaving push receivers", () => {
  it("completes every stage; the targets show failing with a clear error, and the listings answer 200", async () => {
    const bodies: HugeBody[] = [];
    let secrets: Record<string, string> = {};
    const deployFetch: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const resolved = dohAnswer(request, {});
      if (resolved) return resolved;
      const host = new URL(request.url).host;
      // Each receiver checks the signature first, as a real one would, then misbehaves.
      await createPushReceiver({ secret: secrets[host]! }).handle(request);
      if (host === "huge.example.com") {
        const { response, body } = hugeResponse(200 * MiB, { status: 200 });
        bodies.push(body);
        return response;
      }
      return new Response("slow down", { status: 429, headers: { "retry-after": "10000000000000" } });
    };
    const { isolateEnv, deps } = isolateWith(deployFetch);
    const { project, targets } = await projectPushingTo(deps, ["https://huge.example.com/push", "https://patient.example.com/push"]);
    const [huge, patient] = targets.map((t) => t.row.id);
    secrets = Object.fromEntries(targets.map((t) => [new URL(t.row.settings.url as string).host, t.generatedCredentials!.signingSecret as string]));

    const at = Date.now();
    const { logged, failure } = await tick(isolateEnv, at);

    expect(failure).toBeUndefined();
    for (const stage of STAGE_LOGS) expect(logged.filter((line) => line.startsWith(stage)), `${stage}in ${JSON.stringify(logged)}`).toHaveLength(1);
    expect(logged.find((line) => line.startsWith("deploy sweep: "))).toMatch(/^deploy sweep: \d+ due, 0 delivered, [2-9]\d* failed$/);
    expect(logged.some((line) => line.includes(" failed: "))).toBe(false);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.pulled()).toBeLessThanOrEqual(MiB + 64 * 1024);

    const listed = await call("GET", `/api/v1/projects/${project.id}/deploy-targets`, { token: tenant.token });
    expect(listed.status, listed.text).toBe(200);
    const shown = Object.fromEntries((listed.body.targets as { id: string; nextAttemptAt: string }[]).map((t) => [t.id, t]));
    expect(shown[huge!]).toMatchObject({ state: "failing", failures: 1, lastError: "HTTPS push answered HTTP 200 with a body larger than 1024 KiB; it was not read" });
    expect(shown[patient!]).toMatchObject({ state: "failing", failures: 1, lastError: "HTTPS push to https://patient.example.com failed (HTTP 429)" });
    const nextAttempt = Date.parse(shown[patient!]!.nextAttemptAt);
    expect(nextAttempt).toBeGreaterThan(at);
    expect(nextAttempt).toBeLessThanOrEqual(Date.now() + DAY_MS);
    for (const id of [huge, patient]) expect((await call("GET", `/api/v1/projects/${project.id}/deploy-targets/${id}`, { token: tenant.token })).status).toBe(200);
    const status = await call("GET", `/api/v1/projects/${project.id}/certificate/status`, { token: tenant.token });
    expect(status.status, status.text).toBe(200);
  });
});

describe("a stage that throws", () => {
  it("is logged and counted, the stages after it still run, and the invocation fails once all have run", async () => {
    const { isolateEnv } = isolateWith(async () => new Response(null, { status: 204 }));
    const before = await stageFailures("deploy_sweep");
    // The deploy sweep's query then fails, as it would with D1 refusing it.
    await env.DB.prepare("ALTER TABLE deploy_targets RENAME TO deploy_targets_away").run();
    let result: Awaited<ReturnType<typeof tick>>;
    try {
      result = await tick(isolateEnv, Date.now());
    } finally {
      await env.DB.prepare("ALTER TABLE deploy_targets_away RENAME TO deploy_targets").run();
    }

    expect(String(result.failure)).toBe("Error: cron tick: deploy_sweep failed (see the log above)");
    expect(result.logged.filter((line) => line.startsWith("deploy sweep failed: "))).toHaveLength(1);
    expect(result.logged.find((line) => line.startsWith("deploy sweep failed: "))).toMatch(/no such table: deploy_targets/);
    for (const stage of ["renewal sweep: ", "ARI refresh: ", "webhook sweep: "]) expect(result.logged.filter((line) => line.startsWith(stage))).toHaveLength(1);
    expect(await stageFailures("deploy_sweep")).toBe(before + 1);
    expect(await stageFailures("renewal_sweep")).toBe(0);
  });

  it("is shown to the operator's scrape only", async () => {
    const team = await call("GET", "/metrics", { token: tenant.readToken });
    expect(team.status).toBe(200);
    expect(team.text).not.toContain("certdesk_cron_stage_failures_total");
    const operator = await call("GET", "/metrics", { token: ADMIN_TOKEN });
    expect(operator.text).toContain("# TYPE certdesk_cron_stage_failures_total counter");
  });
});

/** `certdesk_cron_stage_failures_total{stage}` as the operator's scrape shows it (0 when absent). */
async function stageFailures(stage: string): Promise<number> {
  const res = await call("GET", "/metrics", { token: ADMIN_TOKEN });
  expect(res.status).toBe(200);
  const line = (res.text as string).split("\n").find((l) => l.startsWith(`certdesk_cron_stage_failures_total{stage="${stage}"} `));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}
