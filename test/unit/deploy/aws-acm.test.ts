/** The AWS Certificate Manager target against the ACM fake: import, re-import into the same ARN, and ACM's errors. */
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { awsAcmTarget, createAwsAcmTarget } from "../../../src/deploy/aws-acm";
import type { DeployBundle, DeployPrevious, DeployTarget, DeployTargetOptions } from "../../../src/deploy/target";
import { createAcmFake, type AcmFake } from "../../support/deploy-fakes/aws-acm";
import { keyMismatch } from "../../support/deploy-fakes/key-match";
import { makeChain, type ChainOptions } from "../../support/pki-fixtures";
import { expectAppError } from "../dns/expect-failure";

const KEY = { accessKeyId: "AKIAFAKEACM012345678", secretAccessKey: "acmFakeSecretKey/0123456789abcdefghijklmno" };
const WRONG_SECRET = "acmWrongSecretKey/0123456789abcdefghijklmn";
const REGION = "eu-west-1";
const ORIGIN = "https://acm.eu-west-1.amazonaws.com";
const ATTEMPT = { deliveryId: "dlv_1", targetId: "tgt_1" };
const FIRST: DeployPrevious = { remoteId: null };
const ARN = /^arn:aws:acm:eu-west-1:123456789012:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fakeAcm(options: { sessionToken?: string; now?: () => number } = {}): AcmFake {
  return createAcmFake({ ...KEY, region: REGION, ...options });
}

function acmTarget(fake: { fetch: typeof fetch }, settings: Record<string, unknown> = {}, credentials: Record<string, unknown> = KEY, options: DeployTargetOptions = {}): DeployTarget {
  return createAwsAcmTarget(
    awsAcmTarget.settings.parse({ region: REGION, ...settings }),
    awsAcmTarget.credentials.parse(credentials),
    { fetch: fake.fetch, ...options },
  );
}

async function bundleFor(options: ChainOptions = {}): Promise<DeployBundle> {
  const chain = await makeChain({ names: ["shop.example.com"], ...options });
  return {
    certificateId: "crt_1",
    names: ["shop.example.com"],
    serial: chain.leaf.serialNumber,
    fingerprint: "00".repeat(32),
    keyType: options.key ?? "EC-P256",
    issuedAt: chain.leaf.notBefore.getTime(),
    expiresAt: chain.leaf.notAfter.getTime(),
    certificatePem: chain.leafPem,
    chainPem: options.selfSigned ? "" : (chain.intermediatePem ?? ""),
    privateKeyPem: chain.keyPem,
  };
}

/** The ImportCertificate bodies the fake received, parsed. */
function importBodies(fake: AcmFake): Record<string, string>[] {
  return fake.requests.filter((r) => r.target === "CertificateManager.ImportCertificate").map((r) => JSON.parse(r.body) as Record<string, string>);
}

const decode = (blob: string | undefined) => (blob === undefined ? undefined : new TextDecoder().decode(Uint8Array.from(atob(blob), (c) => c.charCodeAt(0))));

/** A deploy that must fail as a deploy-target error naming no credential. */
async function deployError(promise: Promise<unknown>): Promise<AppError> {
  const error = await expectAppError(promise);
  expect(error.code).toBe("deploy_target_error");
  for (const secret of [KEY.secretAccessKey, WRONG_SECRET, KEY.accessKeyId]) expect(error.message).not.toContain(secret);
  return error;
}

