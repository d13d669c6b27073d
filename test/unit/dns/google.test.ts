/** Google Cloud DNS specifics: the service-account JWT, token reuse, managed zones, conditional changes, waiting for `done`. */
import { beforeAll, describe, expect, it } from "vitest";
import { createGoogleProvider, type GoogleCredentials } from "../../../src/dns/google";
import { derToPem } from "../../../src/pki";
import { createGoogleFake } from "../../support/dns-fakes/google";
import { generateServiceAccountKey, type ServiceAccountKey } from "../../support/dns-fakes/keys";
import { expectAppError } from "./expect-failure";
import { virtualClock } from "./virtual-clock";

const EMAIL = "certdesk-dns@my-project-123.iam.gserviceaccount.com";
const FQDN = "_acme-challenge.www.example.com";
const ZONES = [{ name: "example-com", dnsName: "example.com." }];
let key: ServiceAccountKey;

beforeAll(async () => {
  key = await generateServiceAccountKey();
});

function credentials(overrides: Partial<GoogleCredentials["credentials"]> = {}, extra: Partial<GoogleCredentials> = {}): GoogleCredentials {
  return { projectId: "my-project-123", credentials: { client_email: EMAIL, private_key: key.privateKeyPem, private_key_id: "kid-1", ...overrides }, ...extra };
}

