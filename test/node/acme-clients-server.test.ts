/**
 * Our ACME server judged by real clients, unmodified (Debian's certbot, lego, dehydrated, Caddy): a `wrangler dev`
 * of the Worker over HTTPS with the test CA's localhost certificate, which each client trusts by its own documented
 * means (REQUESTS_CA_BUNDLE, LEGO_CA_CERTIFICATES, CURL_CA_BUNDLE, `acme_ca_root`); a team's private CA (root →
 * issuing intermediate) and `private` directories with an EAB key per client (RFC 8555 §7.3.4), all made through
 * the API. From a `pre-approved` directory certbot, lego and dehydrated obtain, renew (forced) and revoke, and Caddy
 * serves a site. From a `challenge` directory the server itself validates http-01 (RFC 8555 §8.3): it resolves the
 * name over DoH (a table answering 127.0.0.1) and fetches the token from ACME_SERVER_HTTP01_PORT, where the clients
 * answer one at a time. Each time the key file is the certificate's key, the chain leads to the team's root
 * (`openssl verify`), and a revoked serial is in the CA's CRL (RFC 5280 §5.3).
 * From a `relay` directory certbot gets a certificate Pebble issued for a name the team holds: the Worker orders it at
 * Pebble (its ACME_DIRECTORY_URL, EAB required) with certbot's CSR, and Pebble really validates http-01 (a challtestsrv
 * answering 127.0.0.1 for every name) on its httpPort, where a plain-HTTP forwarder hands the request to the Worker's
 * challenge route over HTTPS. The key never leaves certbot: no file of the Worker's local state holds it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createPrivateKey, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freeTcpPort } from "../../scripts/pebble/ports.mjs";
import { REPO_ROOT } from "../../scripts/pebble/test-ca.mjs";
import { ariCertificateId } from "../../src/acme/certificate-id";
import { PKI_MAX_AGE_SECONDS } from "../../src/routes/pki-cache";
import { dohAnswer, type DohTable } from "../support/doh-fake";
import { startFakeHttpServer, type FakeHttpServer } from "../support/fake-http-server";
import { ACME_CLIENTS_MISSING_MESSAGE, missingAcmeClients } from "./support/acme-client-binaries.mjs";
import { caddyClient, type CaddyClient } from "./support/acme-caddy.mjs";
import { certbotClient, dehydratedClient, legoClient, type AcmeClient, type ClientOptions, type ObtainRun } from "./support/acme-clients.mjs";
import { dnsNames, keyMatchesCertificate, leafOf, verifyChain } from "./support/issued-certificate";
import { startEabPebble, type EabPebble } from "./support/eab-pebble.mjs";
import { createPrivateDirectory, createRelayDirectory, type PrivateDirectory, type RelayDirectory } from "./support/private-acme-directory.mjs";
import { startWorker, type RunningWorker } from "./support/private-ca-worker.mjs";

const DOMAIN = "fleet.clients.test";
const CHALLENGE_DOMAIN = "http01.clients.test";
const RELAY_DOMAIN = `relay-${randomBytes(4).toString("hex")}.clients.test`;
/** A name the relay team holds whose challenge the forwarder never passes on: Pebble's validation fails. */
const UNREACHABLE_RELAY_DOMAIN = `unreachable-${randomBytes(4).toString("hex")}.clients.test`;
/** A challenge test waits for the validation port while the others use it: room for their runs before its own. */
const CHALLENGE_TEST_TIMEOUT_MS = 360_000;

let worker: RunningWorker;
let dir = "";
let failed = false;
let preApproved: PrivateDirectory;
let challenged: PrivateDirectory;
let doh: FakeHttpServer | undefined;
let relay: RelayDirectory;
/** The public CA of the relay directory, and the plain-HTTP forwarder on its httpPort to the Worker's challenge route. */
let pebble: EabPebble | undefined;
let forwarder: FakeHttpServer | undefined;
const pebbleDir = join(REPO_ROOT, ".tmp", "acme-clients-server-pebble", `run-${process.pid}-${randomBytes(3).toString("hex")}`);
/** What the Worker's DoH resolver answers: the challenge tests' names → 127.0.0.1; and every query it was asked. */
const dohTable: DohTable = {};
const dohQueries: string[] = [];
/** ACME_SERVER_HTTP01_PORT: where the Worker fetches every http-01 token, so one client at a time listens there. */
let validationPort = 0;
const clients: (AcmeClient | CaddyClient)[] = [];

