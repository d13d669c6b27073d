/**
 * The issuer resumes its order after a reset: the object is reset (as an eviction or a deploy would) right after it
 * saves each step, its alarm picks the job up, and Pebble sees exactly one order per certificate.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";
import { e2e, settledOrderCount } from "../support/pebble-context";

let token: string;

beforeAll(async () => {
  token = await newTeamToken();
});

async function armCrash(projectId: string, after: string): Promise<void> {
  const res = await api("POST", "/api/v1/admin/test/issuer-crash", e2e().adminToken, { projectId, after });
  expect(res.status, res.text).toBe(200);
  expect(res.body.armed).toBe(true);
}

const steps = ["ordered", "presenting", "answered", "finalizing", "finalized"] as const;

describe("an issuer reset mid-order", () => {
  it.each(steps)("after saving %s: resumes the same order, one order at the CA, one certificate", async (step) => {
    const domain = freshDomain(`evict-${step}`);
    const projectId = await newProject(token, domain);
    await armCrash(projectId, step);
    const before = await settledOrderCount();

    const res = await obtainHttp01(token, projectId);
    // The reset breaks the call in flight: the caller is told the issuance is pending and polls status.
    expect([200, 202], res.text).toContain(res.status);
    let last: unknown;
    const status = await eventually(async () => {
      const s = (await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).body;
      last = s;
      return s?.status === "valid" ? s : undefined;
    }, 60_000).catch((error) => {
      throw new Error(`${error}: last status ${JSON.stringify(last)}`);
    });
    expect(status.domain).toBe(domain);
    const certificate = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    expect(certificate.names).toEqual([domain]);
    expect((await settledOrderCount()) - before).toBe(1);
  });

  it("DNS-01, reset after answering: the resumed order issues and the TXT record the crashed attempt left is removed", async () => {
    const domain = freshDomain("evict-dns");
    const projectId = await newProject(token, domain);
    await armCrash(projectId, "answered");
    const before = await settledOrderCount();
    const res = await api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, {
      email: "admin@example.com",
      challengeType: "dns-01",
      dnsProvider: "cloudflare",
      dnsCredentials: { apiToken: inject("cloudflareApiToken") },
      keyType: "ec",
    });
    expect([200, 202], res.text).toContain(res.status);
    await eventually(async () => {
      const s = (await api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)).body;
      return s?.status === "valid" ? s : undefined;
    }, 60_000);
    expect((await settledOrderCount()) - before).toBe(1);
    const record = `_acme-challenge.${domain}`;
    const txt = await eventually(async () => {
      const response = await fetch(`${e2e().dohUrl}?name=${encodeURIComponent(record)}&type=TXT`, { headers: { accept: "application/dns-json" } });
      const answers = (((await response.json()) as { Answer?: { data: string }[] }).Answer ?? []).map((a) => a.data);
      return answers.length === 0 ? answers : undefined;
    });
    expect(txt).toEqual([]);
  });

  it("takes the operator token: a team token gets 401", async () => {
    const res = await api("POST", "/api/v1/admin/test/issuer-crash", token, { projectId: "prj_x", after: "ordered" });
    expect(res.status).toBe(401);
  });
});
