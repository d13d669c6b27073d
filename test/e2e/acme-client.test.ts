/**
 * src/acme against a real Pebble, from inside workerd: accounts, DNS-01, finalize, chain, revocation, badNonce storms.
 * A CA that is down is tested through the Worker (lifecycle, ca-network), whose log goes to a file: here workerd
 * would print a stack trace for every refused connection, even one the client handles.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AcmeClient,
  generateAccountKey,
  isAcmeProblem,
  type AcmeOrder,
  type AcmeProblem,
} from "../../src/acme";
import { clearTxt, e2e, pebbleCertStatus, pebbleRoots, randomName, setTxt, startExtraPebble, type ExtraPebble } from "../support/pebble-context";

x509.cryptoProvider.set(crypto);

const DEADLINE_MS = 60_000;

async function newClient(directoryUrl = e2e().pebbleDirectoryUrl, fetchFn?: typeof fetch) {
  const accountKey = await generateAccountKey();
  return { accountKey, client: new AcmeClient({ directoryUrl, accountKey, ...(fetchFn ? { fetch: fetchFn } : {}) }) };
}

/** Answers every authorization of the order over DNS-01 through challtestsrv, waits until they are valid. */
async function solveDns01(client: AcmeClient, order: AcmeOrder): Promise<void> {
  for (const url of order.authorizations) {
    const authz = await client.getAuthorization(url);
    if (authz.status === "valid") continue;
    const challenge = authz.challenges.find((c) => c.type === "dns-01");
    expect(challenge?.token).toBeDefined();
    const record = `_acme-challenge.${authz.identifier.value}`;
    await setTxt(record, await client.dns01TxtValue(challenge!.token!));
    try {
      await client.respondToChallenge(challenge!.url);
      await client.waitForAuthorization(url, { deadline: Date.now() + DEADLINE_MS });
    } finally {
      await clearTxt(record);
    }
  }
}

