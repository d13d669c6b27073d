/** The SSRF report end to end: an obtain whose Google key file points token_uri elsewhere is a 400 naming the field. */
import { describe, expect, it } from "vitest";
import { call, newProject, newTenant } from "../../support/api";

const serviceAccount = {
  type: "service_account",
  client_email: "dns@proj-123456.iam.gserviceaccount.com",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
};

describe("obtain with Google Cloud DNS credentials", () => {
  it.each(["https://169.254.169.254/token", "https://attacker.example/token"])("refuses token_uri %s and stores nothing", async (tokenUri) => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const res = await call("POST", `/api/v1/projects/${project.id}/certificate/obtain`, {
      token: tenant.token,
      json: {
        email: "admin@example.com",
        challengeType: "dns-01",
        dnsProvider: "google",
        dnsCredentials: { projectId: "proj-123456", credentials: { ...serviceAccount, token_uri: tokenUri } },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      code: "validation_failed",
      error: "dnsCredentials.credentials.token_uri: Must be Google's token endpoint https://oauth2.googleapis.com/token (or left out)",
    });
    expect((await call("GET", `/api/v1/projects/${project.id}/certificate`, { token: tenant.token })).body).toBeNull();
  });
});
