/** The Cloudflare deploy targets against the fake of Cloudflare's SSL endpoints, with keys and certificates made here. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { cloudflareCustomHostnameTarget, createCloudflareCustomHostnameTarget } from "../../../src/deploy/cloudflare-custom-hostname";
import { cloudflareZoneCertificateTarget, createCloudflareZoneCertificateTarget } from "../../../src/deploy/cloudflare-zone-certificate";
import type { DeployBundle, DeployTarget, DeployTargetOptions } from "../../../src/deploy/target";
import { createCloudflareSslFake } from "../../support/deploy-fakes/cloudflare-ssl";
import { makeChain } from "../../support/pki-fixtures";
import { expectAppError } from "../dns/expect-failure";

const TOKEN = "cf-deploy-token-0123456789abcdefghijklmnop";
const WRONG_TOKEN = "cf-deploy-token-WRONG-0123456789abcdefghij";
const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ZONE_NAME = "acme-shop.com";
const HOSTNAME = "shop.acme-customer.com";
const ATTEMPT = { deliveryId: "dlv_1", targetId: "tgt_1" };
const FIRST = { remoteId: null };

function fakeCloudflare(options: { rateLimit?: { requests: number; windowMs: number }; now?: () => number } = {}) {
  return createCloudflareSslFake({ apiToken: TOKEN, zones: { [ZONE]: ZONE_NAME }, ...options });
}

/** A fresh key and certificate (leaf + intermediate) for `names`, as a delivery carries them. */
async function bundleFor(names: string[]): Promise<DeployBundle> {
  const chain = await makeChain({ names });
  return {
    certificateId: "crt_1",
    names,
    serial: chain.leaf.serialNumber,
    fingerprint: "00".repeat(32),
    keyType: "EC-P256",
    issuedAt: chain.leaf.notBefore.getTime(),
    expiresAt: chain.leaf.notAfter.getTime(),
    certificatePem: chain.leafPem,
    chainPem: chain.intermediatePem ?? "",
    privateKeyPem: chain.keyPem,
  };
}

/** What both APIs are sent as the certificate: the leaf, then its chain. */
function sentCertificate(bundle: DeployBundle): string {
  return `${bundle.certificatePem.trim()}\n${bundle.chainPem.trim()}\n`;
}

function hostnameTarget(options: DeployTargetOptions, hostname = HOSTNAME, apiToken = TOKEN): DeployTarget {
  const settings = cloudflareCustomHostnameTarget.settings.parse({ zoneId: ZONE, hostname });
  return createCloudflareCustomHostnameTarget(settings, { apiToken }, options);
}

function zoneTarget(options: DeployTargetOptions, bundleMethod?: string, apiToken = TOKEN): DeployTarget {
  const settings = cloudflareZoneCertificateTarget.settings.parse({ zoneId: ZONE, ...(bundleMethod ? { bundleMethod } : {}) });
  return createCloudflareZoneCertificateTarget(settings, { apiToken }, options);
}

/** A deploy that must fail as a deploy-target error that names no token. */
async function deployError(promise: Promise<unknown>): Promise<AppError> {
  const error = await expectAppError(promise);
  expect(error.code).toBe("deploy_target_error");
  expect(error.message).not.toContain(TOKEN);
  expect(error.message).not.toContain(WRONG_TOKEN);
  return error;
}

const paths = {
  hostnames: `/client/v4/zones/${ZONE}/custom_hostnames`,
  certificates: `/client/v4/zones/${ZONE}/custom_certificates`,
};