async function csrFor(names: string[]): Promise<{ der: ArrayBuffer; keys: CryptoKeyPair }> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${names[0]}`,
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: "dns" as const, value })))],
  });
  return { der: csr.rawData, keys };
}

/** The whole flow: order, DNS-01, finalize, wait, download. */
async function issue(client: AcmeClient, names: string[]): Promise<{ pem: string; order: AcmeOrder }> {
  const order = await client.newOrder({ identifiers: names });
  expect(order.status).toBe("pending");
  await solveDns01(client, order);
  const ready = await client.waitForOrder(order.url, { deadline: Date.now() + DEADLINE_MS });
  expect(ready.status).toBe("ready");
  const { der } = await csrFor(names);
  await client.finalizeOrder(ready, der);
  const valid = await client.waitForOrder(order.url, { deadline: Date.now() + DEADLINE_MS });
  expect(valid.status).toBe("valid");
  expect(valid.certificate).toBeDefined();
  const chain = await client.downloadCertificate(valid.certificate!);
  return { pem: chain.pem, order: valid };
}

function splitPem(pem: string): x509.X509Certificate[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!.map((block) => new x509.X509Certificate(block));
}

/** Pebble prints serials as big-endian hex without leading zeros. */
function pebbleSerial(cert: x509.X509Certificate): string {
  return cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, "");
}

describe("AcmeClient against Pebble", () => {
  it("creates an account and finds it again with onlyReturnExisting", async () => {
    const { accountKey, client } = await newClient();
    const directory = await client.getDirectory();
    expect(directory.newOrder).toMatch(/^https:\/\/localhost:\d+\//);
    expect(directory.renewalInfo).toBeUndefined(); // Pebble 2.4 has no ARI

    const { accountUrl, account, created } = await client.createAccount({ termsOfServiceAgreed: true, contact: ["mailto:e2e@certdesk.test"] });
    expect(created).toBe(true);
    expect(account.status).toBe("valid");
    expect(accountUrl).toMatch(/^https:\/\/localhost:\d+\//);

    const again = new AcmeClient({ directoryUrl: e2e().pebbleDirectoryUrl, accountKey });
    expect(await again.findAccount()).toBe(accountUrl);
    const stranger = (await newClient()).client;
    expect(await stranger.findAccount()).toBeNull();
  });

  it("issues over DNS-01, chains to Pebble's root, and revokes", async () => {
    const { client } = await newClient();
    await client.createAccount({ termsOfServiceAgreed: true });
    const names = [randomName("dns"), randomName("dns")];
    const { pem } = await issue(client, names);

    const [leaf, ...issuers] = splitPem(pem);
    expect(leaf).toBeDefined();
    const san = leaf!.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.items.map((n) => n.value).sort()).toEqual([...names].sort());

    const { root, intermediate } = await pebbleRoots();
    const rootCert = new x509.X509Certificate(root);
    const chain = await new x509.X509ChainBuilder({ certificates: [...issuers, new x509.X509Certificate(intermediate), rootCert] }).build(leaf!);
    expect(chain.at(-1)?.equal(rootCert)).toBe(true);
    expect(await leaf!.verify({ publicKey: issuers[0]!.publicKey, signatureOnly: true })).toBe(true);
    expect(await chain.at(-1)!.verify({ signatureOnly: true })).toBe(true); // self-signed root

    expect(await client.getRenewalInfo(pem)).toBeNull(); // the directory offers no renewalInfo

    expect((await pebbleCertStatus(pebbleSerial(leaf!))).Status).toBe("Valid");
    await client.revokeCertificate(leaf!.rawData, 4); // superseded
    const status = await pebbleCertStatus(pebbleSerial(leaf!));
    expect(status.Status).toBe("Revoked");
    expect(status.Reason).toBe(4);
    const again = await client.revokeCertificate(leaf!.rawData).catch((e: unknown) => e);
    expect(isAcmeProblem(again, "alreadyRevoked")).toBe(true);
  });

  it("a name Pebble cannot validate fails with a typed problem naming the identifier", async () => {
    const { client } = await newClient();
    await client.createAccount({ termsOfServiceAgreed: true });
    const name = randomName("fail");
    const order = await client.newOrder({ identifiers: [name] });
    const authz = await client.getAuthorization(order.authorizations[0]!);
    const challenge = authz.challenges.find((c) => c.type === "dns-01")!;
    await client.respondToChallenge(challenge.url); // no TXT record set
    const error = (await client.waitForAuthorization(authz.url, { deadline: Date.now() + DEADLINE_MS }).catch((e: unknown) => e)) as AcmeProblem;
    expect(isAcmeProblem(error)).toBe(true);
    expect(isAcmeProblem(error, "unauthorized") || isAcmeProblem(error, "dns")).toBe(true);
    expect(error.detail).toContain(name);
    expect(error.subproblems[0]?.identifier).toEqual({ type: "dns", value: name });
    const orderError = await client.waitForOrder(order.url, { deadline: Date.now() + DEADLINE_MS }).catch((e: unknown) => e);
    expect(isAcmeProblem(orderError)).toBe(true);
  });

  it("finalizing an order that is not ready is an orderNotReady problem", async () => {
    const { client } = await newClient();
    await client.createAccount({ termsOfServiceAgreed: true });
    const name = randomName("early");
    const order = await client.newOrder({ identifiers: [name] });
    const error = await client.finalizeOrder(order, (await csrFor([name])).der).catch((e: unknown) => e);
    expect(isAcmeProblem(error, "orderNotReady")).toBe(true);
  });
});

describe("AcmeClient against a hostile Pebble", () => {
  let extra: ExtraPebble;
  beforeAll(async () => {
    // PEBBLE_WFE_NONCEREJECT=50: half of all good nonces are refused.
    extra = await startExtraPebble({ nonceReject: 50 });
  });
  afterAll(async () => {
    await extra?.remove();
  });

  it("still issues a chain that verifies when half of all nonces are rejected (badNonce retries)", async () => {
    let badNonces = 0;
    const counting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 400 && response.headers.get("content-type")?.includes("problem")) {
        const body = (await response.clone().json()) as { type?: string };
        if (body.type === "urn:ietf:params:acme:error:badNonce") badNonces++;
      }
      return response;
    };
    const { client } = await newClient(extra.directoryUrl, counting);
    await client.createAccount({ termsOfServiceAgreed: true });
    const { pem } = await issue(client, [randomName("nonce")]);
    const [leaf, ...issuers] = splitPem(pem);
    expect(issuers.length).toBeGreaterThan(0);
    expect(await leaf!.verify({ publicKey: issuers[0]!.publicKey, signatureOnly: true })).toBe(true);
    const { root } = await pebbleRoots(extra.managementUrl);
    const rootCert = new x509.X509Certificate(root);
    const chain = await new x509.X509ChainBuilder({ certificates: [...splitPem(pem).slice(1), rootCert] }).build(leaf!);
    expect(chain.at(-1)?.equal(rootCert)).toBe(true);
    expect(badNonces).toBeGreaterThan(0);
  });
});