beforeAll(async () => {
  const missing = missingAcmeClients();
  if (missing.length > 0) throw new Error(`${ACME_CLIENTS_MISSING_MESSAGE} (not found: ${missing.join(", ")})`);
  doh = await startFakeHttpServer(async (request) => dohAnswer(request, dohTable, dohQueries) ?? new Response("not a DoH query", { status: 400 }));
  // Pebble validates http-01 over plain HTTP; the Worker here speaks HTTPS only: the forwarder passes challenge paths on.
  forwarder = await startFakeHttpServer(async (request) => {
    const { pathname: path, hostname } = new URL(request.url);
    if (!worker || !path.startsWith("/.well-known/acme-challenge/") || hostname === UNREACHABLE_RELAY_DOMAIN) return new Response("not a challenge", { status: 404 });
    const answer = await fetch(`${worker.url}${path}`);
    return new Response(await answer.text(), { status: answer.status });
  });
  pebble = await startEabPebble({ runDir: pebbleDir, httpPort: Number(new URL(forwarder.baseUrl).port) });
  validationPort = await freeTcpPort();
  worker = await startWorker("node-acme-server-clients", {
    https: true,
    vars: {
      DOH_RESOLVER_URL: `${doh.baseUrl}/dns-query`,
      ACME_SERVER_HTTP01_PORT: String(validationPort),
      // The relay directory's public CA, on the Worker's own ACME account there (Pebble requires EAB).
      ACME_DIRECTORY_URL: pebble.directoryUrl,
      ACME_EAB_KID: pebble.eab.keyId,
      ACME_EAB_HMAC_KEY: pebble.eab.hmacKey,
    },
  });
  expect(worker.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  dir = join(worker.runDir, "clients");
  mkdirSync(dir, { recursive: true });

  [preApproved, challenged, relay] = await Promise.all([
    createPrivateDirectory(worker.url, worker.adminToken, { slug: "fleet", domain: DOMAIN }),
    createPrivateDirectory(worker.url, worker.adminToken, { slug: "checked", domain: CHALLENGE_DOMAIN, authorization: "challenge" }),
    createRelayDirectory(worker.url, worker.adminToken, { slug: "relayed", domains: [RELAY_DOMAIN, UNREACHABLE_RELAY_DOMAIN] }),
  ]);
  for (const setup of [preApproved, challenged]) expect(setup.directory.directoryUrl).toBe(`${worker.url}/acme/${setup.directory.id}/directory`);
}, 180_000);

afterEach(({ task }) => {
  if (task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()));
  await worker?.stop(failed);
  await Promise.all([doh?.close(), forwarder?.close(), pebble?.stop()]);
  if (!failed) rmSync(pebbleDir, { recursive: true, force: true });
});

/** A fresh EAB key of the directory (each client its own account); the HMAC key is base64url (RFC 8555 §7.3.4). */
async function eabKey(setup: PrivateDirectory | RelayDirectory): Promise<ClientOptions["eab"]> {
  const key = await setup.eabKey();
  expect(key.hmacKey).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  return key;
}

/** A client of `setup`'s directory trusting the Worker's CA, answering http-01 on `http01Port` (its own unless given). */
async function clientOf(name: string, make: (options: ClientOptions) => AcmeClient, setup: PrivateDirectory | RelayDirectory, http01Port?: number): Promise<AcmeClient> {
  const client = make({
    directoryUrl: setup.directory.directoryUrl,
    eab: await eabKey(setup),
    caCert: worker.caCert!,
    http01Port: http01Port ?? (await freeTcpPort()),
    dir: join(dir, name),
  });
  clients.push(client);
  return client;
}