describe("Cloudflare custom hostname target", () => {
  it("creates the custom hostname with the certificate, its chain and its key on the first delivery", async () => {
    const fake = fakeCloudflare();
    const bundle = await bundleFor([HOSTNAME]);
    const { remoteId } = await hostnameTarget({ fetch: fake.fetch }).deploy(bundle, FIRST, ATTEMPT);

    const stored = fake.customHostnames.get(remoteId);
    expect(stored).toMatchObject({ hostname: HOSTNAME, zoneId: ZONE, ssl: { status: "active", serialHex: bundle.serial.toLowerCase() } });
    expect(stored?.ssl.certificatePem).toBe(sentCertificate(bundle));
    expect(stored?.ssl.keyPem).toBe(bundle.privateKeyPem);
    expect(fake.requests).toEqual([`GET ${paths.hostnames}?hostname=${HOSTNAME}`, `POST ${paths.hostnames}`]);
  });

  it("replaces the certificate of the same custom hostname on renewal (new key, new certificate)", async () => {
    const fake = fakeCloudflare();
    const target = hostnameTarget({ fetch: fake.fetch });
    const first = await target.deploy(await bundleFor([HOSTNAME]), FIRST, ATTEMPT);
    const renewal = await bundleFor([HOSTNAME]);
    const second = await target.deploy(renewal, first, ATTEMPT);

    expect(second.remoteId).toBe(first.remoteId);
    expect(fake.customHostnames.size).toBe(1);
    expect(fake.customHostnames.get(first.remoteId)?.ssl).toMatchObject({ serialHex: renewal.serial.toLowerCase(), keyPem: renewal.privateKeyPem });
    expect(fake.requests.at(-1)).toBe(`PATCH ${paths.hostnames}/${first.remoteId}`);
    expect(fake.requests).toHaveLength(3);
  });

  it("recreates a custom hostname deleted since the last delivery", async () => {
    const fake = fakeCloudflare();
    const target = hostnameTarget({ fetch: fake.fetch });
    const first = await target.deploy(await bundleFor([HOSTNAME]), FIRST, ATTEMPT);
    fake.customHostnames.delete(first.remoteId);
    fake.requests.length = 0;

    const second = await target.deploy(await bundleFor([HOSTNAME]), first, ATTEMPT);
    expect(second.remoteId).not.toBe(first.remoteId);
    expect(fake.customHostnames.get(second.remoteId)?.hostname).toBe(HOSTNAME);
    expect(fake.requests).toEqual([`PATCH ${paths.hostnames}/${first.remoteId}`, `GET ${paths.hostnames}?hostname=${HOSTNAME}`, `POST ${paths.hostnames}`]);
  });

  it("leaves the remembered custom hostname alone when the target's hostname changed since", async () => {
    const fake = fakeCloudflare();
    const old = await hostnameTarget({ fetch: fake.fetch }).deploy(await bundleFor([HOSTNAME]), FIRST, ATTEMPT);
    const oldSerial = fake.customHostnames.get(old.remoteId)?.ssl.serialHex;

    const moved = await hostnameTarget({ fetch: fake.fetch }, "www.acme-customer.com").deploy(await bundleFor(["www.acme-customer.com"]), old, ATTEMPT);
    expect(moved.remoteId).not.toBe(old.remoteId);
    expect(fake.customHostnames.get(moved.remoteId)?.hostname).toBe("www.acme-customer.com");
    expect(fake.customHostnames.get(old.remoteId)?.ssl.serialHex).toBe(oldSerial);
  });

  it("takes over a custom hostname created elsewhere with a Cloudflare-managed certificate", async () => {
    const fake = fakeCloudflare();
    const created = await fake.handle(
      new Request(`https://api.cloudflare.com${paths.hostnames}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ hostname: HOSTNAME, ssl: { method: "http", type: "dv" } }),
      }),
    );
    const existingId = ((await created.json()) as { result: { id: string } }).result.id;
    expect(fake.customHostnames.get(existingId)?.ssl.status).toBe("pending_validation");

    const bundle = await bundleFor([HOSTNAME]);
    const { remoteId } = await hostnameTarget({ fetch: fake.fetch }).deploy(bundle, FIRST, ATTEMPT);
    expect(remoteId).toBe(existingId);
    expect(fake.customHostnames.get(existingId)?.ssl).toMatchObject({ status: "active", serialHex: bundle.serial.toLowerCase() });
  });

  it("edits the custom hostname another writer created between the lookup and the create (409 code 1406)", async () => {
    const fake = fakeCloudflare();
    const other = await hostnameTarget({ fetch: fake.fetch }).deploy(await bundleFor([HOSTNAME]), FIRST, ATTEMPT);
    let hidden = false;
    // The first lookup misses it, as if the other writer had not finished yet.
    const hideOnce: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (!hidden && request.method === "GET") {
        hidden = true;
        return Response.json({ success: true, errors: [], messages: [], result: [] });
      }
      return fake.fetch(request);
    };
    const { remoteId } = await hostnameTarget({ fetch: hideOnce }).deploy(await bundleFor([HOSTNAME]), FIRST, ATTEMPT);
    expect(remoteId).toBe(other.remoteId);
    expect(fake.customHostnames.size).toBe(1);
    expect(fake.requests.slice(-3)).toEqual([`POST ${paths.hostnames}`, `GET ${paths.hostnames}?hostname=${HOSTNAME}`, `PATCH ${paths.hostnames}/${other.remoteId}`]);
  });

  it("accepts a wildcard certificate for a wildcard custom hostname", async () => {
    const fake = fakeCloudflare();
    const { remoteId } = await hostnameTarget({ fetch: fake.fetch }, "*.acme-customer.com").deploy(await bundleFor(["*.acme-customer.com"]), FIRST, ATTEMPT);
    expect(fake.customHostnames.get(remoteId)?.hostname).toBe("*.acme-customer.com");
  });

  it.each([
    { name: "a certificate for another name", hostname: HOSTNAME, names: ["www.acme-customer.com"] },
    { name: "a wildcard two labels up", hostname: "a.shop.acme-customer.com", names: ["*.acme-customer.com"] },
    { name: "a single name for a wildcard hostname", hostname: "*.acme-customer.com", names: [HOSTNAME] },
  ])("is refused by Cloudflare for $name (code 1446)", async ({ hostname, names }) => {
    const fake = fakeCloudflare();
    const error = await deployError(hostnameTarget({ fetch: fake.fetch }, hostname).deploy(await bundleFor(names), FIRST, ATTEMPT));
    expect(error.message).toBe(
      `Cloudflare custom hostname failed to create custom hostname ${hostname} (HTTP 400): The certificate that you uploaded does not include the custom hostname - ${hostname}. Review your input and try again. (code 1446)`,
    );
    expect(fake.customHostnames.size).toBe(0);
  });

  it("carries Cloudflare's refusal of a key that does not match the certificate (code 1429)", async () => {
    const fake = fakeCloudflare();
    const [a, b] = await Promise.all([bundleFor([HOSTNAME]), bundleFor([HOSTNAME])]);
    const error = await deployError(hostnameTarget({ fetch: fake.fetch }).deploy({ ...a, privateKeyPem: b.privateKeyPem }, FIRST, ATTEMPT));
    expect(error.message).toBe(
      `Cloudflare custom hostname failed to create custom hostname ${HOSTNAME} (HTTP 400): The private key you uploaded does not match the certificate. Check your input and try again. (code 1429)`,
    );
    expect(error.status).toBe(502);
    expect(fake.customHostnames.size).toBe(0);
  });

  it("carries Cloudflare's refusal of a key that is not PEM, also on renewal (code 1428)", async () => {
    const fake = fakeCloudflare();
    const target = hostnameTarget({ fetch: fake.fetch });
    const first = await target.deploy(await bundleFor([HOSTNAME]), FIRST, ATTEMPT);
    const renewal = await bundleFor([HOSTNAME]);
    const error = await deployError(target.deploy({ ...renewal, privateKeyPem: "not a key" }, first, ATTEMPT));
    expect(error.message).toBe(
      `Cloudflare custom hostname failed to upload the certificate to custom hostname ${HOSTNAME} (HTTP 400): The private key you uploaded cannot be parsed. Check your input and try again. (code 1428)`,
    );
    // The certificate already there stays.
    expect(fake.customHostnames.get(first.remoteId)?.ssl.serialHex).not.toBe(renewal.serial.toLowerCase());
  });

  it("says the plan, not the token, when a 403 is about the SaaS quota (code 1405)", async () => {
    const quota: typeof fetch = async (input, init) =>
      new Request(input, init).method === "GET"
        ? Response.json({ success: true, errors: [], messages: [], result: [] })
        : Response.json({ success: false, errors: [{ code: 1405, message: "Quota exceeded." }], messages: [], result: null }, { status: 403 });
    const error = await deployError(hostnameTarget({ fetch: quota }).deploy(await bundleFor([HOSTNAME]), FIRST, ATTEMPT));
    expect(error.message).toBe(`Cloudflare custom hostname failed to create custom hostname ${HOSTNAME} (HTTP 403): Quota exceeded. (code 1405)`);
  });

  it("requires exactly its hostname in the certificate", () => {
    const settings = cloudflareCustomHostnameTarget.settings.parse({ zoneId: ZONE, hostname: "*.Acme-Customer.com." });
    expect(cloudflareCustomHostnameTarget.requiredNames(settings)).toEqual(["*.acme-customer.com"]);
  });
});

describe("Cloudflare zone custom certificate target", () => {
  it("uploads an SNI custom certificate with the bundle method on the first delivery", async () => {
    const fake = fakeCloudflare();
    const bundle = await bundleFor([ZONE_NAME, `www.${ZONE_NAME}`]);
    const { remoteId } = await zoneTarget({ fetch: fake.fetch }, "force").deploy(bundle, FIRST, ATTEMPT);

    expect(fake.customCertificates.get(remoteId)).toMatchObject({
      zoneId: ZONE,
      type: "sni_custom",
      bundleMethod: "force",
      hosts: [ZONE_NAME, `www.${ZONE_NAME}`],
      certificatePem: sentCertificate(bundle),
      keyPem: bundle.privateKeyPem,
    });
    expect(fake.requests).toEqual([`POST ${paths.certificates}`]);
  });

  it("defaults to the ubiquitous bundle method", async () => {
    const fake = fakeCloudflare();
    const { remoteId } = await zoneTarget({ fetch: fake.fetch }).deploy(await bundleFor([ZONE_NAME]), FIRST, ATTEMPT);
    expect(fake.customCertificates.get(remoteId)?.bundleMethod).toBe("ubiquitous");
  });

  it("replaces the certificate on renewal and keeps the id Cloudflare answers with (sni_custom PATCH gives a new one)", async () => {
    const fake = fakeCloudflare();
    const target = zoneTarget({ fetch: fake.fetch });
    const first = await target.deploy(await bundleFor([ZONE_NAME]), FIRST, ATTEMPT);
    const renewal = await bundleFor([ZONE_NAME]);
    const second = await target.deploy(renewal, first, ATTEMPT);

    expect(fake.requests.at(-1)).toBe(`PATCH ${paths.certificates}/${first.remoteId}`);
    expect([...fake.customCertificates.keys()]).toEqual([second.remoteId]);
    expect(fake.customCertificates.get(second.remoteId)).toMatchObject({ serialHex: renewal.serial.toLowerCase(), keyPem: renewal.privateKeyPem });
    // The next renewal goes to the id the last one returned.
    const third = await target.deploy(await bundleFor([ZONE_NAME]), second, ATTEMPT);
    expect(fake.requests.at(-1)).toBe(`PATCH ${paths.certificates}/${second.remoteId}`);
    expect(fake.customCertificates.size).toBe(1);
    expect(fake.customCertificates.has(third.remoteId)).toBe(true);
  });

  it("uploads anew a custom certificate deleted in the dashboard since the last delivery", async () => {
    const fake = fakeCloudflare();
    const target = zoneTarget({ fetch: fake.fetch });
    const first = await target.deploy(await bundleFor([ZONE_NAME]), FIRST, ATTEMPT);
    fake.customCertificates.delete(first.remoteId);
    fake.requests.length = 0;

    const renewal = await bundleFor([ZONE_NAME]);
    const second = await target.deploy(renewal, first, ATTEMPT);
    expect(fake.customCertificates.get(second.remoteId)?.serialHex).toBe(renewal.serial.toLowerCase());
    expect(fake.requests).toEqual([
      `PATCH ${paths.certificates}/${first.remoteId}`,
      `GET ${paths.certificates}/${first.remoteId}`,
      `POST ${paths.certificates}`,
    ]);
  });

  it("reports an invalid certificate on renewal instead of uploading it anew when the old one still exists (code 1002)", async () => {
    const fake = fakeCloudflare();
    const target = zoneTarget({ fetch: fake.fetch });
    const first = await target.deploy(await bundleFor([ZONE_NAME]), FIRST, ATTEMPT);
    const renewal = await bundleFor([ZONE_NAME]);
    const error = await deployError(target.deploy({ ...renewal, certificatePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", chainPem: "" }, first, ATTEMPT));
    expect(error.message).toBe(`Cloudflare zone custom certificate failed to replace custom certificate ${first.remoteId} in zone ${ZONE} (HTTP 400): Invalid certificate. (code 1002)`);
    expect(fake.requests.slice(1)).toEqual([`PATCH ${paths.certificates}/${first.remoteId}`, `GET ${paths.certificates}/${first.remoteId}`]);
    expect([...fake.customCertificates.keys()]).toEqual([first.remoteId]);
  });

  it("carries Cloudflare's refusal of a key that does not match the certificate (code 2200)", async () => {
    const fake = fakeCloudflare();
    const [a, b] = await Promise.all([bundleFor([ZONE_NAME]), bundleFor([ZONE_NAME])]);
    const error = await deployError(zoneTarget({ fetch: fake.fetch }).deploy({ ...a, privateKeyPem: b.privateKeyPem }, FIRST, ATTEMPT));
    expect(error.message).toBe(
      `Cloudflare zone custom certificate failed to upload a custom certificate to zone ${ZONE} (HTTP 400): The certificate and private key pair you uploaded is invalid. (code 2200)`,
    );
    expect(fake.customCertificates.size).toBe(0);
  });

  it("carries Cloudflare's refusal of a certificate for names outside the zone (code 2103)", async () => {
    const fake = fakeCloudflare();
    const error = await deployError(zoneTarget({ fetch: fake.fetch }).deploy(await bundleFor(["shop.other-zone.com"]), FIRST, ATTEMPT));
    expect(error.message).toMatch(/\(HTTP 400\): The certificate chain you uploaded does not include any hostnames from your zone\. .* \(code 2103\)$/);
  });

  it("needs no particular name in the certificate", () => {
    expect(cloudflareZoneCertificateTarget.requiredNames(cloudflareZoneCertificateTarget.settings.parse({ zoneId: ZONE }))).toEqual([]);
  });
});

describe.each([
  { label: "Cloudflare custom hostname", names: [HOSTNAME], make: hostnameTarget, firstAction: `look up custom hostname ${HOSTNAME}` },
  {
    label: "Cloudflare zone custom certificate",
    names: [ZONE_NAME],
    make: (options: DeployTargetOptions, _?: string, apiToken = TOKEN) => zoneTarget(options, undefined, apiToken),
    firstAction: `upload a custom certificate to zone ${ZONE}`,
  },
])("$label: failures and where it calls", ({ label, names, make, firstAction }) => {
  it("reports a rejected token with the status and Cloudflare's message", async () => {
    const fake = fakeCloudflare();
    const error = await deployError(make({ fetch: fake.fetch }, undefined, WRONG_TOKEN).deploy(await bundleFor(names), FIRST, ATTEMPT));
    expect(error.message).toBe(`${label} rejected the API token (HTTP 403): Invalid access token (code 9109)`);
    expect(error.status).toBe(502);
  });

  it("treats Cloudflare's 400 auth codes as a rejected token", async () => {
    const fake = fakeCloudflare();
    const dropAuth: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const headers = new Headers(request.headers);
      headers.delete("authorization");
      return fake.fetch(new Request(request, { headers }));
    };
    const error = await deployError(make({ fetch: dropAuth }).deploy(await bundleFor(names), FIRST, ATTEMPT));
    expect(error.message).toMatch(new RegExp(`^${label} rejected the API token \\(HTTP 400\\): Invalid request headers \\(code 6003\\)`));
  });

  it("carries Retry-After when Cloudflare throttles it (429 code 971)", async () => {
    const fake = fakeCloudflare();
    fake.throttleNext(1, 42);
    const error = await deployError(make({ fetch: fake.fetch }).deploy(await bundleFor(names), FIRST, ATTEMPT));
    expect(error.message).toBe(`${label} rate-limited the request to ${firstAction} (HTTP 429): Please wait and consider throttling your request speed (code 971)`);
    expect(error.retryAfter).toBe(42);
    // Only the next request was throttled.
    await expect(make({ fetch: fake.fetch }).deploy(await bundleFor(names), FIRST, ATTEMPT)).resolves.toMatchObject({ remoteId: expect.any(String) });
  });

  it("meets the fake's request limit, then gets through once the window has passed", async () => {
    let clock = 1_000_000;
    const fake = fakeCloudflare({ rateLimit: { requests: 2, windowMs: 60_000 }, now: () => clock });
    const target = make({ fetch: fake.fetch });
    const first = await target.deploy(await bundleFor(names), FIRST, ATTEMPT);
    await target.deploy(await bundleFor(names), first, ATTEMPT).catch(() => undefined);
    const error = await deployError(target.deploy(await bundleFor(names), first, ATTEMPT));
    expect(error.retryAfter).toBe(60);
    clock += 60_000;
    await expect(target.deploy(await bundleFor(names), FIRST, ATTEMPT)).resolves.toMatchObject({ remoteId: expect.any(String) });
  });

  it("reports an outage (503 HTML page) as a deploy-target error", async () => {
    const fake = fakeCloudflare();
    fake.down(true);
    const error = await deployError(make({ fetch: fake.fetch }).deploy(await bundleFor(names), FIRST, ATTEMPT));
    expect(error.message).toBe(`${label} failed to ${firstAction} (HTTP 503)`);
    fake.down(false);
    await expect(make({ fetch: fake.fetch }).deploy(await bundleFor(names), FIRST, ATTEMPT)).resolves.toMatchObject({ remoteId: expect.any(String) });
  });

  it("never repeats a token Cloudflare echoes back", async () => {
    const echo: typeof fetch = async (_input, init) =>
      Response.json(
        { success: false, errors: [{ code: 1003, message: `Token ${new Headers(init?.headers).get("authorization")} is malformed` }], result: null },
        { status: 400 },
      );
    const error = await deployError(make({ fetch: echo }).deploy(await bundleFor(names), FIRST, ATTEMPT));
    expect(error.message).toBe(`${label} failed to ${firstAction} (HTTP 400): Token Bearer [redacted] is malformed (code 1003)`);
  });

  it("calls api.cloudflare.com by default and only baseUrl's origin when given", async () => {
    const fake = fakeCloudflare();
    const urls: string[] = [];
    const recording: typeof fetch = (input, init) => (urls.push(new Request(input, init).url), fake.fetch(input, init));
    await make({ fetch: recording }).deploy(await bundleFor(names), FIRST, ATTEMPT);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.every((u) => u.startsWith("https://api.cloudflare.com/client/v4/zones/"))).toBe(true);

    urls.length = 0;
    const target = make({ fetch: recording, baseUrl: "http://127.0.0.1:8788/" });
    const first = await target.deploy(await bundleFor(names), FIRST, ATTEMPT);
    await target.deploy(await bundleFor(names), first, ATTEMPT);
    expect(urls.length).toBeGreaterThan(1);
    expect(urls.every((u) => u.startsWith("http://127.0.0.1:8788/client/v4/zones/"))).toBe(true);
  });

  it("reports a 2xx body that is not JSON", async () => {
    const garbage: typeof fetch = async () => new Response("not json", { status: 200 });
    const error = await deployError(make({ fetch: garbage }).deploy(await bundleFor(names), FIRST, ATTEMPT));
    expect(error.message).toBe(`${label} returned an unreadable response to ${firstAction} (HTTP 200)`);
  });
});

describe("settings and credentials", () => {
  const secret = "SeCrEt-0123456789-token";
  const firstIssue = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string; code: string }[] } }) => {
    expect(result.success).toBe(false);
    return result.error!.issues[0]!;
  };

  it.each([
    { input: { hostname: HOSTNAME }, path: ["zoneId"], message: "Required" },
    { input: { zoneId: "023e105f4ecef8ad9ca31a8372d0c35", hostname: HOSTNAME }, path: ["zoneId"], message: "Must be a Cloudflare zone ID (32 lower-case hexadecimal characters)" },
    { input: { zoneId: ZONE.toUpperCase(), hostname: HOSTNAME }, path: ["zoneId"], message: "Must be a Cloudflare zone ID (32 lower-case hexadecimal characters)" },
    { input: { zoneId: ZONE }, path: ["hostname"], message: "Required" },
    { input: { zoneId: ZONE, hostname: 42 }, path: ["hostname"], message: "Must be a string" },
    ...["https://shop.acme-customer.com", "shop", "shop..acme-customer.com", "-shop.acme-customer.com", "a.*.acme-customer.com", "10.0.0.1", "bücher.example.com"].map((hostname) => ({
      input: { zoneId: ZONE, hostname },
      path: ["hostname"],
      message: "Must be a host name such as shop.example.com or *.example.com (ASCII; an IDN in its xn-- form)",
    })),
  ])("custom hostname settings refuse $input", ({ input, path, message }) => {
    const issue = firstIssue(cloudflareCustomHostnameTarget.settings.safeParse(input));
    expect(issue.path).toEqual(path);
    expect(issue.message).toBe(message);
  });

  it("custom hostname settings normalize the hostname and refuse unknown fields", () => {
    expect(cloudflareCustomHostnameTarget.settings.parse({ zoneId: ` ${ZONE} `, hostname: " Shop.ACME-Customer.com. " })).toEqual({ zoneId: ZONE, hostname: HOSTNAME });
    const issue = firstIssue(cloudflareCustomHostnameTarget.settings.safeParse({ zoneId: ZONE, hostname: HOSTNAME, zone: "x" }));
    expect(issue.code).toBe("unrecognized_keys");
    expect(firstIssue(cloudflareCustomHostnameTarget.settings.safeParse(null)).message).toBe("Must be an object");
  });

  it("zone certificate settings refuse an unknown bundle method and a bad zone id", () => {
    const method = firstIssue(cloudflareZoneCertificateTarget.settings.safeParse({ zoneId: ZONE, bundleMethod: "fastest" }));
    expect(method).toMatchObject({ path: ["bundleMethod"], message: "Must be one of ubiquitous, optimal, force" });
    const zone = firstIssue(cloudflareZoneCertificateTarget.settings.safeParse({ zoneId: "not-a-zone" }));
    expect(zone).toMatchObject({ path: ["zoneId"], message: "Must be a Cloudflare zone ID (32 lower-case hexadecimal characters)" });
    expect(cloudflareZoneCertificateTarget.settings.parse({ zoneId: ZONE, bundleMethod: "optimal" })).toEqual({ zoneId: ZONE, bundleMethod: "optimal" });
  });

  it.each([cloudflareCustomHostnameTarget, cloudflareZoneCertificateTarget])("$kind credentials take one API token and never echo it", (entry) => {
    expect(entry.credentials.parse({ apiToken: ` ${secret}\n` })).toEqual({ apiToken: secret });
    const cases = [
      { input: {}, path: ["apiToken"], message: "Required" },
      { input: { apiToken: `${secret} x` }, path: ["apiToken"], message: "Must not contain whitespace" },
      { input: { apiToken: "x".repeat(513) }, path: ["apiToken"], message: "Must be at most 512 characters" },
      { input: { apiToken: secret, apiKey: secret }, path: [], message: expect.any(String) },
    ];
    for (const { input, path, message } of cases) {
      const issue = firstIssue(entry.credentials.safeParse(input));
      expect(issue).toMatchObject({ path, message });
      expect(issue.message).not.toContain(secret);
    }
  });

  it("both targets are Cloudflare's, overridden by the same base URL key", () => {
    expect([cloudflareCustomHostnameTarget, cloudflareZoneCertificateTarget].map((e) => [e.kind, e.label, e.apiName])).toEqual([
      ["cloudflare_custom_hostname", "Cloudflare custom hostname", "cloudflare"],
      ["cloudflare_zone_certificate", "Cloudflare zone custom certificate", "cloudflare"],
    ]);
  });
});
