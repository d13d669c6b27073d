/**
 * CPU per step of the validate path inside workerd, the current src/pki beside an earlier commit's (`#pki-before`),
 * and the whole validate request beside the authenticated GET, in-process. A benchmark, not a test: it asserts no
 * time and prints one line for bench/validate-throughput.mjs.
 *
 * A sample is the wall time of a batch of back-to-back calls divided by its size: workerd's clock counts whole
 * milliseconds, so a batch is sized once (on the current version) to take about BATCH_MS, and the same size is used
 * for both versions. For sequential CPU-bound calls wall time is CPU time. The two versions' samples alternate, the
 * order swapped every round, so both see the same load. The request rows include their D1 statements (wall time, the
 * pool's local D1): they put the certificate work in proportion, they are not CPU alone.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { inject, it } from "vitest";
import worker from "../../src/index";
import { newProject, newTenant } from "../../test/support/api";
import { RESULT_MARKER } from "./context";
import { STEP_NAMES, beforePki, currentPki, stepsOf } from "./steps";

/** Long enough that a batch is measured to ±2 % on a 1 ms clock. */
const BATCH_MS = 50;

type Op = () => Promise<unknown>;

async function timeBatch(op: Op, batch: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < batch; i++) await op();
  return (performance.now() - started) / batch;
}

/** How many calls take about BATCH_MS here (counted over ≥ 4 × BATCH_MS, after a few unmeasured calls). */
async function batchSize(op: Op): Promise<number> {
  for (let i = 0; i < 3; i++) await op();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 4 * BATCH_MS) {
    await op();
    count++;
  }
  return Math.max(1, Math.round(BATCH_MS / ((performance.now() - started) / count)));
}

interface Row {
  group: "step" | "request";
  label: string;
  chain: string;
  /** Step rows: one op per version; request rows: the current code only. */
  ops: { version: "before" | "current"; op: Op }[];
  batch: number;
  /** ms per call, one array per entry of `ops`. */
  samples: number[][];
}

it("CPU per step of the validate path, before and after, and the request around it", async () => {
  const { domain, noCertificateBody, chains, samples, before } = inject("validateCpu");
  const now = new Date();
  const rows: Row[] = [];

  for (const chain of chains) {
    const [old, current] = await Promise.all([stepsOf(beforePki, chain, domain, now), stepsOf(currentPki, chain, domain, now)]);
    STEP_NAMES.forEach((label, i) =>
      rows.push({ group: "step", label, chain: chain.label, ops: [{ version: "before", op: old[i]! }, { version: "current", op: current[i]! }], batch: 1, samples: [[], []] }),
    );
  }

  // The request around the check: the same route and body as the load test, through the Worker's fetch handler called
  // in this isolate (as test/support/d1-count.ts does; SELF would add the pool's own request-body transport, which is
  // not the Worker's), with a token already verified (the isolate's token cache is warm, as under load).
  const tenant = await newTenant();
  const project = await newProject(tenant, domain);
  const headers = { authorization: `Bearer ${tenant.token}` };
  const send = async (path: string, init: RequestInit = {}, expected = 200) => {
    const ctx = createExecutionContext();
    const request = new Request(`https://certdesk.test${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
    // The handler's type wants the cf properties of an incoming request; a test request has none.
    const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
    const text = await response.text();
    await waitOnExecutionContext(ctx);
    if (response.status !== expected) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text.slice(0, 300)}`);
  };
  const request = (label: string, chain: string, op: Op) => rows.push({ group: "request", label, chain, ops: [{ version: "current", op }], batch: 1, samples: [[]] });
  for (const chain of chains) {
    const body = JSON.stringify({ certificate: chain.certificate, privateKey: chain.privateKey });
    request("POST …/certificate/validate, whole request", chain.label, () =>
      send(`/api/v1/projects/${project.id}/certificate/validate`, { method: "POST", body, headers: { "content-type": "application/json" } }),
    );
  }
  // The same POST, body and project read without the certificate work: a certificate field of zero bytes, answered 400.
  request("POST …/certificate/validate, same-size body without a certificate → 400", "—", () =>
    send(`/api/v1/projects/${project.id}/certificate/validate`, { method: "POST", body: noCertificateBody, headers: { "content-type": "application/json" } }, 400),
  );
  request("GET /api/v1/projects/:id, whole request", "—", () => send(`/api/v1/projects/${project.id}`));

  for (const row of rows) row.batch = await batchSize(row.ops.find((o) => o.version === "current")!.op);
  for (let round = 0; round < samples; round++) {
    for (const row of rows) {
      const order = row.ops.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) row.samples[i]!.push(await timeBatch(row.ops[i]!.op, row.batch));
    }
  }

  const result = {
    kind: "validate-cpu",
    before,
    batchMs: BATCH_MS,
    rows: rows.map(({ group, label, chain, ops, batch, samples: s }) => ({ group, label, chain, batch, versions: Object.fromEntries(ops.map((o, i) => [o.version, s[i]])) })),
  };
  console.log(`${RESULT_MARKER} ${JSON.stringify(result)}`);
});
