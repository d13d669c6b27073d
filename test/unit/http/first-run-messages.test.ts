/**
 * The messages a newcomer meets first: a body that is not JSON says where it broke (never echoing the body, which may
 * hold a key), and a token of the wrong kind says which kind the route needs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../../src/core/config";
import { malformedJsonPosition } from "../../../src/http/malformed-json";
import { withLocalCaHint } from "../../../src/routes/native/certificate-acme";
import { ADMIN_TOKEN, call, newTenant, type Tenant } from "../../support/api";

describe("malformedJsonPosition", () => {
  it.each([
    ['{"name": "web",}', "line 1, column 16"],
    ['{\n  "name": "web"\n  "domain": "x"\n}', "line 3, column 3"],
    ['{"certificate": "-----BEGIN CERTIFICATE-----\nMIIB"}', "line 1, column 45"],
  ])("points at the first character the parser refuses: %j", (text, position) => {
    expect(malformedJsonPosition(text)).toBe(position);
  });

  it("says when the body ends before the JSON value does", () => {
    expect(malformedJsonPosition('{"name": "web"')).toBe("line 1, column 15 (the body ends before the JSON value does)");
  });

  it("is null for JSON", () => {
    expect(malformedJsonPosition('{"name": "web"}')).toBeNull();
  });
});

describe("on real routes", () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await newTenant();
  });

  it("a body with a raw newline in a PEM: 400 with its line and column and the jq hint, the key not echoed", async () => {
    const secret = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg";
    const res = await call("POST", "/api/v1/projects", {
      token: tenant.token,
      headers: { "Content-Type": "application/json" },
      body: `{"name": "web", "note": "${secret}"}`,
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: "invalid_json" });
    expect(res.body.error).toMatch(/^Request body is not valid JSON at line 1, column \d+: build bodies with jq/);
    expect(res.body.error).toContain("--rawfile");
    expect(res.text).not.toContain("MIGHAgEA");
  });

  it("the operator token on a team route: 401 saying a team token is needed and how the operator makes one", async () => {
    const res = await call("GET", "/api/v1/projects", { token: ADMIN_TOKEN });
    expect(res.status, res.text).toBe(401);
    expect(res.body.error).toMatch(/^This is the operator token \(ADMIN_TOKEN\); this route needs a team API token with the projects:read scope/);
    expect(res.body.error).toContain("POST /api/v1/admin/tokens");
  });

  it("a team token on an operator route: 401 saying the route needs the operator token", async () => {
    const res = await call("POST", "/api/v1/teams", { token: tenant.token, json: { slug: "x", name: "X" } });
    expect(res.status, res.text).toBe(401);
    expect(res.body.error).toBe("This route needs the operator token (ADMIN_TOKEN), not a team API token");
  });

  it("an unknown token stays a plain 401 on either kind of route", async () => {
    const team = await call("GET", "/api/v1/projects", { token: "cdk_unknown" });
    expect(team.body.error).toBe("Invalid or revoked API token");
    const operator = await call("POST", "/api/v1/teams", { token: "not-a-known-secret", json: { slug: "x", name: "X" } });
    expect(operator.body.error).toBe("Invalid admin token");
  });
});

describe("an obtain that cannot reach the CA", () => {
  const unreachable = { state: "failed", error: { code: "ca_unreachable", message: "Could not reach the ACME CA at https://ca.example/dir; nothing was stored", status: 503, retryable: true } } as const;
  const config = (CERTDESK_ENV: Config["CERTDESK_ENV"]) => ({ CERTDESK_ENV }) as Config;

  it("points at `npm run start:pebble` in development", () => {
    const outcome = withLocalCaHint(config("development"), unreachable);
    expect(outcome.state === "failed" && outcome.error.message).toBe(
      "Could not reach the ACME CA at https://ca.example/dir; nothing was stored. Running locally? `npm run start:pebble` serves the same data with a local test CA (Pebble) that issues at once",
    );
  });

  it("says nothing more in production, nor for another failure", () => {
    expect(withLocalCaHint(config("production"), unreachable)).toBe(unreachable);
    const refused = { state: "failed", error: { code: "bad_request", message: "The CA refused to issue", status: 400, retryable: false } } as const;
    expect(withLocalCaHint(config("development"), refused)).toBe(refused);
  });
});
