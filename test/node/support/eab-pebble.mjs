/**
 * A Pebble that requires External Account Binding (RFC 8555 §7.3.4) with a key made here, on ports of its own, with
 * a challtestsrv resolving every name to 127.0.0.1: the clients' http-01 servers listen on `httpPort`, where Pebble
 * validates. No deliberate bad nonces (certbot 2.1 and dehydrated do not retry badNonce), no authorization reuse.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { httpGet } from "../../../scripts/pebble/processes.mjs";
import { findPebbleBinaries, PEBBLE_MISSING_MESSAGE } from "../../../scripts/pebble/binaries.mjs";
import { PebbleStack } from "../../../scripts/pebble/pebble-stack.mjs";
import { freeTcpPort } from "../../../scripts/pebble/ports.mjs";
import { ensureTestCa } from "../../../scripts/pebble/test-ca.mjs";

/**
 * Starts the stack under `runDir` (`alwaysValid`: PEBBLE_VA_ALWAYS_VALID=1, for a benchmark's baseline only); returns { directoryUrl, caCert, eab: { keyId, hmacKey }, httpPort, rootPem(), certificateStatus(), stop() }. */
export async function startEabPebble({ runDir, httpPort, alwaysValid = false }) {
  const binaries = findPebbleBinaries();
  if (!binaries) throw new Error(PEBBLE_MISSING_MESSAGE);
  mkdirSync(runDir, { recursive: true });
  const ca = ensureTestCa();
  const port = httpPort ?? (await freeTcpPort());
  const eab = { keyId: `kid-${randomBytes(4).toString("hex")}`, hmacKey: randomBytes(32).toString("base64url") };
  const stack = new PebbleStack({ runDir, ca, httpPort: port, binaries, eabKeys: { [eab.keyId]: eab.hmacKey } });
  try {
    // Configured at its first start: a restart on the same ports would leave them free for a moment to any other
    // process of a parallel lane.
    await stack.start({ nonceReject: 0, alwaysValid });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const server = stack.main;
  return {
    directoryUrl: server.directoryUrl,
    caCert: ca.caCert,
    eab,
    httpPort: port,
    logFile: join(runDir, "pebble.log"),
    rootPem: () => server.rootPem(),
    /** "Valid" or "Revoked", from Pebble's management API (Pebble 2.4 publishes no CRL); `serial` in hex. */
    async certificateStatus(serial) {
      const answer = await httpGet(`${server.managementUrl}/cert-status-by-serial/${serial.toLowerCase()}`, { ca: server.caPem });
      if (answer.status !== 200) throw new Error(`Pebble does not know serial ${serial} (${answer.status}: ${answer.body})`);
      return JSON.parse(answer.body).Status;
    },
    stop: () => stack.stop(),
  };
}
