/**
 * The test harness's `wrangler dev` (scripts/pebble/wrangler-dev.mjs): its ports are picked free a moment before
 * wrangler binds them, and on a machine running several suites at once another process can take one in between.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freeTcpPorts } from "../../scripts/pebble/ports.mjs";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { startWranglerDev, stopWranglerDev } from "../../scripts/pebble/wrangler-dev.mjs";

const runDir = join(REPO_ROOT, ".tmp", "node-wrangler-dev", `run-${process.pid}-${randomBytes(3).toString("hex")}`);
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("startWranglerDev", () => {
  it("starts when its inspector port was taken after it was picked: tried again on another one", async () => {
    mkdirSync(runDir, { recursive: true });
    const [port, inspectorPort] = (await freeTcpPorts(2)) as [number, number];
    const squatter = await listen(inspectorPort);
    const logFile = join(runDir, "wrangler.log");
    try {
      const worker = await startWranglerDev({
        port,
        inspectorPort,
        persistTo: join(runDir, "state"),
        logFile,
        debugLog: join(runDir, "wrangler-debug.log"),
        vars: { CERTDESK_ENV: "test", ADMIN_TOKEN: randomBytes(16).toString("hex"), ENCRYPTION_KEY: randomBytes(32).toString("base64") },
      });
      try {
        expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      } finally {
        await stopWranglerDev(worker);
      }
      // The first start did meet the taken port.
      expect(readFileSync(logFile, "utf8")).toContain(`Address already in use (127.0.0.1:${inspectorPort})`);
    } finally {
      squatter.close();
    }
  });
});
