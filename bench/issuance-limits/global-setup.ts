/**
 * Second global setup of the benchmark (Node side), after the e2e one (test/support/e2e-global-setup.ts, which starts
 * Pebble, challtestsrv, the harness, the Cloudflare DNS fake and `wrangler dev`). It starts two small servers:
 *
 * - The HTTP-01 responder. Every Pebble sends its HTTP-01 validation to the e2e Worker's port, and that Worker
 *   (`wrangler dev`) reads its own KV and D1, not those of the workerd that runs the measured job. So the job's KV
 *   writes of `http-01:<token>` are mirrored here (by the counting KV in counting.ts, outside the counts), and this
 *   server answers on the same port on another loopback address (127.0.0.2), which challtestsrv's DNS gives for the
 *   benchmark's HTTP-01 names. Pebble validates for real; only the answering side is a stand-in for the challenge
 *   route, whose requests are incoming ones (the CA's), never subrequests of the job.
 * - The Node baseline: POST /sample runs an operation of cpu-ops.ts (the same source) on Node's WebCrypto and answers
 *   with the batch's wall time, so cpu.measure.ts can alternate workerd and Node samples under the same load.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";
import type { CpuOp } from "./context";
import "./context";
import { timeBatch } from "./cpu-ops";

const RESPONDER_HOST = "127.0.0.2";

export default async function setup(project: TestProject) {
  const workerUrl = project.getProvidedContext().workerUrl;
  if (!workerUrl) throw new Error("issuance-limits: the e2e global setup must run first (it provides workerUrl, Pebble's HTTP-01 port)");
  const httpPort = Number(new URL(workerUrl).port);

  const keyAuthorizations = new Map<string, string>();
  const responder = createServer((req, res) => {
    const token = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "")?.[1];
    const answer = token === undefined ? undefined : keyAuthorizations.get(token);
    if (req.method !== "GET" || answer === undefined) return send(res, 404, "text/plain", "not found");
    send(res, 200, "application/octet-stream", answer);
  });
  const control = createServer(async (req, res) => {
    const token = /^\/token\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "")?.[1];
    if (token === undefined) return send(res, 404, "text/plain", "no route");
    if (req.method === "PUT") keyAuthorizations.set(token, await readBody(req));
    else if (req.method === "DELETE") keyAuthorizations.delete(token);
    else return send(res, 405, "text/plain", "PUT or DELETE");
    send(res, 204, "text/plain", "");
  });
  const baseline = createServer(async (req, res) => {
    if (req.method !== "POST" || req.url !== "/sample") return send(res, 404, "text/plain", "no route");
    try {
      const { batch, ...op } = JSON.parse(await readBody(req)) as CpuOp & { batch: number };
      const ms = await timeBatch(op as CpuOp, batch);
      send(res, 200, "application/json", JSON.stringify({ ms, node: process.version }));
    } catch (error) {
      send(res, 500, "text/plain", error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  });

  await listen(responder, httpPort, RESPONDER_HOST).catch((error: Error) => {
    throw new Error(`issuance-limits: cannot listen on ${RESPONDER_HOST}:${httpPort} for HTTP-01 (${error.message}); the loopback network must route 127.0.0.0/8`);
  });
  const controlPort = await listen(control, 0, "127.0.0.1");
  const baselinePort = await listen(baseline, 0, "127.0.0.1");
  project.provide("issuanceLimitsServers", {
    http01ControlUrl: `http://127.0.0.1:${controlPort}`,
    http01Address: RESPONDER_HOST,
    nodeBaselineUrl: `http://127.0.0.1:${baselinePort}`,
  });
  return async function teardown() {
    await Promise.all([responder, control, baseline].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
