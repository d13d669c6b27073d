/** Google Cloud DNS specifics: the service-account JWT, token reuse, managed zones, conditional changes. */
import { beforeAll, describe, expect, it } from "vitest";
import { createGoogleProvider } from "../../../src/dns/google";
import type { GoogleCredentials } from "../../../src/dns/credentials";
import { createGoogleFake } from "../../support/dns-fakes/google";
import { generateServiceAccountKey, type ServiceAccountKey } from "../../support/dns-fakes/keys";
import { expectAppError } from "./expect-failure";

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

    it("uses the key file's token_uri and a configured managed zone", async () => {
      const tokenUri = "https://oauth2.example.test/custom/token";
      const fake = createGoogleFake({ projectId: "my-project-123", clientEmail: EMAIL, publicKey: key.publicKey, zones: ZONES, tokenUri });
      await createGoogleProvider(credentials({ token_uri: tokenUri }, { managedZone: "example-com" }), { fetch: fake.fetch }).present(FQDN, "v1");
      expect(fake.lastClaims()?.aud).toBe(tokenUri);
      expect(fake.requests.some((r) => r.includes("managedZones?"))).toBe(false);
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
  });
});
