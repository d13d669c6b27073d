/**
 * A platform onboarding its customers' domains, against a real Pebble with the default limits (the e2e run sets no
 * CA_CALLS_BURST or CA_CALLS_PER_HOUR): 40 customer domains added at once, each obtained concurrently by one team,
 * all get a certificate. The CA-call limit matches Let's Encrypt's own per-account burst, so none is refused by ours.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { LIMIT_DEFAULTS } from "../../src/core/config";
import { api, eventually, freshDomain, newProject, newTeamToken, obtainHttp01 } from "../support/e2e-api";

/** What `GET /api/v1/certificates` says of each certificate (the fields read here). */
interface InventoryEntry {
  projectId: string | null;
  domain: string;
  names: string[];
  type: string;
  status: string;
  issuer: string;
  autoRenew: boolean;
}

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

    // A pending job stores its certificate when it ends. The team's inventory shows them all in one request (fewer
    // requests through wrangler dev's proxy than one per project).
    const inventory = await eventually(async () => {
      const page = await api("GET", "/api/v1/certificates?limit=200", token);
      expect(page.status, page.text).toBe(200);
      return page.body.certificates.length >= CUSTOMERS ? (page.body.certificates as InventoryEntry[]) : undefined;
    }, 120_000);
    expect(inventory).toHaveLength(CUSTOMERS);
    const byProject = new Map(inventory.map((certificate) => [certificate.projectId, certificate]));
    projects.forEach((projectId, i) => {
      expect(byProject.get(projectId)).toMatchObject({ domain: domains[i], names: [domains[i]], type: "letsencrypt", status: "valid", autoRenew: true });
      expect(byProject.get(projectId)!.issuer).toMatch(/Pebble/);
    });
  });
});
