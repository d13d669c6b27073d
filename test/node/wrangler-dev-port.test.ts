/**
 * The harness's `wrangler dev` start when its port was taken meanwhile (several suites on one machine): it must not
 * take the other process's answers for its own Worker. With `portMayMove` it starts on another port; without, it fails
 * saying which port was taken.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeTcpPorts } from "../../scripts/pebble/ports.mjs";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { applyMigrations, startWranglerDev, stopWranglerDev } from "../../scripts/pebble/wrangler-dev.mjs";

const runDir = join(REPO_ROOT, ".tmp", "node-wrangler-port", `run-${process.pid}-${randomBytes(3).toString("hex")}`);
let squatter: Server;
let takenPort = 0;

beforeAll(async () => {
  mkdirSync(runDir, { recursive: true });
  await applyMigrations({ persistTo: join(runDir, "state"), debugLog: join(runDir, "migrate.log") });
  // Another process on the port the start was given: it answers 200 to anything.
  squatter = createServer((_request, response) => response.end("not the Worker"));
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  takenPort = (squatter.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => squatter.close(resolve));
  rmSync(runDir, { recursive: true, force: true });
});

const options = async (name: string) => {
  const [inspectorPort] = await freeTcpPorts(1);
  return {
    port: takenPort,
    inspectorPort: inspectorPort!,
    persistTo: join(runDir, "state"),
    logFile: join(runDir, `${name}.log`),
    debugLog: join(runDir, `${name}-debug.log`),
    vars: { CERTDESK_ENV: "test", ADMIN_TOKEN: randomBytes(16).toString("hex"), ENCRYPTION_KEY: randomBytes(32).toString("base64") },
  };
};

describe("startWranglerDev on a port another process took", () => {
  it("starts on another port when the port may move, and that port answers as the Worker", async () => {
    const worker = await startWranglerDev({ ...(await options("moved")), portMayMove: true });
    try {
      expect(worker.port).not.toBe(takenPort);
      const health = await fetch(`http://127.0.0.1:${worker.port}/health`);
      expect(health.status).toBe(200);
      expect(await health.text()).not.toContain("not the Worker");
    } finally {
      await stopWranglerDev(worker);
    }
  });

  it("fails naming the taken port when the port may not move, instead of talking to the other process", async () => {
    await expect(startWranglerDev(await options("fixed"))).rejects.toThrow(`port ${takenPort} was taken`);
  });
});
