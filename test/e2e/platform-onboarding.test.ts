/**
 * A platform onboarding its customers' domains, against a real Pebble with the default limits (the e2e run sets no
 * CA_CALLS_BURST or CA_CALLS_PER_HOUR): 40 customer domains added at once, each obtained concurrently by one team,
 * all get a certificate. The CA-call limit matches Let's Encrypt's own per-account burst, so none is refused by ours.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import { LIMIT_DEFAULTS } from "../../src/core/config";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";

x509.cryptoProvider.set(crypto);

const CUSTOMERS = 40;

let token: string;
beforeAll(async () => {
  token = await newTeamToken();
});

describe("a platform team's burst of new domains", () => {
  it(`${CUSTOMERS} concurrent obtains of one team all get a certificate with the default limits`, { timeout: 240_000 }, async () => {
    expect(CUSTOMERS).toBeLessThan(LIMIT_DEFAULTS.CA_CALLS_BURST);
    const domains = Array.from({ length: CUSTOMERS }, (_, i) => freshDomain(`customer${i}`));
    const projects = await Promise.all(domains.map((domain) => newProject(token, domain)));

    const answers = await Promise.all(projects.map((projectId) => obtainHttp01(token, projectId)));
    // Issued within the request's wait, or still running past it (202 pending, on a busy machine): never refused.
    const refused = answers.filter((answer) => answer.status !== 200 && answer.status !== 202).map((answer) => `${answer.status} ${answer.text}`);
    expect(refused).toEqual([]);
    answers.forEach((answer, i) => {
      if (answer.status === 200) expect(answer.body).toMatchObject({ success: true, certificate: { domain: domains[i] } });
      else expect(answer.body).toMatchObject({ success: true, pending: true });
    });

    // A pending job stores its certificate when it ends: one read per pending project per round, until all have one.
    const pending = new Set(projects.filter((_, i) => answers[i]!.status === 202));
    await eventually(async () => {
      for (const projectId of [...pending]) {
        if ((await api("GET", `/api/v1/projects/${projectId}/certificate`, token)).body) pending.delete(projectId);
      }
      return pending.size === 0 ? true : undefined;
    }, 120_000).catch(async () => {
      const statuses = await Promise.all([...pending].map((projectId) => api("GET", `/api/v1/projects/${projectId}/certificate/status`, token)));
      throw new Error(`no certificate yet for ${pending.size} projects: ${statuses.map((status) => status.text).join("; ")}`);
    });

    // Each project holds a certificate for its own domain.
    const stored = await Promise.all(projects.map((projectId) => api("GET", `/api/v1/projects/${projectId}/certificate`, token)));
    stored.forEach((got, i) => {
      expect(got.status, got.text).toBe(200);
      expect(got.body).toMatchObject({ domain: domains[i], names: [domains[i]], type: "letsencrypt" });
      const leaf = new x509.X509Certificate(got.body.certificatePem);
      expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((name) => name.value)).toEqual([domains[i]]);
    });
  });
});