describe("Google Cloud DNS provider", () => {
  describe("happy path", () => {
    it("signs an RS256 assertion the token endpoint verifies, then uses the access token", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      await createGoogleProvider(credentials(), { fetch: fake.fetch }).present(FQDN, "v1");
      const claims = fake.lastClaims()!;
      expect(claims).toMatchObject({
        iss: EMAIL,
        scope: "https://www.googleapis.com/auth/ndev.clouddns.readwrite",
        aud: "https://oauth2.googleapis.com/token",
      });
      expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
      expect(fake.txt(FQDN)).toEqual(["v1"]);
      expect(fake.requests[0]).toBe("POST /token");
      expect(fake.requests).toContain("GET /dns/v1/projects/my-project-123/managedZones?dnsName=example.com.");
    });

    it("reuses the access token across calls", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      const provider = createGoogleProvider(credentials(), { fetch: fake.fetch });
      await provider.present(FQDN, "v1");
      await provider.present(FQDN, "v2");
      await provider.cleanUp(FQDN, "v1");
      expect(fake.tokensIssued()).toBe(1);
      expect(fake.txt(FQDN)).toEqual(["v2"]);
    });

    it("uses a configured managed zone without looking zones up", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      await createGoogleProvider(credentials({}, { managedZone: "example-com" }), { fetch: fake.fetch }).present(FQDN, "v1");
      expect(fake.requests.some((r) => r.includes("managedZones?"))).toBe(false);
      expect(fake.txt(FQDN)).toEqual(["v1"]);
    });

    it("never calls a key file's own token_uri, even one stored before the schema refused it", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      const hosts: string[] = [];
      const spy: typeof fetch = (input, init) => (hosts.push(new URL(new Request(input, init).url).host), fake.fetch(input, init));
      await createGoogleProvider(credentials({ token_uri: "https://169.254.169.254/token" }), { fetch: spy }).present(FQDN, "v1");
      expect(new Set(hosts)).toEqual(new Set(["oauth2.googleapis.com", "dns.googleapis.com"]));
      expect(fake.lastClaims()?.aud).toBe("https://oauth2.googleapis.com/token");
    });

    it("reads a key whose newlines arrived JSON-escaped", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      const escaped = key.privateKeyPem.replace(/\n/g, "\\n");
      await createGoogleProvider(credentials({ private_key: escaped }), { fetch: fake.fetch }).present(FQDN, "v1");
      expect(fake.txt(FQDN)).toEqual(["v1"]);
    });

    it("retries once when the set changed between read and write (412)", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      fake.seed(FQDN, "other");
      fake.failNextChange();
      await createGoogleProvider(credentials(), { fetch: fake.fetch }).present(FQDN, "mine");
      expect(fake.txt(FQDN)).toEqual(["other", "mine"]);
    });
  });

  describe("settle: changes.get until done", () => {
    it("polls each pending change until Cloud DNS reports it done", async () => {
      const clock = virtualClock();
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES, now: clock.now, doneAfterMs: 3_000 });
      const provider = createGoogleProvider(credentials(), { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
      await provider.present(FQDN, "a");
      await provider.present(FQDN, "b");
      expect(fake.changeStatus("2")).toBe("pending");
      await provider.settle!(clock.now() + 120_000);
      expect(fake.changeStatus("1")).toBe("done");
      expect(fake.changeStatus("2")).toBe("done");
      expect(clock.sleeps).toEqual([2_000, 2_000]);
      expect(new Set(fake.requests.filter((r) => r.includes("/changes/")))).toEqual(
        new Set(["GET /dns/v1/projects/my-project-123/managedZones/example-com/changes/1", "GET /dns/v1/projects/my-project-123/managedZones/example-com/changes/2"]),
      );
    });

    it("gives up at the deadline, naming the change still pending", async () => {
      const clock = virtualClock();
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES, now: clock.now, doneAfterMs: 600_000 });
      const provider = createGoogleProvider(credentials(), { fetch: fake.fetch, now: clock.now, sleep: clock.sleep });
      await provider.present(FQDN, "a");
      const error = await expectAppError(provider.settle!(clock.now() + 5_000));
      expect(error.message).toBe("Google Cloud DNS did not apply change 1 in example-com on all of its DNS servers in time (status pending, waiting for done)");
    });
  });

  describe("conflicts (HTTP 409/412 from changes.create)", () => {
    /** The fake, with every change answered `status` and each change request counted. */
    function failingChanges(fake: { fetch: typeof fetch }, status: number, error: { status: string; message: string }) {
      const changes: string[] = [];
      const spy: typeof fetch = async (input, init) => {
        const request = new Request(input, init);
        if (request.method !== "POST" || !request.url.endsWith("/changes")) return fake.fetch(request);
        changes.push(request.url);
        return Response.json({ error: { code: status, ...error } }, { status });
      };
      return { changes, fetch: spy };
    }

    it("reads again once, then reports the conflict", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      const { changes, fetch } = failingChanges(fake, 412, { status: "FAILED_PRECONDITION", message: "Precondition not met" });
      const error = await expectAppError(createGoogleProvider(credentials(), { fetch }).present(FQDN, "v1"));
      expect(error.message).toBe(`Google Cloud DNS failed to add a TXT value at ${FQDN} (HTTP 412): FAILED_PRECONDITION: Precondition not met`);
      expect(changes).toHaveLength(2);
    });

    it("does not retry a change Cloud DNS refuses for another reason", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      const { changes, fetch } = failingChanges(fake, 400, { status: "INVALID_ARGUMENT", message: "Invalid value for 'entity.change.additions[0]'" });
      const error = await expectAppError(createGoogleProvider(credentials(), { fetch }).present(FQDN, "v1"));
      expect(error.message).toMatch(/\(HTTP 400\): INVALID_ARGUMENT: /);
      expect(changes).toHaveLength(1);
    });
  });

  describe("errors", () => {
    it("reports a service account the token endpoint does not know", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: "someone-else@x.iam.gserviceaccount.com", publicKey: key.publicKey, zones: ZONES });
      const error = await expectAppError(createGoogleProvider(credentials(), { fetch: fake.fetch }).present(FQDN, "v1"));
      expect(error.code).toBe("dns_provider_error");
      expect(error.message).toBe("Google Cloud DNS rejected the service account credentials (HTTP 400): invalid_grant: Invalid grant: account not found");
    });

    it("reports a project the account may not use", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      const provider = createGoogleProvider(credentials({}, { projectId: "other-project" }), { fetch: fake.fetch });
      const error = await expectAppError(provider.present(FQDN, "v1"));
      expect(error.message).toBe("Google Cloud DNS rejected the service account credentials (HTTP 403): PERMISSION_DENIED: Forbidden");
    });

    it("refuses a private key WebCrypto cannot import, as a 400 about that field", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      const pem = "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n";
      const error = await expectAppError(createGoogleProvider(credentials({ private_key: pem }), { fetch: fake.fetch }).present(FQDN, "v1"));
      expect(error.code).toBe("validation_failed");
      expect(error.status).toBe(400);
      expect(error.param).toBe("dnsCredentials.credentials.private_key");
    });

    it("refuses a valid PKCS#8 key that is not RSA, as RS256 needs one", async () => {
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES });
      const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
      const pem = derToPem(new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer), "PRIVATE KEY");
      const error = await expectAppError(createGoogleProvider(credentials({ private_key: pem }), { fetch: fake.fetch }).present(FQDN, "v1"));
      expect(error.code).toBe("validation_failed");
      expect(error.message).toBe("dnsCredentials.credentials.private_key: Not a usable RSA PKCS#8 private key");
    });
  });
});
