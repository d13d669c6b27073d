/**
 * `GET /metrics` as a scraper sees it: the body parsed by a Prometheus text-format parser (parse-prometheus-text-format,
 * run here inside workerd like the rest of the suite), the certificates' gauges with their labels and values, who sees
 * which team, the refusals, label escaping, the counters a renewal moves, and what a scrape costs in D1 statements.
 */
import { env } from "cloudflare:test";
// @ts-expect-error -- the package ships no type declarations; `parseMetrics` below gives its result a type.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { beforeAll, describe, expect, it } from "vitest";
import { RETRY_POLICY } from "../../../src/acme";
import { DISABLED_THROUGH_API } from "../../../src/store/webhooks";
import { ADMIN_TOKEN, call, newProject, newTenant, type Tenant } from "../../support/api";
import { countingIsolate } from "../../support/d1-count";
import { makeChain } from "../../support/pki-fixtures";
import { storedAcmeCertificate } from "../issuance/acme-rows";
import { claimedDue as claimedDueOf, deliver } from "../issuance/queued-renewals";

interface ParsedSample {
  value: string;
  labels?: Record<string, string>;
}
interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: ParsedSample[];
}

const parseMetrics = (text: string): ParsedFamily[] => parsePrometheusTextFormat(text) as ParsedFamily[];

/** The samples of `family` whose labels include `match`. */
function samples(families: ParsedFamily[], family: string, match: Record<string, string> = {}): ParsedSample[] {
  const found = families.find((f) => f.name === family);
  if (!found) throw new Error(`no family ${family}`);
  return found.metrics.filter((m) => Object.entries(match).every(([k, v]) => m.labels?.[k] === v));
}

/** The one sample's value as a number; undefined when there is none. */
function valueOf(families: ParsedFamily[], family: string, match: Record<string, string>): number | undefined {
  const found = samples(families, family, match);
  expect(found.length, `${family} ${JSON.stringify(match)}`).toBeLessThanOrEqual(1);
  return found[0] === undefined ? undefined : Number(found[0].value);
}

async function scrape(token: string) {
  const res = await call("GET", "/metrics", { token });
  expect(res.status, res.text).toBe(200);
  return { res, families: parseMetrics(res.text) };
}

/** Uploads a fresh certificate for the project's domain; the upload's certificate and the chain. */
async function upload(tenant: Tenant, project: { id: string; domain: string | null }) {
  const chain = await makeChain({ names: [project.domain!] });
  const res = await call("POST", `/api/v1/projects/${project.id}/certificate/upload`, {
    token: tenant.token,
    json: { certificate: chain.chainPem, privateKey: chain.keyPem },
  });
  expect(res.status, res.text).toBe(200);
  return { certificate: res.body.certificate as { id: string }, chain };
}

let alpha: Tenant;
let beta: Tenant;
let alphaProject: { id: string; name: string; domain: string | null };
let alphaCert: Awaited<ReturnType<typeof upload>>;
let betaCert: Awaited<ReturnType<typeof upload>>;

beforeAll(async () => {
  [alpha, beta] = [await newTenant(), await newTenant()];
  alphaProject = await newProject(alpha);
  alphaCert = await upload(alpha, alphaProject);
  betaCert = await upload(beta, await newProject(beta));
});