describe("AWS Certificate Manager target", () => {
  describe("import and re-import", () => {
    it("imports a first certificate as a new ARN, with PEM blobs, JSON 1.1 headers and SigV4 for acm/<region>", async () => {
      const fake = fakeAcm();
      const bundle = await bundleFor();
      const { remoteId } = await acmTarget(fake).deploy(bundle, FIRST, ATTEMPT);

      expect(remoteId).toMatch(ARN);
      expect(fake.certificates.get(remoteId)).toMatchObject({
        certificatePem: bundle.certificatePem,
        privateKeyPem: bundle.privateKeyPem,
        chainPem: bundle.chainPem,
        imports: 1,
      });
      const [request] = fake.requests;
      expect(request!.target).toBe("CertificateManager.ImportCertificate");
      expect(request!.headers.get("content-type")).toBe("application/x-amz-json-1.1");
      expect(request!.headers.get("authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEACM012345678\/\d{8}\/eu-west-1\/acm\/aws4_request, /);
      expect(fake.lastScope()).toMatch(/^\d{8}\/eu-west-1\/acm\/aws4_request$/);
      const [body] = importBodies(fake);
      expect(Object.keys(body!).sort()).toEqual(["Certificate", "CertificateChain", "PrivateKey"]);
      expect(decode(body!.Certificate)).toBe(bundle.certificatePem);
      expect(decode(body!.CertificateChain)).toBe(bundle.chainPem);
    });

    it("sends to the regional endpoint", async () => {
      const fake = fakeAcm();
      const seen: string[] = [];
      const spy: typeof fetch = async (input, init) => {
        seen.push(new Request(input, init).url);
        return fake.fetch(input, init);
      };
      await acmTarget({ fetch: spy }).deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(seen).toEqual([`${ORIGIN}/`]);
    });

    it("re-imports a renewal into the same ARN: ACM then holds the new certificate and its own key", async () => {
      const fake = fakeAcm();
      const target = acmTarget(fake);
      const first = await target.deploy(await bundleFor(), FIRST, ATTEMPT);
      const renewal = await bundleFor();
      const second = await target.deploy(renewal, first, ATTEMPT);

      expect(second.remoteId).toBe(first.remoteId);
      expect(fake.certificates.size).toBe(1);
      const held = fake.certificates.get(first.remoteId)!;
      expect(held.imports).toBe(2);
      expect(held.certificatePem).toBe(renewal.certificatePem);
      expect(held.privateKeyPem).toBe(renewal.privateKeyPem);
      expect(await keyMismatch(held.certificatePem, held.privateKeyPem)).toBeUndefined();
      expect(importBodies(fake)[1]!.CertificateArn).toBe(first.remoteId);

      // DescribeCertificate agrees: the serial ACM reports is the renewal's.
      const aws = new AwsClient({ ...KEY, service: "acm", region: REGION });
      const described = await fake.fetch(
        await aws.sign(`${ORIGIN}/`, {
          method: "POST",
          headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "CertificateManager.DescribeCertificate" },
          body: JSON.stringify({ CertificateArn: first.remoteId }),
        }),
      );
      const { Certificate } = (await described.json()) as { Certificate: { Serial: string; Type: string } };
      expect(Certificate.Type).toBe("IMPORTED");
      expect(Certificate.Serial.replace(/:/g, "")).toBe(`${renewal.serial.length % 2 ? "0" : ""}${renewal.serial.toLowerCase()}`);
    });

    it("imports into the certificateArn of the settings, even the first time", async () => {
      const fake = fakeAcm();
      const existing = await bundleFor();
      const arn = fake.seed(existing);
      const { remoteId } = await acmTarget(fake, { certificateArn: arn }).deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(remoteId).toBe(arn);
      expect(fake.certificates.size).toBe(1);
      expect(fake.certificates.get(arn)!.imports).toBe(2);
      expect(fake.certificates.get(arn)!.certificatePem).not.toBe(existing.certificatePem);
    });

    it("imports afresh when the ARN it remembered was deleted (in the console, say)", async () => {
      const fake = fakeAcm();
      const target = acmTarget(fake);
      const first = await target.deploy(await bundleFor(), FIRST, ATTEMPT);
      fake.certificates.delete(first.remoteId);
      const renewal = await bundleFor();
      const second = await target.deploy(renewal, first, ATTEMPT);

      expect(second.remoteId).toMatch(ARN);
      expect(second.remoteId).not.toBe(first.remoteId);
      expect(fake.certificates.get(second.remoteId)!.certificatePem).toBe(renewal.certificatePem);
      const bodies = importBodies(fake);
      expect(bodies.map((b) => b.CertificateArn)).toEqual([undefined, first.remoteId, undefined]);
    });

    it("does not re-import into a remembered ARN of another region (the region was changed)", async () => {
      const fake = fakeAcm();
      const elsewhere = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
      const { remoteId } = await acmTarget(fake).deploy(await bundleFor(), { remoteId: elsewhere }, ATTEMPT);
      expect(remoteId).toMatch(ARN);
      expect(importBodies(fake).map((b) => b.CertificateArn)).toEqual([undefined]);
    });

    it("fails clearly, and imports nothing, when the certificateArn of the settings does not exist", async () => {
      const fake = fakeAcm();
      const missing = "arn:aws:acm:eu-west-1:123456789012:certificate/0b5c9a0e-1f1e-4c7a-9d0a-3f1e2d3c4b5a";
      const error = await deployError(acmTarget(fake, { certificateArn: missing }).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe(
        `AWS Certificate Manager has no certificate ${missing} to re-import into (HTTP 400); set certificateArn to an existing imported certificate, or remove it to import a new one`,
      );
      expect(error.retryable).toBe(false);
      expect(fake.certificates.size).toBe(0);
      expect(importBodies(fake)).toHaveLength(1);
    });

    it("sends no chain for a self-signed certificate, which ACM accepts", async () => {
      const fake = fakeAcm();
      const bundle = await bundleFor({ selfSigned: true });
      const { remoteId } = await acmTarget(fake).deploy(bundle, FIRST, ATTEMPT);
      expect(importBodies(fake)[0]).not.toHaveProperty("CertificateChain");
      expect(fake.certificates.get(remoteId)!.chainPem).toBeUndefined();
    });

    it("signs with the session token of temporary credentials", async () => {
      const sessionToken = "FwoGZXIvYXdzEJr-session-token";
      const fake = fakeAcm({ sessionToken });
      const { remoteId } = await acmTarget(fake, {}, { ...KEY, sessionToken }).deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(remoteId).toMatch(ARN);
      expect(fake.requests[0]!.headers.get("x-amz-security-token")).toBe(sessionToken);
    });

    it("dates the signature with the injected clock", async () => {
      const fixed = Date.now() - 3 * 3_600_000; // signed at the real time, the fake (on this clock) would call it expired
      const now = () => fixed;
      const fake = fakeAcm({ now });
      await acmTarget(fake, {}, KEY, { now }).deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(fake.requests[0]!.headers.get("x-amz-date")).toBe(new Date(fixed).toISOString().replace(/[:-]|\.\d{3}/g, ""));
      expect(fake.certificates.size).toBe(1);
    });

    it("sends to the operator's base URL instead of the regional endpoint", async () => {
      const fake = fakeAcm();
      const seen: string[] = [];
      const spy: typeof fetch = async (input, init) => {
        seen.push(new Request(input, init).url);
        return fake.fetch(input, init);
      };
      await acmTarget({ fetch: spy }, {}, KEY, { baseUrl: "http://127.0.0.1:9911" }).deploy(await bundleFor(), FIRST, ATTEMPT);
      expect(seen).toEqual(["http://127.0.0.1:9911/"]);
      expect(fake.certificates.size).toBe(1);
    });
  });

  describe("errors", () => {
    it("passes on ACM's refusal of a key that is not the certificate's, as an error retrying cannot fix", async () => {
      const fake = fakeAcm();
      const bundle = { ...(await bundleFor()), privateKeyPem: (await bundleFor()).privateKeyPem };
      const error = await deployError(acmTarget(fake).deploy(bundle, FIRST, ATTEMPT));
      expect(error.message).toBe(
        "AWS Certificate Manager failed to import the certificate (HTTP 400): ValidationException: The private key does not match the certificate",
      );
      expect(error.retryable).toBe(false);
      expect(fake.certificates.size).toBe(0);
    });

    it("passes on ACM's refusal of a CA-issued certificate sent without its chain", async () => {
      const fake = fakeAcm();
      const bundle = { ...(await bundleFor()), chainPem: "" };
      const error = await deployError(acmTarget(fake).deploy(bundle, FIRST, ATTEMPT));
      expect(error.message).toMatch(/^AWS Certificate Manager failed to import the certificate \(HTTP 400\): ValidationException: .*chain is required/);
    });

    it("passes on ACM's refusal to change the key type of an imported certificate on re-import", async () => {
      const fake = fakeAcm();
      const target = acmTarget(fake);
      const first = await target.deploy(await bundleFor(), FIRST, ATTEMPT);
      const error = await deployError(target.deploy(await bundleFor({ key: "RSA-2048" }), first, ATTEMPT));
      expect(error.message).toMatch(/ValidationException: The key type and size cannot be changed when reimporting \(EC_prime256v1 to RSA_2048\)/);
      expect(fake.certificates.get(first.remoteId)!.imports).toBe(1);
    });

    it("says the access key was rejected when the secret is wrong, without quoting it", async () => {
      const fake = fakeAcm();
      const error = await deployError(acmTarget(fake, {}, { ...KEY, secretAccessKey: WRONG_SECRET }).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toMatch(/^AWS Certificate Manager rejected the access key \(HTTP 4\d\d\): InvalidSignatureException: The request signature we calculated/);
      expect(fake.certificates.size).toBe(0);
    });

    it("says the access key was rejected when AWS does not know it", async () => {
      const fake = fakeAcm();
      const error = await deployError(acmTarget(fake, {}, { ...KEY, accessKeyId: "AKIAUNKNOWN000000000" }).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toMatch(/^AWS Certificate Manager rejected the access key \(HTTP 403\): UnrecognizedClientException/);
      expect(error.message).not.toContain("AKIAUNKNOWN000000000");
    });

    it("carries Retry-After when ACM throttles, and succeeds once it stops", async () => {
      const fake = fakeAcm();
      const target = acmTarget(fake);
      fake.throttleNext(1, { retryAfter: 7 });
      const error = await deployError(target.deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe("AWS Certificate Manager throttled the request to import the certificate (HTTP 400): ThrottlingException: Rate exceeded");
      expect(error.retryAfter).toBe(7);
      expect(error.retryable).toBe(true);

      fake.throttleNext(1);
      const again = await deployError(target.deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(again.retryAfter).toBeUndefined();
      expect(again.message).toMatch(/throttled/);

      expect((await target.deploy(await bundleFor(), FIRST, ATTEMPT)).remoteId).toMatch(ARN);
    });

    it("reports ACM being unavailable as a retryable failure", async () => {
      const fake = fakeAcm();
      fake.down(true);
      const error = await deployError(acmTarget(fake).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe(
        "AWS Certificate Manager failed to import the certificate (HTTP 503): ServiceUnavailable: The request has failed due to a temporary failure of the server.",
      );
      expect(error.retryable).toBe(true);
    });

    it("reads namespaced error types and the X-Amzn-Errortype header, and scrubs credentials from AWS's message", async () => {
      const answers = [
        new Response(JSON.stringify({ __type: "com.amazonaws.acm#AccessDeniedException:http://internal.amazon.com/", Message: `User with key ${KEY.accessKeyId} is not authorized` }), {
          status: 400,
        }),
        new Response(JSON.stringify({ message: `denied for ${KEY.secretAccessKey}` }), { status: 400, headers: { "x-amzn-errortype": "ExpiredTokenException:extra" } }),
      ];
      const fetch: typeof globalThis.fetch = async () => answers.shift()!;
      const first = await deployError(acmTarget({ fetch }).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(first.message).toBe("AWS Certificate Manager rejected the access key (HTTP 400): AccessDeniedException: User with key [redacted] is not authorized");
      const second = await deployError(acmTarget({ fetch }).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(second.message).toBe("AWS Certificate Manager rejected the access key (HTTP 400): ExpiredTokenException: denied for [redacted]");
    });

    it("calls a 2xx without a CertificateArn unreadable", async () => {
      const fetch: typeof globalThis.fetch = async () => new Response("{}", { status: 200 });
      const error = await deployError(acmTarget({ fetch }).deploy(await bundleFor(), FIRST, ATTEMPT));
      expect(error.message).toBe("AWS Certificate Manager returned an unreadable response to import the certificate (HTTP 200)");
    });
  });

  describe("settings and credentials", () => {
    type Issue = { code: string; path: PropertyKey[]; message: string; keys?: string[] };
    // An unknown field is reported by its code and key (the service words that message itself).
    const issues = (schema: { safeParse(v: unknown): { error?: { issues: Issue[] } } }, value: unknown) =>
      schema.safeParse(value).error?.issues.map((i) => (i.code === "unrecognized_keys" ? `unknown: ${i.keys?.join(",")}` : `${i.path.join(".")}: ${i.message}`)) ?? [];

    it("accepts a region, and an ARN in that region", () => {
      const arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0b5c9a0e-1f1e-4c7a-9d0a-3f1e2d3c4b5a";
      expect(awsAcmTarget.settings.parse({ region: " eu-west-1 ", certificateArn: arn })).toEqual({ region: "eu-west-1", certificateArn: arn });
      expect(awsAcmTarget.requiredNames({ region: "eu-west-1" })).toEqual([]);
    });

    it.each([
      [{ region: "Europe" }, "region: Must be an AWS region such as us-east-1"],
      [{ region: "eu-west-1", certificateArn: "arn:aws:acm:eu-west-1:123:certificate/x" }, "certificateArn: Must be an ACM certificate ARN: arn:aws:acm:<region>:<account>:certificate/<id>"],
      [
        { region: "eu-west-1", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0b5c9a0e-1f1e-4c7a-9d0a-3f1e2d3c4b5a" },
        "certificateArn: Must be a certificate in eu-west-1, the target's region",
      ],
      [{ region: "eu-west-1", zone: "x" }, "unknown: zone"],
    ])("refuses settings %j", (value, message) => {
      expect(issues(awsAcmTarget.settings, value)).toEqual([message]);
    });

    it("refuses credentials without quoting them", () => {
      const bad = { accessKeyId: "AKIA-NOT-A-KEY-ID-0", secretAccessKey: "" };
      const found = issues(awsAcmTarget.credentials, bad);
      expect(found).toContain("accessKeyId: Must be an AWS access key ID (16 to 128 letters and digits)");
      expect(found).toContain("secretAccessKey: Must not be empty");
      for (const issue of found) expect(issue).not.toContain(bad.accessKeyId);
      expect(issues(awsAcmTarget.credentials, { ...KEY, region: "eu-west-1" })).toEqual(["unknown: region"]);
      expect(issues(awsAcmTarget.credentials, { accessKeyId: KEY.accessKeyId })).toEqual(["secretAccessKey: Required"]);
    });
  });
});