const freshName = (label: string, domain: string) => `${label}-${randomBytes(4).toString("hex")}.${domain}`;

/** The run succeeded; its files are a certificate for `names` with its key, chaining through the intermediate to the root. */
function expectIssued(run: ObtainRun, names: string[], setup: PrivateDirectory) {
  expect(run.ok, run.logTail).toBe(true);
  const files = run.files!;
  expect(dnsNames(files.certificate)).toEqual([...names].sort());
  expect(keyMatchesCertificate(files.key, files.certificate)).toBe(true);
  const verified = verifyChain(files.certificate, setup.rootPem, dir, files.chain);
  expect(verified.ok, verified.output).toBe(true);
  return leafOf(files.certificate);
}

/** The serial numbers (uppercase hex, no leading zeros) the CA's current CRL lists, read by openssl. */
async function crlSerials(setup: PrivateDirectory): Promise<string[]> {
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
async function crlSerialsOnceListing(setup: PrivateDirectory, serial: string): Promise<string[]> {
  const deadline = Date.now() + (PKI_MAX_AGE_SECONDS + 2) * 1000;
  for (;;) {
    const serials = await crlSerials(setup);
    if (serials.includes(normalSerial(serial)) || Date.now() > deadline) return serials;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

let validationPortQueue: Promise<unknown> = Promise.resolve();
/** Runs `step` once no other client listens on the validation port: the Worker sends every http-01 fetch there. */
function onValidationPort<T>(step: () => Promise<T>): Promise<T> {
  const next = validationPortQueue.then(step, step);
  validationPortQueue = next.catch(() => {});
  return next;
}

/**
 * Obtain, forced renewal (a new serial), revocation (the renewed serial lands in the CA's CRL, the first does not).
 * `issue` wraps the runs that need http-01 answered.
 */
async function fullCycle(client: AcmeClient, names: string[], setup: PrivateDirectory, issue = <T>(step: () => Promise<T>) => step()) {
  const first = expectIssued(await issue(() => client.obtain(names)), names, setup);
  const renewed = expectIssued(await issue(() => client.renew(names)), names, setup);
  expect(renewed.serialNumber).not.toBe(first.serialNumber);

  expect(await crlSerials(setup)).not.toContain(normalSerial(renewed.serialNumber));
  const revoked = await client.revoke(names);
  expect(revoked.ok, revoked.logTail).toBe(true);
  const listed = await crlSerialsOnceListing(setup, renewed.serialNumber);
  expect(listed).toContain(normalSerial(renewed.serialNumber));
  expect(listed).not.toContain(normalSerial(first.serialNumber));
}

const cycles = [
  { name: "certbot", make: certbotClient },
  { name: "lego", make: legoClient },
  { name: "dehydrated", make: dehydratedClient },
];

describe.concurrent("real ACME clients against the Worker's ACME server over HTTPS", () => {
  it("the directory, its links and newNonce's Link name https URLs of the origin the client reached", async () => {
    const directoryUrl = preApproved.directory.directoryUrl;
    const base = `${worker.url}/acme/${preApproved.directory.id}/`;
    const directory = (await (await fetch(directoryUrl)).json()) as Record<string, unknown>;
    const urls = Object.entries(directory).filter(([key]) => key !== "meta");
    expect(urls.map(([key]) => key)).toEqual(expect.arrayContaining(["newNonce", "newAccount", "newOrder", "revokeCert", "keyChange"]));
    for (const [key, url] of urls) expect(String(url).startsWith(base), `${key}: ${String(url)}`).toBe(true);
    const nonce = await fetch(directory.newNonce as string, { method: "HEAD" });
    expect(nonce.headers.get("replay-nonce")).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(nonce.headers.get("link")).toBe(`<${directoryUrl}>;rel="index"`);
  });

  for (const { name, make } of cycles) {
    it(`${name}, pre-approved: obtain, forced renewal, revocation (the serial lands in the CA's CRL)`, async () => {
      const client = await clientOf(`${name}-pre-approved`, make, preApproved);
      const names = [freshName(name, DOMAIN)];
      await fullCycle(client, names, preApproved);
      // Pre-approved: nothing was validated, so the name was never even resolved.
      expect(dohQueries.filter((query) => query.startsWith(`${names[0]}/`))).toEqual([]);
    });
  }

  // dehydrated only obtains here: its runs are the slowest, and renewal and revocation are the pre-approved test's.
  // lego's http-01 server answers only a request whose Host is the name: it checks that the server asks for the name.
  for (const { name, make } of cycles) {
    const full = name !== "dehydrated";
    it(
      `${name}, challenge: ${full ? "obtain, forced renewal, revocation" : "obtain"} with http-01 validated by the server`,
      async () => {
        const client = await clientOf(`${name}-challenge`, make, challenged, validationPort);
        const names = [freshName(name, CHALLENGE_DOMAIN)];
        dohTable[names[0]!] = ["127.0.0.1"];
        if (full) await fullCycle(client, names, challenged, onValidationPort);
        else expectIssued(await onValidationPort(() => client.obtain(names)), names, challenged);
        // The server resolved the name itself (RFC 8555 §8.3: the client's answer is fetched from the name's address).
        expect(dohQueries).toContain(`${names[0]}/A`);
      },
      CHALLENGE_TEST_TIMEOUT_MS,
    );
  }

  it("certbot, relay: Pebble issues for a name the team holds, on certbot's own key; no key reaches the Worker (none to export); ARI; revocation reaches Pebble", async () => {
    const client = await clientOf("certbot-relay", certbotClient, relay);
    const names = [RELAY_DOMAIN];
    const run = await client.obtain(names);
    expect(run.ok, run.logTail).toBe(true);
    const files = run.files!;
    expect(dnsNames(files.certificate)).toEqual(names);
    expect(keyMatchesCertificate(files.key, files.certificate)).toBe(true);
    // Pebble's chain, to Pebble's root: the public CA issued it, not the team's CA.
    const verified = verifyChain(files.certificate, await pebble!.rootPem(), dir, files.chain);
    expect(verified.ok, verified.output).toBe(true);
    const serial = leafOf(files.certificate).serialNumber;
    expect(await pebble!.certificateStatus(serial)).toBe("Valid");

    // A team certificate like any issued one (so the API's listing, status and revocation know it)...
    const inventory = async () => {
      const listed = await fetch(`${worker.url}/api/v1/certificates`, { headers: { Authorization: `Bearer ${relay.token}` } });
      expect(listed.status).toBe(200);
      return ((await listed.json()) as { certificates: Record<string, unknown>[] }).certificates;
    };
    const [stored, ...others] = await inventory();
    expect(others).toEqual([]);
    expect(stored).toMatchObject({ projectId: null, names, type: "letsencrypt", autoRenew: false, nextRenewalAt: null });
    expect(stored!.status).not.toBe("revoked");
    // ...that holds no key: certbot's key is in no file of the Worker's local state (D1, Durable Objects, KV), nor any PEM key.
    const scalar = Buffer.from(createPrivateKey(readFileSync(files.key)).export({ format: "jwk" }).d!, "base64url");
    const stateFiles = filesUnder(join(worker.runDir, "state"));
    expect(stateFiles.some((file) => file.endsWith(".sqlite"))).toBe(true);
    for (const file of stateFiles) {
      const bytes = readIfPresent(file);
      // SQLite's -shm and -wal files come and go as the running Worker checkpoints: one listed may be gone already.
      if (bytes === null) continue;
      expect(bytes.includes("PRIVATE KEY"), file).toBe(false);
      for (const form of [scalar, scalar.toString("base64"), scalar.toString("base64url"), scalar.toString("hex")]) expect(bytes.includes(form), file).toBe(false);
    }

    const exported = await fetch(`${worker.url}/v8/certs/${String(stored!.id)}/export`, { method: "POST", headers: { Authorization: `Bearer ${relay.token}` } });
    expect(exported.status).toBe(404);
    expect(await exported.text()).toContain("holds no key");
    // Renewal information (RFC 9773) for it, from the directory, as for a certificate of a private directory.
    const renewalInfo = `${relay.directory.directoryUrl.replace(/\/directory$/, "")}/renewal-info/${ariCertificateId(readFileSync(files.certificate, "utf8"))}`;
    expect((await fetch(renewalInfo)).status).toBe(200);

    const revoked = await client.revoke(names);
    expect(revoked.ok, revoked.logTail).toBe(true);
    expect(await pebble!.certificateStatus(serial)).toBe("Revoked");
    // Revoked: renew now (RFC 9773 §4.2).
    const window = ((await (await fetch(renewalInfo)).json()) as { suggestedWindow: { end: string } }).suggestedWindow;
    expect(Date.parse(window.end)).toBeLessThanOrEqual(Date.now());
    expect((await inventory())[0]).toMatchObject({ id: stored!.id, status: "revoked" });
  });

  it("certbot, relay: Pebble's failed validation makes the order invalid with a problem certbot reports; nothing is stored", async () => {
    const client = await clientOf("certbot-relay-refused", certbotClient, relay);
    const run = await client.obtain([UNREACHABLE_RELAY_DOMAIN]);
    expect(run.ok).toBe(false);
    expect(run.logTail).toMatch(/IssuanceError/);
    // The order certbot last read (its debug log): invalid, its error (RFC 8555 §7.1.3) the public CA's reason, passed on.
    const orders = readFileSync(join(client.dir, "logs", "certbot", "letsencrypt.log"), "utf8").split("\n").filter((line) => line.startsWith('{"status":'));
    const last = JSON.parse(orders.at(-1)!) as { status: string; error?: { type: string; detail: string; status: number } };
    expect(last).toMatchObject({ status: "invalid", error: { type: "urn:ietf:params:acme:error:unauthorized", status: 403 } });
    expect(last.error!.detail).toMatch(/^the public CA did not issue the certificate: HTTP-01 challenge failed: .*returned 404/);
    expect(readFileSync(join(worker.runDir, "wrangler.log"), "utf8")).not.toMatch(/\/finalize 5\d\d|\/order\/acmo_\w+ 5\d\d/);
    const listed = await fetch(`${worker.url}/api/v1/certificates`, { headers: { Authorization: `Bearer ${relay.token}` } });
    const names = ((await listed.json()) as { certificates: { names: string[] }[] }).certificates.flatMap((row) => row.names);
    expect(names).not.toContain(UNREACHABLE_RELAY_DOMAIN);
  });

  it("caddy: serves a site with a certificate from the directory (acme_ca + acme_eab + acme_ca_root)", async () => {
    const httpsPort = await freeTcpPort();
    const caddyDir = join(dir, "caddy");
    mkdirSync(caddyDir, { recursive: true });
    const caddy = caddyClient({
      directoryUrl: preApproved.directory.directoryUrl,
      eab: await eabKey(preApproved),
      caCert: worker.caCert!,
      http01Port: await freeTcpPort(),
      httpsPort,
      dir: caddyDir,
    });
    clients.push(caddy);
    const name = freshName("caddy", DOMAIN);
    const served = await caddy.serve([name], "hello from the fleet");
    expect(served.ok, served.logTail).toBe(true);
    const files = served.files[name]!;
    expect(keyMatchesCertificate(files.key, files.certificate)).toBe(true);
    const verified = verifyChain(files.certificate, preApproved.rootPem, dir);
    expect(verified.ok, verified.output).toBe(true);

    const root = join(caddyDir, "root.pem");
    writeFileSync(root, preApproved.rootPem);
    const curl = spawnSync("curl", ["-sS", "--max-time", "10", "--cacert", root, "--resolve", `${name}:${httpsPort}:127.0.0.1`, `https://${name}:${httpsPort}/`], { encoding: "utf8" });
    expect(curl.stderr).toBe("");
    expect(curl.stdout).toBe("hello from the fleet");
  });
});

/** Every file under `root`, recursively. */
function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A file's bytes, or null when it was removed since it was listed. */
function readIfPresent(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