describe("GET /metrics", () => {
  it("shows an uploaded certificate's expiry, readiness and labels, in the exposition format", async () => {
    const { res, families } = await scrape(alpha.readToken);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    // `issuer`: the issuing CA's subject as the upload's report read it (a private CA's certificates: private:<CA name>).
    const stored = await env.DB.prepare("SELECT issuer FROM certificates WHERE id = ?").bind(alphaCert.certificate.id).first<{ issuer: string }>();
    const labels = { id: alphaCert.certificate.id, team: alpha.slug, project: alphaProject.name, domain: alphaProject.domain!, type: "custom", issuer: stored!.issuer };
    const expiry = samples(families, "certdesk_certificate_expiration_timestamp_seconds", { id: labels.id });
    expect(expiry).toEqual([{ labels, value: String(Math.floor(alphaCert.chain.leaf.notAfter.getTime() / 1000)) }]);
    expect(valueOf(families, "certdesk_certificate_ready_status", { id: labels.id, condition: "True" })).toBe(1);
    expect(valueOf(families, "certdesk_certificate_ready_status", { id: labels.id, condition: "False" })).toBe(0);
    expect(valueOf(families, "certdesk_certificate_ready_status", { id: labels.id, condition: "Unknown" })).toBe(0);
    // Uploaded: nothing renews it, so no renewal time (a 0 would read as overdue).
    expect(samples(families, "certdesk_certificate_renewal_timestamp_seconds", { id: labels.id })).toEqual([]);
    expect(valueOf(families, "certdesk_certificate_renewal_consecutive_failures", { id: labels.id })).toBe(0);
  });

  it("gives every family a HELP and a TYPE line, and every sample a family", async () => {
    const { res, families } = await scrape(ADMIN_TOKEN);
    const lines = res.text.split("\n");
    expect(lines.pop()).toBe(""); // every line ends in a line feed
    const helped = lines.filter((l) => l.startsWith("# HELP ")).map((l) => l.split(" ")[2]!);
    const typed = new Map(lines.filter((l) => l.startsWith("# TYPE ")).map((l) => [l.split(" ")[2]!, l.split(" ")[3]!]));
    expect(new Set(helped)).toEqual(new Set(typed.keys()));
    for (const line of lines.filter((l) => !l.startsWith("#"))) expect(typed.has(line.split(/[{ ]/)[0]!), line).toBe(true);
    for (const [name, type] of typed) expect(type, name).toBe(name.endsWith("_total") ? "counter" : "gauge");
    expect(families.map((f) => f.name)).toEqual(expect.arrayContaining([
      "certdesk_certificate_expiration_timestamp_seconds",
      "certdesk_certificate_renewal_timestamp_seconds",
      "certdesk_certificate_ready_status",
      "certdesk_renewal_attempts_total",
      "certdesk_renewal_failures_total",
      "certdesk_acme_requests_total",
      "certdesk_metrics_truncated",
    ]));
    for (const family of families) expect(family.help, family.name).not.toBe("");
  });

  it("shows a team token its own team only, and the operator every team", async () => {
    const ids = (families: ParsedFamily[]) => samples(families, "certdesk_certificate_expiration_timestamp_seconds").map((s) => s.labels!.id);
    const teams = (families: ParsedFamily[]) =>
      new Set(families.flatMap((f) => f.metrics.map((m) => m.labels?.team)).filter((t) => t !== undefined));

    const own = (await scrape(alpha.readToken)).families;
    expect(ids(own)).toEqual([alphaCert.certificate.id]);
    expect(teams(own)).toEqual(new Set([alpha.slug]));
    const other = (await scrape(beta.token)).families;
    expect(ids(other)).toEqual([betaCert.certificate.id]);

    const all = (await scrape(ADMIN_TOKEN)).families;
    expect(ids(all)).toEqual(expect.arrayContaining([alphaCert.certificate.id, betaCert.certificate.id]));
    expect([...teams(all)]).toEqual(expect.arrayContaining([alpha.slug, beta.slug]));
    expect(valueOf(all, "certdesk_metrics_truncated", { part: "certificates" })).toBe(0);
  });

  it("refuses a missing or unknown token (401) and a token without projects:read (403), in the native error style", async () => {
    const missing = await call("GET", "/metrics");
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ success: false, error: "Missing Authorization header: send `Authorization: Bearer <token>`", code: "unauthorized" });
    const unknown = await call("GET", "/metrics", { token: "cd_not-a-real-token" });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ success: false, error: "Invalid or revoked API token", code: "unauthorized" });
    const malformed = await call("GET", "/metrics", { headers: { Authorization: "Basic abc" } });
    expect(malformed.status).toBe(401);

    const narrow = await call("POST", "/api/v1/tokens", { token: alpha.token, json: { name: "certs only", scopes: ["certs:read"] } });
    expect(narrow.status).toBe(200);
    const refused = await call("GET", "/metrics", { token: narrow.body.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ success: false, error: "This token lacks the projects:read scope", code: "forbidden" });
  });

  it("is in the OpenAPI document, answering the exposition format", async () => {
    const doc = await call("GET", "/openapi.json");
    const operation = doc.body.paths["/metrics"].get;
    expect(Object.keys(operation.responses["200"].content)).toEqual(["text/plain; version=0.0.4; charset=utf-8"]);
    expect(operation.security).toEqual([{ Bearer: [] }]);
    // 400: a malformed x-d1-bookmark header is refused before the route runs, as on every route with a D1 session.
    expect(Object.keys(operation.responses).sort()).toEqual(["200", "400", "401", "403"]);
  });

  it("escapes a hostile project name so that it stays one label value", async () => {
    const tenant = await newTenant();
    const project = await newProject(tenant);
    const { certificate } = await upload(tenant, project);
    // The API takes only [a-z0-9._-] names; a row written otherwise (an older rule, a later one) must not break the format.
    const hostile = 'evil" } 1\ncertdesk_certificate_ready_status{id="forged",condition="True"} 1\n\\';
    await env.DB.prepare("UPDATE projects SET name = ? WHERE id = ?").bind(hostile, project.id).run();
    const { res, families } = await scrape(tenant.token);
    expect(res.text).toContain('project="evil\\" } 1\\ncertdesk_certificate_ready_status{id=\\"forged\\",condition=\\"True\\"} 1\\n\\\\"');
    expect(res.text.split("\n").some((line) => line.startsWith("certdesk_certificate_ready_status{id=\"forged\""))).toBe(false);
    expect(samples(families, "certdesk_certificate_ready_status", { id: "forged" })).toEqual([]);
    const expiry = samples(families, "certdesk_certificate_expiration_timestamp_seconds", { id: certificate.id });
    expect(expiry.map((s) => s.labels!.project)).toEqual([hostile]);
  });
});

