/**
 * CNAME-delegated DNS-01 against Pebble (RFC 8555 §8.4): challtestsrv holds the customer's
 * `_acme-challenge.<name> CNAME <label>.<ACME_DELEGATION_ZONE>`, the Worker writes the TXT at the target through the
 * operator's provider (the Cloudflare fake, mirrored into challtestsrv), and Pebble follows the CNAME to validate.
 * No request carries DNS credentials.
 */
import "reflect-metadata";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, freshDomain, newProject, newTeamToken } from "../support/e2e-api";
import { clearCname, e2e, setCname } from "../support/pebble-context";

let token: string;
beforeAll(async () => {
  token = await newTeamToken();
});

const obtainDelegated = (projectId: string) =>
  api("POST", `/api/v1/projects/${projectId}/certificate/obtain`, token, { email: "admin@example.com", challengeType: "dns-01", dnsDelegation: true, keyType: "ec" });

async function txtAt(name: string): Promise<string[]> {
  const response = await fetch(`${e2e().dohUrl}?name=${encodeURIComponent(name)}&type=TXT`, { headers: { accept: "application/dns-json" } });
  const body = (await response.json()) as { Answer?: { type: number; data: string }[] };
  return (body.Answer ?? []).filter((a) => a.type === 16).map((a) => a.data);
}

describe("CNAME-delegated DNS-01 against Pebble", () => {
  it("names the record, refuses until it is in place, then issues and renews with no customer credentials", async () => {
    const domain = freshDomain("deleg");
    const projectId = await newProject(token, domain);
    const pending = await api("GET", `/api/v1/projects/${projectId}/dns-delegation`, token);
    expect(pending.status, pending.text).toBe(200);
    expect(pending.body).toMatchObject({ recordName: `_acme-challenge.${domain}`, recordType: "CNAME", status: "pending", found: null });
    const target = pending.body.recordValue as string;
    expect(target).toMatch(new RegExp(`^[a-z2-7]{26}\\.${inject("delegationZone").replace(/\./g, "\\.")}$`));

    const refused = await obtainDelegated(projectId);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toContain(`\`_acme-challenge.${domain}. CNAME ${target}.\``);

    await setCname(`_acme-challenge.${domain}`, target);
    const active = await api("GET", `/api/v1/projects/${projectId}/dns-delegation`, token);
    expect(active.body).toMatchObject({ status: "active", found: target });

    const obtained = await obtainDelegated(projectId);
    expect(obtained.status, obtained.text).toBe(200);
    const cert = (await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body;
    expect(cert).toMatchObject({ type: "letsencrypt", names: [domain], dnsDelegation: true });
    expect(JSON.stringify(cert)).not.toContain(inject("cloudflareApiToken"));
    // The TXT was written at the target and removed afterwards; nothing was ever written at the customer's name.
    expect(await txtAt(target)).toEqual([]);

    const renewed = await api("POST", `/api/v1/projects/${projectId}/certificate/renew`, token);
    expect(renewed.status, renewed.text).toBe(200);
    expect(renewed.body.certificate.renewedFrom).toBe(cert.issuedAt);
  });

  it("an apex and its wildcard share one record, and both issue through it", async () => {
    const base = freshDomain("delegwild");
    const apex = await newProject(token, base);
    const created = await api("POST", "/api/v1/projects", token, { name: `wild-${base.replace(/\./g, "-")}`.slice(0, 60), domain: `*.${base}` });
    expect(created.status, created.text).toBe(200);
    const wildcard = created.body.id as string;
    const a = (await api("GET", `/api/v1/projects/${apex}/dns-delegation`, token)).body;
    const w = (await api("GET", `/api/v1/projects/${wildcard}/dns-delegation`, token)).body;
    expect(w).toMatchObject({ recordName: a.recordName, recordValue: a.recordValue });
    await setCname(a.recordName, a.recordValue);
    const first = await obtainDelegated(wildcard);
    expect(first.status, first.text).toBe(200);
    const second = await obtainDelegated(apex);
    expect(second.status, second.text).toBe(200);
    expect((await api("GET", `/api/v1/projects/${wildcard}/certificate`, token)).body.names).toEqual([`*.${base}`]);
  });

  it("a CNAME pointing at another label is refused before any order, naming the record wanted", async () => {
    const domain = freshDomain("delegwrong");
    const projectId = await newProject(token, domain);
    const wanted = (await api("GET", `/api/v1/projects/${projectId}/dns-delegation`, token)).body;
    const elsewhere = `aaaaaaaaaaaaaaaaaaaaaaaaaa.${inject("delegationZone")}`;
    await setCname(wanted.recordName, elsewhere);
    expect((await api("GET", `/api/v1/projects/${projectId}/dns-delegation`, token)).body).toMatchObject({ status: "wrong_target", found: elsewhere });
    const refused = await obtainDelegated(projectId);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toContain(`it points to ${elsewhere}`);
    expect(refused.body.error).toContain(wanted.recordValue);
    await clearCname(wanted.recordName);
    expect((await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body).toBeNull();
  });
});
