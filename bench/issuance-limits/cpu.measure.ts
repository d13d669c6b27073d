/**
 * CPU time of the CPU-heavy steps of an issuance, inside workerd, with Node's WebCrypto side by side: certificate key
 * generation exactly as src/pki/key-generation.ts does it (RSA 2048/3072/4096, EC P-256/P-384), the CSR
 * (src/pki/csr.ts createCsr), signing one ACME request (src/acme/jws.ts, ES256 account key) and checking an issued
 * chain (src/pki/check-certificate.ts, as run-issuance.ts does before storing). A benchmark, not a test: it asserts
 * nothing about time and prints one line for bench/issuance-limits/run.mjs.
 *
 * Each sample is one batch divided by its size: the batch is sized once, in workerd, to take about 50 ms (workerd's
 * clock counts whole milliseconds), and the same size is used on Node; RSA key generation is one per batch. Samples alternate between workerd (here) and Node
 * (the global setup's /sample, the same cpu-ops.ts), the order swapped every round, so both see the same load.
 */
import { inject, it } from "vitest";
import { makeChain } from "../../test/support/pki-fixtures";
import { RESULT_MARKER, type CpuOp } from "./context";
import { timeBatch } from "./cpu-ops";
import { realFetch } from "./counting";

/** Long enough that a batch is measured to ±2 % on a 1 ms clock. */
const BATCH_MS = 50;

/** How many operations take about BATCH_MS here: operations are run for ≥ 4 × BATCH_MS and counted. */
async function batchSize(op: CpuOp): Promise<number> {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 4 * BATCH_MS) {
    await timeBatch(op, 1);
    count++;
  }
  const perOp = (performance.now() - started) / count;
  return Math.max(1, Math.round(BATCH_MS / perOp));
}

interface Row {
  group: string;
  label: string;
  op: CpuOp;
  runs: number;
  batch: number;
  /** ms per operation, one value per sample. */
  workerd: number[];
  node: number[];
}

let nodeVersion = "";

async function nodeBatch(op: CpuOp, batch: number): Promise<number> {
  const response = await realFetch(`${inject("issuanceLimitsServers").nodeBaselineUrl}/sample`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...op, batch }),
  });
  if (!response.ok) throw new Error(`Node baseline: ${response.status} ${await response.text()}`);
  const { ms, node } = (await response.json()) as { ms: number; node: string };
  nodeVersion = node;
  return ms;
}

it("CPU time of the issuance steps: workerd and Node's WebCrypto, side by side", async () => {
  const { runs, runs4096 } = inject("issuanceLimitsOptions");
  const ec = await makeChain({ key: "EC-P256", names: ["bench.certdesk.test"] });
  const rsa = await makeChain({ key: "RSA-2048", names: ["bench.certdesk.test"] });
  const rows: Row[] = [];
  const add = (group: string, label: string, op: CpuOp, n = runs) => rows.push({ group, label, op, runs: n, batch: 1, workerd: [], node: [] });
  for (const spec of ["RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384"] as const) {
    add("certificate key generation (crypto.subtle.generateKey)", spec, { op: "keygen", spec }, spec === "RSA-4096" ? runs4096 : runs);
  }
  for (const spec of ["RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384"] as const) add("CSR (createCsr, 2 names)", spec, { op: "csr", spec });
  add("sign one ACME request (JWS, ES256 account key)", "EC-P256", { op: "jws" });
  for (const [label, chain] of [["EC-P256 leaf, EC-P256 CA", ec], ["RSA-2048 leaf, RSA-2048 CA", rsa]] as const) {
    add("check the issued chain (checkCertificate: leaf + intermediate, key)", label, {
      op: "check",
      chainPem: chain.chainPem,
      keyPem: chain.keyPem,
      domain: "bench.certdesk.test",
      label,
    });
  }

  // Warm-up in both runtimes (first-call costs), then the batch size, found in workerd and used for both.
  for (const row of rows) {
    await timeBatch(row.op, 1);
    await nodeBatch(row.op, 1);
    if (row.op.op === "keygen" && row.op.spec.startsWith("RSA")) continue; // tens of ms and more, and random
    row.batch = await batchSize(row.op);
  }

  const rounds = Math.max(...rows.map((r) => r.runs));
  for (let round = 0; round < rounds; round++) {
    for (const row of rows) {
      if (round >= row.runs) continue;
      const workerd = async () => row.workerd.push((await timeBatch(row.op, row.batch)) / row.batch);
      const node = async () => row.node.push((await nodeBatch(row.op, row.batch)) / row.batch);
      if (round % 2 === 0) {
        await workerd();
        await node();
      } else {
        await node();
        await workerd();
      }
    }
  }

  const result = {
    kind: "cpu",
    batchMs: BATCH_MS,
    node: nodeVersion,
    rows: rows.map(({ group, label, runs: n, batch, workerd, node }) => ({ group, label, runs: n, batch, workerd, node })),
  };
  console.log(`${RESULT_MARKER} ${JSON.stringify(result)}`);
});