const claimedDue = (tenant: Tenant) => claimedDueOf(tenant, { ofProject: true });

describe("GET /metrics: counters", () => {
  it("counts a renewal through the queue: the attempt, its failure by reason, and its ACME requests by status", async () => {
    const tenant = await newTenant();
    const row = await claimedDue(tenant);
    const before = (await scrape(tenant.readToken)).families;
    expect(samples(before, "certdesk_renewal_attempts_total")).toEqual([]);
    expect(valueOf(before, "certdesk_certificate_renewal_timestamp_seconds", { id: row.id })).toBe(Math.floor(row.nextRenewalAt! / 1000));
    expect(valueOf(before, "certdesk_certificate_renewal_consecutive_failures", { id: row.id })).toBe(0);

    const result = await deliver("certdesk-renewals", [{ certificateId: row.id, teamId: row.teamId, asOf: Date.now() }]);
    expect(result.explicitAcks).toEqual(["msg-0"]);

    const after = (await scrape(tenant.readToken)).families;
    // Unit tests reach no CA (every outbound fetch answers 502): the renewal ran and failed as unreachable.
    expect(valueOf(after, "certdesk_renewal_attempts_total", { team: tenant.slug, trigger: "sweep", result: "failed" })).toBe(1);
    expect(valueOf(after, "certdesk_renewal_failures_total", { team: tenant.slug, trigger: "sweep", reason: "ca_unreachable" })).toBe(1);
    // The directory was asked once and repeated after each lost answer, all counted, each a 502.
    const directory = samples(after, "certdesk_acme_requests_total", { team: tenant.slug });
    expect(directory).toEqual([
      {
        labels: { team: tenant.slug, action: "directory", host: "127.0.0.1:9", method: "GET", status: "502" },
        value: String(RETRY_POLICY.transientBackoffMs.length + 1),
      },
    ]);
    expect(valueOf(after, "certdesk_certificate_renewal_consecutive_failures", { id: row.id })).toBe(1);
    // Another team's scrape shows none of it.
    expect(samples((await scrape(alpha.readToken)).families, "certdesk_renewal_attempts_total", { team: tenant.slug })).toEqual([]);
  });

  it("counts a dead-lettered renewal as an attempt that failed undelivered", async () => {
    const tenant = await newTenant();
    const row = await claimedDue(tenant);
    await deliver("certdesk-renewals-dlq", [{ certificateId: row.id, teamId: row.teamId, asOf: Date.now() }]);
    const families = (await scrape(tenant.token)).families;
    expect(valueOf(families, "certdesk_renewal_attempts_total", { team: tenant.slug, trigger: "sweep", result: "undelivered" })).toBe(1);
    expect(valueOf(families, "certdesk_renewal_failures_total", { team: tenant.slug, trigger: "sweep", reason: "undelivered" })).toBe(1);
    expect(samples(families, "certdesk_acme_requests_total", { team: tenant.slug })).toEqual([]);
  });
});

