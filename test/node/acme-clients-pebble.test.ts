/**
 * The real-client harness proved against a real ACME server: certbot, lego and dehydrated (Debian's, unmodified)
 * register with External Account Binding (RFC 8555 §7.3.4) at a Pebble that requires it, answer http-01 themselves,
 * and obtain a certificate whose key file is the certificate's key and whose chain leads to Pebble's root. lego does
 * the whole cycle (a wrong MAC refused, obtain, forced renewal, revocation); the others one obtain each, to keep the
 * file short (dehydrated forks a process for nearly every step), and Caddy serves a site with its certificate. Each client has a Pebble of its own (Pebble
 * validates http-01 on one port), so the three run side by side. lego's obtain is also the Pebble baseline of the
 * "lego wall time" benchmark.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freeTcpPort } from "../../scripts/pebble/ports.mjs";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { caddyClient, type CaddyClient } from "./support/acme-caddy.mjs";
import { ACME_CLIENTS_MISSING_MESSAGE, missingAcmeClients } from "./support/acme-client-binaries.mjs";
import { certbotClient, dehydratedClient, legoClient, type AcmeClient, type ClientOptions, type ObtainRun } from "./support/acme-clients.mjs";
import { startEabPebble, type EabPebble } from "./support/eab-pebble.mjs";
import { dnsNames, keyMatchesCertificate, leafOf, verifyChain } from "./support/issued-certificate";

const runDir = join(REPO_ROOT, ".tmp", "acme-clients-pebble", `run-${process.pid}-${randomBytes(3).toString("hex")}`);
const started: { pebble: EabPebble; client: AcmeClient | CaddyClient }[] = [];
let failed = false;

beforeAll(() => {
  const missing = missingAcmeClients();
  if (missing.length > 0) throw new Error(`${ACME_CLIENTS_MISSING_MESSAGE} (not found: ${missing.join(", ")})`);
  mkdirSync(runDir, { recursive: true });
});

afterEach(({ task }) => {
  if (task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  await Promise.all(started.map(({ client }) => client.stop()));
  await Promise.all([...new Set(started.map(({ pebble }) => pebble))].map((pebble) => pebble.stop()));
  // Logs stay for a failed run (the failing client's tail is printed too).
  if (!failed) rmSync(runDir, { recursive: true, force: true });
});

/** A client in its own directory under this run's, of `pebble` (a new one requiring EAB unless given). */
async function clientOfPebble(name: string, make: (options: ClientOptions) => AcmeClient, options: { pebble?: EabPebble; eab?: ClientOptions["eab"] } = {}) {
  const pebble = options.pebble ?? (await startEabPebble({ runDir: join(runDir, `pebble-${name}`) }));
  const client = make({ directoryUrl: pebble.directoryUrl, eab: options.eab ?? pebble.eab, caCert: pebble.caCert, http01Port: pebble.httpPort, dir: join(runDir, name) });
  started.push({ pebble, client });
  return { pebble, client };
}

const freshName = (client: string) => `${client}-${randomBytes(4).toString("hex")}.clients.test`;

/** The run succeeded and what it wrote is a certificate for `names` with its key, chaining to Pebble's root. */
async function expectIssued(run: ObtainRun, names: string[], pebble: EabPebble) {
  expect(run.ok, run.logTail).toBe(true);
  const files = run.files!;
  expect(dnsNames(files.certificate)).toEqual([...names].sort());
  expect(keyMatchesCertificate(files.key, files.certificate)).toBe(true);
  const verified = verifyChain(files.certificate, await pebble.rootPem(), runDir, files.chain);
  expect(verified.ok, verified.output).toBe(true);
  return leafOf(files.certificate);
}

describe.concurrent("real ACME clients against a Pebble requiring External Account Binding", () => {
  it("lego: a wrong MAC is refused, then obtain, a forced renewal with a new key, and revocation", async () => {
    const { pebble, client } = await clientOfPebble("lego", legoClient);
    // The key id Pebble knows with another key: the binding's MAC does not verify (RFC 8555 §7.3.4), no account.
    const wrongKey = { keyId: pebble.eab.keyId, hmacKey: randomBytes(32).toString("base64url") };
    const wrong = await clientOfPebble("lego-wrong-mac", legoClient, { pebble, eab: wrongKey });
    const refused = await wrong.client.obtain([freshName("lego")]);
    expect(refused.ok).toBe(false);
    expect(refused.logTail).toMatch(/externalAccountBinding|unauthorized|malformed/i);

    const names = [freshName("lego"), freshName("lego-www")];
    const first = await expectIssued(await client.obtain(names), names, pebble);
    const renewed = await expectIssued(await client.renew(names), names, pebble);
    expect(renewed.serialNumber).not.toBe(first.serialNumber);
    expect(renewed.publicKey.equals(first.publicKey)).toBe(false);
    expect(await pebble.certificateStatus(renewed.serialNumber)).toBe("Valid");

    const revoked = await client.revoke(names);
    expect(revoked.ok, revoked.logTail).toBe(true);
    expect(await pebble.certificateStatus(renewed.serialNumber)).toBe("Revoked");
    expect(await pebble.certificateStatus(first.serialNumber)).toBe("Valid");
  });

  it("certbot: obtain (standalone http-01)", async () => {
    const { pebble, client } = await clientOfPebble("certbot", certbotClient);
    const names = [freshName("certbot")];
    await expectIssued(await client.obtain(names), names, pebble);
  });

  it("dehydrated: obtain (http-01 from its WELLKNOWN directory)", async () => {
    const { pebble, client } = await clientOfPebble("dehydrated", dehydratedClient);
    const names = [freshName("dehydrated")];
    await expectIssued(await client.obtain(names), names, pebble);
  });

  it("caddy: serves a site over HTTPS with the certificate it obtained (acme_ca + acme_eab)", async () => {
    const pebble = await startEabPebble({ runDir: join(runDir, "pebble-caddy") });
    const httpsPort = await freeTcpPort();
    const dir = join(runDir, "caddy");
    mkdirSync(dir, { recursive: true });
    const caddy = caddyClient({ directoryUrl: pebble.directoryUrl, eab: pebble.eab, caCert: pebble.caCert, http01Port: pebble.httpPort, httpsPort, dir });
    started.push({ pebble, client: caddy });
    const name = freshName("caddy");
    const served = await caddy.serve([name], "hello from caddy");
    expect(served.ok, served.logTail).toBe(true);
    const files = served.files[name]!;
    expect(keyMatchesCertificate(files.key, files.certificate)).toBe(true);
    const root = join(dir, "pebble-root.pem");
    writeFileSync(root, await pebble.rootPem());
    // curl trusts only Pebble's root and reaches Caddy by the certificate's name (RFC 6066 SNI) at 127.0.0.1.
    const curl = spawnSync("curl", ["-sS", "--max-time", "10", "--cacert", root, "--resolve", `${name}:${httpsPort}:127.0.0.1`, `https://${name}:${httpsPort}/`], { encoding: "utf8" });
    expect(curl.stderr).toBe("");
    expect(curl.stdout).toBe("hello from caddy");
  });
});
