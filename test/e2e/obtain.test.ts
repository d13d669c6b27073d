/** Obtain through the API against a real Pebble: HTTP-01 validated over this Worker's challenge route. */
import { beforeAll, describe, expect, it } from "vitest";
import { api, freshDomain, newProject as createProject, newTeamToken } from "../support/e2e-api";
import { verifiesUpTo } from "../support/chain-check";
import { caNetwork, e2e, pebbleRoots, restartPebble } from "../support/pebble-context";

let token: string;
const fresh = freshDomain;
const newProject = (domain: string) => createProject(token, domain);

beforeAll(async () => {
  token = await newTeamToken();
});

describe("obtain over HTTP-01 against Pebble", () => {
  it("issues a certificate that chains to Pebble's root and covers the domain", async () => {
    const domain = fresh("http");
    const projectId = await newProject(domain);
    const res = await api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, {
      email: "admin@example.com",
      challengeType: "http-01",
      keyType: "ec",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ success: true, certificate: { domain, autoRenew: true } });
    expect(res.text).not.toMatch(/PRIVATE KEY/);

    const got = await api("GET", `/api/v1/projects/${projectId}/certificate`, token);
    expect(got.body).toMatchObject({ domain, type: "letsencrypt", names: [domain], keyType: "EC-P256" });
    const { root } = await pebbleRoots();
    expect(await verifiesUpTo(got.body.certificatePem, got.body.chainPem, root)).toBe(true);

    const status = await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token);
    expect(status.body).toMatchObject({ status: "valid", autoRenew: true, lastRenewError: null });
    expect(status.body.nextRenewalAt).not.toBeNull();
  });

  it("fails with the seed's message when the name does not point at this service, storing nothing", async () => {
    const domain = fresh("nowhere");
    // challtestsrv answers this name with an address where nothing listens.
    const added = await fetch(`${e2e().challtestsrvUrl}/add-a`, { method: "POST", body: JSON.stringify({ host: domain, addresses: ["127.0.0.2"] }) });
    expect(added.ok).toBe(true);
    const projectId = await newProject(domain);
    const res = await api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, { email: "admin@example.com", challengeType: "http-01", keyType: "ec" });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatch(/^HTTP-01 challenge failed: /);
    expect(res.body.code).toBe("challenge_failed");
    expect((await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body).toBeNull();
  });

  it("dryRun validates with the CA and stores nothing", async () => {
    const domain = fresh("dry");
    const projectId = await newProject(domain);
    const res = await api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, {
      email: "admin@example.com",
      challengeType: "http-01",
      dryRun: true,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ success: true, dryRun: true, validated: [domain] });
    expect((await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body).toBeNull();
  });

  it("20 concurrent obtains for one project: one order, one certificate, consistent answers", async () => {
    const domain = fresh("burst");
    const projectId = await newProject(domain);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, { email: "admin@example.com", challengeType: "http-01", keyType: "ec" }),
      ),
    );
    for (const a of answers) expect(a.status, a.text).toBe(200);
    const serials = new Set(answers.map((a) => a.body.certificate.issuedAt + a.body.certificate.expiresAt));
    expect(serials.size).toBe(1);
    expect(await caNetwork.ordersFor(domain)).toBe(1);
  });

  it("a different request for the same certificate waits its turn instead of joining", async () => {
    const domain = fresh("queue");
    const projectId = await newProject(domain);
    const obtain = (keyType: string) =>
      api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, { email: "admin@example.com", challengeType: "http-01", keyType });
    const [ec, rsa] = await Promise.all([obtain("ec"), obtain("rsa")]);
    expect(ec.status, ec.text).toBe(200);
    expect(rsa.status, rsa.text).toBe(200);
    expect(await caNetwork.ordersFor(domain)).toBe(2);
    const stored = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    expect(["EC-P256", "RSA-2048"]).toContain(stored.keyType);
  });

  it("still issues when Pebble rejects half the nonces", async () => {
    await restartPebble(50);
    try {
      // A restarted Pebble has forgotten every account: the stored one must be replaced transparently.
      const domain = fresh("nonce");
      const projectId = await newProject(domain);
      const res = await api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, { email: "admin@example.com", challengeType: "http-01", keyType: "ec" });
      expect(res.status, res.text).toBe(200);
    } finally {
      await restartPebble();
    }
  });
});