describe("GET /metrics: deliveries that need someone", () => {
  it("counts a team's failing deploy targets by kind and its disabled webhook endpoints by who disabled them; none, no sample", async () => {
    const [tenant, quiet] = [await newTenant(), await newTenant()];
    const project = await newProject(tenant);
    const target = env.DB.prepare(
      `INSERT INTO deploy_targets (id, team_id, project_id, kind, settings, sealed_credentials, failures, failing_since, created_at, updated_at)
       VALUES (?, ?, ?, ?, '{}', '', ?, ?, 0, 0)`,
    );
    const endpoint = env.DB.prepare(
      `INSERT INTO webhook_endpoints (id, team_id, url, events, sealed_secret, disabled_at, disabled_reason, created_at, updated_at)
       VALUES (?, ?, 'https://hooks.example.com/in', '[]', '', ?, ?, 0, 0)`,
    );
    const id = (kind: string) => `${kind}_${Math.random().toString(36).slice(2, 10)}`;
    await env.DB.batch([
      target.bind(id("dt"), tenant.teamId, project.id, "https_push", 3, Date.now() - 3_600_000),
      target.bind(id("dt"), tenant.teamId, project.id, "https_push", 1, Date.now()),
      target.bind(id("dt"), tenant.teamId, project.id, "aws_acm", 0, null),
      endpoint.bind(id("whe"), tenant.teamId, Date.now(), "The endpoint answered 410 Gone"),
      endpoint.bind(id("whe"), tenant.teamId, Date.now(), "Every delivery failed for 3 days"),
      endpoint.bind(id("whe"), tenant.teamId, Date.now(), DISABLED_THROUGH_API),
      endpoint.bind(id("whe"), tenant.teamId, null, null),
    ]);
    const { families } = await scrape(tenant.token);
    expect(samples(families, "certdesk_deploy_targets_failing")).toEqual([{ labels: { team: tenant.slug, kind: "https_push" }, value: "2" }]);
    // A team's own pause is told apart from deliveries that failed: only those need someone.
    expect(samples(families, "certdesk_webhook_endpoints_disabled")).toEqual([
      { labels: { team: tenant.slug, by: "api" }, value: "1" },
      { labels: { team: tenant.slug, by: "delivery" }, value: "2" },
    ]);
    const operator = (await scrape(ADMIN_TOKEN)).families;
    expect(valueOf(operator, "certdesk_deploy_targets_failing", { team: tenant.slug, kind: "https_push" })).toBe(2);
    expect(samples(operator, "certdesk_deploy_targets_failing", { team: quiet.slug })).toEqual([]);
    expect(samples(operator, "certdesk_webhook_endpoints_disabled", { team: quiet.slug })).toEqual([]);
  });
});

