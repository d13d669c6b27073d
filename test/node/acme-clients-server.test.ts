/**
 * Our ACME server judged by real clients, unmodified (Debian's certbot, lego, dehydrated, Caddy): a `wrangler dev`
 * of the Worker, a team's private CA (root → issuing intermediate), a `private` directory with `pre-approved`
 * authorization and an EAB key per client (RFC 8555 §7.3.4), all made through the API. certbot, lego and dehydrated
 * obtain, renew (forced) and revoke; the key file is the certificate's key, the chain leads to the team's root
 * (`openssl verify`), and the revoked serial is in the CA's CRL (RFC 5280 §5.3). Caddy serves a site with a
 * certificate from the directory, and curl trusting only the root reaches it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freeTcpPort } from "../../scripts/pebble/ports.mjs";
import { PKI_MAX_AGE_SECONDS } from "../../src/routes/pki-cache";
import { ACME_CLIENTS_MISSING_MESSAGE, missingAcmeClients } from "./support/acme-client-binaries.mjs";
import { caddyClient, type CaddyClient } from "./support/acme-caddy.mjs";
import { certbotClient, dehydratedClient, legoClient, type AcmeClient, type ClientOptions, type ObtainRun } from "./support/acme-clients.mjs";
import { dnsNames, keyMatchesCertificate, leafOf, verifyChain } from "./support/issued-certificate";
import { createPrivateDirectory, type PrivateDirectory } from "./support/private-acme-directory.mjs";
import { startWorker, type RunningWorker } from "./support/private-ca-worker.mjs";

const DOMAIN = "fleet.clients.test";

let worker: RunningWorker;
let dir = "";
let failed = false;
let setup: PrivateDirectory;
const clients: (AcmeClient | CaddyClient)[] = [];

beforeAll(async () => {
  const missing = missingAcmeClients();
  if (missing.length > 0) throw new Error(`${ACME_CLIENTS_MISSING_MESSAGE} (not found: ${missing.join(", ")})`);
  worker = await startWorker("node-acme-server-clients");
  dir = join(worker.runDir, "clients");
  mkdirSync(dir, { recursive: true });

  setup = await createPrivateDirectory(worker.url, worker.adminToken, { slug: "fleet", domain: DOMAIN });
  expect(setup.directory.directoryUrl).toBe(`${worker.url}/acme/${setup.directory.id}/directory`);
}, 180_000);

afterEach(({ task }) => {
  if (task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()));
  await worker?.stop(failed);
});

/** A fresh EAB key of the directory (each client its own account); the HMAC key is base64url (RFC 8555 §7.3.4). */
async function eabKey(): Promise<ClientOptions["eab"]> {
  const key = await setup.eabKey();
  expect(key.hmacKey).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  return key;
}

async function clientOf(name: string, make: (options: ClientOptions) => AcmeClient): Promise<AcmeClient> {
  const client = make({ directoryUrl: setup.directory.directoryUrl, eab: await eabKey(), http01Port: await freeTcpPort(), dir: join(dir, name) });
  clients.push(client);
  return client;
}

const freshName = (label: string) => `${label}-${randomBytes(4).toString("hex")}.${DOMAIN}`;

/** The run succeeded; its files are a certificate for `names` with its key, chaining through the intermediate to the root. */
function expectIssued(run: ObtainRun, names: string[]) {
  expect(run.ok, run.logTail).toBe(true);
  const files = run.files!;
  expect(dnsNames(files.certificate)).toEqual([...names].sort());
  expect(keyMatchesCertificate(files.key, files.certificate)).toBe(true);
  const verified = verifyChain(files.certificate, setup.rootPem, dir, files.chain);
  expect(verified.ok, verified.output).toBe(true);
  return leafOf(files.certificate);
}

/** The serial numbers (uppercase hex, no leading zeros) the CA's current CRL lists, read by openssl. */
async function crlSerials(): Promise<string[]> {
  const response = await fetch(setup.issuing.crlUrl);
  expect(response.status).toBe(200);
  const der = join(dir, `crl-${randomBytes(3).toString("hex")}.der`);
  writeFileSync(der, new Uint8Array(await response.arrayBuffer()));
  const text = execFileSync("openssl", ["crl", "-inform", "DER", "-in", der, "-noout", "-text"], { encoding: "utf8" });
  return [...text.matchAll(/Serial Number:\s*([0-9A-Fa-f]+)/g)].map((match) => normalSerial(match[1]!));
}

const normalSerial = (hex: string) => hex.toUpperCase().replace(/^0+(?=.)/, "");

/**
 * The CRL's serials once it lists `serial`, or as they are when the route's freshness bound has passed: a copy of the
 * CRL is served for up to PKI_MAX_AGE_SECONDS after it was read (src/routes/pki-cache.ts).
 */
async function crlSerialsOnceListing(serial: string): Promise<string[]> {
  const deadline = Date.now() + (PKI_MAX_AGE_SECONDS + 2) * 1000;
  for (;;) {
    const serials = await crlSerials();
    if (serials.includes(normalSerial(serial)) || Date.now() > deadline) return serials;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const cycles = [
  { name: "certbot", make: certbotClient },
  { name: "lego", make: legoClient },
  { name: "dehydrated", make: dehydratedClient },
];

describe.concurrent("real ACME clients against a private pre-approved directory", () => {
  for (const { name, make } of cycles) {
    it(`${name}: obtain, forced renewal, revocation (the serial lands in the CA's CRL)`, async () => {
      const client = await clientOf(name, make);
      const names = [freshName(name)];
      const first = expectIssued(await client.obtain(names), names);
      const renewed = expectIssued(await client.renew(names), names);
      expect(renewed.serialNumber).not.toBe(first.serialNumber);

      expect(await crlSerials()).not.toContain(normalSerial(renewed.serialNumber));
      const revoked = await client.revoke(names);
      expect(revoked.ok, revoked.logTail).toBe(true);
      const listed = await crlSerialsOnceListing(renewed.serialNumber);
      expect(listed).toContain(normalSerial(renewed.serialNumber));
      expect(listed).not.toContain(normalSerial(first.serialNumber));
    });
  }

  it("caddy: serves a site with a certificate from the directory (acme_ca + acme_eab)", async () => {
    const httpsPort = await freeTcpPort();
    const caddyDir = join(dir, "caddy");
    mkdirSync(caddyDir, { recursive: true });
    const caddy = caddyClient({ directoryUrl: setup.directory.directoryUrl, eab: await eabKey(), http01Port: await freeTcpPort(), httpsPort, dir: caddyDir });
    clients.push(caddy);
    const name = freshName("caddy");
    const served = await caddy.serve([name], "hello from the fleet");
    expect(served.ok, served.logTail).toBe(true);
    const files = served.files[name]!;
    expect(keyMatchesCertificate(files.key, files.certificate)).toBe(true);
    const verified = verifyChain(files.certificate, setup.rootPem, dir);
    expect(verified.ok, verified.output).toBe(true);

    const root = join(caddyDir, "root.pem");
    writeFileSync(root, setup.rootPem);
    const curl = spawnSync("curl", ["-sS", "--max-time", "10", "--cacert", root, "--resolve", `${name}:${httpsPort}:127.0.0.1`, `https://${name}:${httpsPort}/`], { encoding: "utf8" });
    expect(curl.stderr).toBe("");
    expect(curl.stdout).toBe("hello from the fleet");
  });
});