describe("GET /metrics: cost", () => {
  it("runs the same statements, seven in one batch and the two aggregates beside it, however many certificates the team has", async () => {
    const tenant = await newTenant();
    const first = await newProject(tenant);
    await upload(tenant, first);
    const isolate = countingIsolate();
    // Warm the token in this isolate, so that what is counted is the route's own.
    expect((await isolate.request("GET", "/api/v1/team", tenant.readToken)).status).toBe(200);

    const one = await isolate.request("GET", "/metrics", tenant.readToken);
    expect(one.status).toBe(200);
    expect(parseMetrics(one.body as string).length).toBeGreaterThan(0);
    expect(one.statements).toHaveLength(9);
    // The per-certificate series: those failing to renew, those nearest expiry, the private ones nearest expiry.
    expect(one.statements[0]).toMatch(/^batch: select .* from "certificates" inner join "teams" .* INDEXED BY "certificates_renewal_failing_idx"/);
    expect(one.statements[1]).toMatch(/^batch: select .* from "certificates" inner join "teams" .* order by "certificates"."expires_at" asc limit/);
    expect(one.statements[2]).toMatch(/^batch: select .* from "certificate_authorities" .* INDEXED BY "private_certificates_team_expiry_idx"/);
    expect(one.statements[3]).toMatch(/^batch: select .* from "metric_counters" inner join "teams"/);
    expect(one.statements[4]).toMatch(/^batch: select .* from "webhook_events" inner join "teams" .* where .* group by/);
    expect(one.statements[5]).toMatch(/^batch: select .* from "deploy_targets" inner join "teams" .* where .* group by/);
    expect(one.statements[6]).toMatch(/^batch: select .* from "webhook_endpoints" inner join "teams" .* where .* group by/);
    // The aggregates, raw SQL drizzle cannot batch: sent at once beside the batch.
    expect(one.statements[7]).toMatch(/^\s*WITH RECURSIVE g\(team_id, type, issuer, state\)/);
    expect(one.statements[8]).toMatch(/FROM certificate_authorities ca JOIN teams t/);

    for (let i = 0; i < 4; i++) {
      const project = await newProject(tenant);
      await storedAcmeCertificate({ teamId: tenant.teamId, projectId: project.id }, [project.domain!]);
    }
    const five = await isolate.request("GET", "/metrics", tenant.readToken);
    expect(samples(parseMetrics(five.body as string), "certdesk_certificate_expiration_timestamp_seconds")).toHaveLength(5);
    expect(five.statements).toEqual(one.statements);

    // The operator's scrape reads no token and costs the same, over every team, and one more for the service's own
    // counters (cron stage failures), in the same batch.
    const operator = await isolate.request("GET", "/metrics", ADMIN_TOKEN);
    expect(operator.status).toBe(200);
    expect(operator.statements).toHaveLength(10);
    expect(operator.statements[1]).toMatch(/^batch: select .* from "certificates" inner join "teams" .* order by/);
    // Every team's: no team filter, the private ones through the index of every team's expiries.
    expect(operator.statements.slice(0, 3).join("\n")).not.toMatch(/team_id" = |team_id = /);
    expect(operator.statements[2]).toMatch(/INDEXED BY "private_certificates_expiry_idx"/);
    expect(operator.statements[3]).toMatch(/^batch: select .* from "metric_counters" inner join "teams"/);
    expect(operator.statements[4]).toMatch(/^batch: select .* from "webhook_events" inner join "teams" .* group by/);
    expect(operator.statements[5]).toMatch(/^batch: select .* from "deploy_targets" inner join "teams" .* group by/);
    expect(operator.statements[6]).toMatch(/^batch: select .* from "webhook_endpoints" inner join "teams" .* group by/);
    expect(operator.statements[7]).toMatch(/^batch: select .* from "service_counters" order by/);
    expect(operator.statements.slice(8).join("\n")).not.toMatch(/team_id = \?/);
  });
});
