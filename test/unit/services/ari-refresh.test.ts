/**
 * The cron's ARI refresh (RFC 9773 §4.3): only rows whose next check has passed, the window and the next renewal
 * moved when the CA moves its window, the CA's Retry-After clamped, and nothing written over a newer row.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { ariCertificateId, RETRY_POLICY } from "../../../src/acme";
import { RenewalInfoReader } from "../../../src/acme/renewal-info";
import { ARI_RECHECK_MAX_MS, ARI_RECHECK_MIN_MS, nextAriCheckAt } from "../../../src/renewal/ari-schedule";
import { ariDueInTurns, refreshRenewalInfo } from "../../../src/services/ari-refresh";
import { setAutoRenew } from "../../../src/services/certificates/auto-renew";
import { type CertificateRow, storeCertificate, storeCertificateIf } from "../../../src/store/certificates";
import { x509 } from "../../../src/pki/x509-setup";
import { ADMIN_TOKEN, call, env, newProject, newTenant, type Tenant, uniqueDomain } from "../../support/api";
import { deps, issuedMaterial, readRow, testCommit } from "../issuance/acme-rows";

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The directory the stored rows name (test/unit/issuance/acme-rows.ts), served here by FakeAri. */
const DIRECTORY = "https://127.0.0.1:9/directory";
const RENEWAL_INFO = "https://ca.test/renewal-info";

let tenant: Tenant;
beforeAll(async () => {
  tenant = await newTenant();
});

/**
 * Every test refreshes as of an earlier instant than the one before, and its rows fall due just before it: what
 * earlier tests left behind (rescheduled to after their own instant) is never due again in a later test.
 */
let clock = 1_000_000_000_000;
const nextAsOf = () => (clock -= 10_000_000_000);

type Answer = { status?: number; body?: unknown; headers?: Record<string, string>; before?: () => Promise<void> };

/** The CA: a directory offering renewalInfo, and an answer per ARI certificate id (404 for any other). */
class FakeAri {
  readonly answers = new Map<string, Answer>();
  directoryStatus = 200;
  directoryRequests = 0;
  readonly asked: string[] = [];

  answer(row: CertificateRow, answer: Answer): this {
    this.answers.set(ariCertificateId(row.certificatePem), answer);
    return this;
  }

  window(row: CertificateRow, start: number, end: number, extra: { explanationURL?: string; retryAfter?: string } = {}): this {
    const body = { suggestedWindow: { start: new Date(start).toISOString(), end: new Date(end).toISOString() }, ...(extra.explanationURL ? { explanationURL: extra.explanationURL } : {}) };
    return this.answer(row, { body, headers: extra.retryAfter !== undefined ? { "retry-after": extra.retryAfter } : {} });
  }

  readonly fetch = (async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url === DIRECTORY) {
      this.directoryRequests++;
      const directory = { newNonce: "https://ca.test/nonce", newAccount: "https://ca.test/acct", newOrder: "https://ca.test/order", revokeCert: "https://ca.test/revoke", renewalInfo: RENEWAL_INFO };
      return Response.json(directory, { status: this.directoryStatus });
    }
    const id = url.startsWith(`${RENEWAL_INFO}/`) ? url.slice(RENEWAL_INFO.length + 1) : "";
    this.asked.push(id);
    const answer = this.answers.get(id);
    if (!answer) return Response.json({ type: "urn:ietf:params:acme:error:malformed", detail: "unknown certificate" }, { status: 404, headers: { "content-type": "application/problem+json" } });
    await answer.before?.();
    return Response.json(answer.body ?? {}, { status: answer.status ?? 200, headers: answer.headers ?? {} });
  }) as typeof fetch;

  reader(): RenewalInfoReader {
    return new RenewalInfoReader({ fetch: this.fetch, sleep: async () => {} });
  }
}

/** A certificate with an Authority Key Identifier, so it has an ARI identifier (RFC 9773 §4.1). */
async function certificateWithAki(): Promise<string> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `7f${hex(15)}`,
    name: "CN=ari.example",
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 89 * DAY),
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.AuthorityKeyIdentifierExtension(hex(20))],
  });
  return cert.toString("pem");
}

interface RowSpec {
  /** Days after issuance. */
  window: [number, number];
  /** Days after issuance; null = not scheduled. */
  renewalDay: number | null;
  retryAt: number;
  autoRenew?: boolean;
  projectId?: string | null;
}

/** A stored ACME certificate whose renewal information was fetched at issuance (as run-issuance stores it). */
async function storedRow(spec: RowSpec): Promise<CertificateRow> {
  const material = await issuedMaterial({ teamId: tenant.teamId, projectId: spec.projectId ?? null }, [uniqueDomain("ari")]);
  const at = (day: number) => material.issuedAt + day * DAY;
  const input = {
    ...material,
    certificatePem: await certificateWithAki(),
    autoRenew: spec.autoRenew ?? true,
    nextRenewalAt: spec.renewalDay === null ? null : at(spec.renewalDay),
    ari: { windowStart: at(spec.window[0]), windowEnd: at(spec.window[1]), explanationUrl: null, retryAt: spec.retryAt },
  };
  return storeCertificate(deps().db, deps().config.ENCRYPTION_KEY, input, Date.now());
}

const day = (row: CertificateRow, n: number) => row.issuedAt + n * DAY;

describe("which rows the refresh takes", () => {
  it("only those whose next check has passed, and none without one", async () => {
    const asOf = nextAsOf();
    const due = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const dueNow = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf });
    const later = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf + 1 });
    const ca = new FakeAri().window(due, day(due, 50), day(due, 52)).window(dueNow, day(dueNow, 50), day(dueNow, 52)).window(later, day(later, 50), day(later, 52));
    const never = (await storeCertificate(deps().db, deps().config.ENCRYPTION_KEY, { ...(await issuedMaterial({ teamId: tenant.teamId, projectId: null }, [uniqueDomain()])), nextRenewalAt: 0 }, Date.now()))!;

    const result = await refreshRenewalInfo(deps(), asOf, 40, ca.reader());
    expect(result.ids.sort()).toEqual([due.id, dueNow.id].sort());
    expect(result).toMatchObject({ due: 2, refreshed: 2, moved: 0, failed: 0 });
    expect(ca.asked.sort()).toEqual([ariCertificateId(due.certificatePem), ariCertificateId(dueNow.certificatePem)].sort());
    expect(ca.directoryRequests).toBe(1); // one directory fetch serves the batch
    expect((await readRow(later.id))!.ariRetryAt).toBe(asOf + 1);
    expect((await readRow(never.id))!.ariRetryAt).toBeNull();
  });

  it("reads them through the partial index on ari_retry_at", async () => {
    const query = ariDueInTurns(deps().db, nextAsOf(), 40).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const details = plan.results.map((row) => row.detail).join("\n");
    expect(details).toContain("certificates_ari_retry_idx");
    expect(details).not.toMatch(/SCAN certificates(?! USING)/);
  });

  it("takes teams in turn and stops at the batch size", async () => {
    const asOf = nextAsOf();
    const other = await newTenant();
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 100 + i }));
    const material = await issuedMaterial({ teamId: other.teamId, projectId: null }, [uniqueDomain("ari")]);
    const theirs = await storeCertificate(deps().db, deps().config.ENCRYPTION_KEY, {
      ...material,
      certificatePem: await certificateWithAki(),
      nextRenewalAt: material.issuedAt + 51 * DAY,
      ari: { windowStart: material.issuedAt + 50 * DAY, windowEnd: material.issuedAt + 52 * DAY, explanationUrl: null, retryAt: asOf - 1 },
    }, Date.now());
    const taken = await ariDueInTurns(deps().db, asOf, 3);
    expect(taken.map((row) => row.id)).toEqual([mine[0]!.id, theirs.id, mine[1]!.id]);
  });
});

describe("a window the CA moved", () => {
  it("earlier: the next renewal moves into it, with the CA's explanation and its next check; the row's version stays", async () => {
    const asOf = nextAsOf();
    const project = await newProject(tenant);
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1, projectId: project.id });
    const explanation = "https://ca.example/incidents/2026-mass-revocation";
    const ca = new FakeAri().window(row, day(row, 10), day(row, 11), { explanationURL: explanation, retryAfter: "7200" });

    expect(await refreshRenewalInfo(deps(), asOf, 40, ca.reader())).toMatchObject({ due: 1, refreshed: 1, moved: 1 });
    const after = (await readRow(row.id))!;
    expect(after.nextRenewalAt).toBeGreaterThanOrEqual(day(row, 10));
    expect(after.nextRenewalAt).toBeLessThan(day(row, 11));
    expect(after).toMatchObject({ ariWindowStart: day(row, 10), ariWindowEnd: day(row, 11), ariExplanationUrl: explanation, ariRetryAt: asOf + 2 * HOUR });
    expect(after).toMatchObject({ updatedAt: row.updatedAt, fingerprint: row.fingerprint });

    const status = await call("GET", `/api/v1/projects/${project.id}/certificate/status`, { token: tenant.readToken });
    expect(status.status, status.text).toBe(200);
    expect(status.body).toMatchObject({
      renewalWindow: { start: new Date(day(row, 10)).toISOString().replace(/\.\d{3}Z$/, "Z"), end: new Date(day(row, 11)).toISOString().replace(/\.\d{3}Z$/, "Z") },
      renewalExplanationUrl: explanation,
      nextRenewalAt: new Date(after.nextRenewalAt!).toISOString().replace(/\.\d{3}Z$/, "Z"),
    });
  });

  it("but still around the chosen time: the time is kept (not drawn again on every fetch)", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const ca = new FakeAri().window(row, day(row, 40), day(row, 55));
    expect(await refreshRenewalInfo(deps(), asOf, 40, ca.reader())).toMatchObject({ refreshed: 1, moved: 0 });
    expect(await readRow(row.id)).toMatchObject({ nextRenewalAt: day(row, 51), ariWindowStart: day(row, 40), ariWindowEnd: day(row, 55) });
  });

  it("past the policy's last resort: the renewal is never later than a twentieth of the lifetime before expiry", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const ca = new FakeAri().window(row, day(row, 95), day(row, 100));
    await refreshRenewalInfo(deps(), asOf, 40, ca.reader());
    const lifetime = row.expiresAt - row.issuedAt;
    expect((await readRow(row.id))!.nextRenewalAt).toBe(row.expiresAt - lifetime / 20);
  });
});

describe("the next check: the CA's Retry-After, between 1 h and 6 h", () => {
  it.each([
    { name: "a minute is raised to the 1 h floor", retryAfter: "60", wait: ARI_RECHECK_MIN_MS },
    { name: "2 h is taken as given", retryAfter: "7200", wait: 2 * HOUR },
    { name: "a day is cut to 6 h", retryAfter: "86400", wait: ARI_RECHECK_MAX_MS },
    { name: "none means 6 h (RFC 9773 §4.3.3)", retryAfter: undefined, wait: ARI_RECHECK_MAX_MS },
  ])("$name", async ({ retryAfter, wait }) => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const ca = new FakeAri().window(row, day(row, 50), day(row, 52), retryAfter !== undefined ? { retryAfter } : {});
    await refreshRenewalInfo(deps(), asOf, 40, ca.reader());
    expect((await readRow(row.id))!.ariRetryAt).toBe(asOf + wait);
  });

  it("nextAriCheckAt clamps a Retry-After of 0 and ignores a non-finite one", () => {
    expect(nextAriCheckAt(1000, 0)).toBe(1000 + ARI_RECHECK_MIN_MS);
    expect(nextAriCheckAt(1000, Number.NaN)).toBe(1000 + ARI_RECHECK_MAX_MS);
  });
});

describe("rows whose renewal the window does not move", () => {
  it("autoRenew off: the window and explanation are stored, nothing is scheduled", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: null, retryAt: asOf - 1, autoRenew: false });
    const ca = new FakeAri().window(row, day(row, 10), day(row, 11), { explanationURL: "https://ca.example/why" });
    expect(await refreshRenewalInfo(deps(), asOf, 40, ca.reader())).toMatchObject({ refreshed: 1, moved: 0 });
    expect(await readRow(row.id)).toMatchObject({ nextRenewalAt: null, ariWindowStart: day(row, 10), ariExplanationUrl: "https://ca.example/why" });
  });

  it("renewal stopped (autoRenew on, nothing scheduled): stays stopped", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: null, retryAt: asOf - 1 });
    await refreshRenewalInfo(deps(), asOf, 40, new FakeAri().window(row, day(row, 10), day(row, 11)).reader());
    expect((await readRow(row.id))!.nextRenewalAt).toBeNull();
  });

  it("in its failure backoff: the retry schedule keeps its time", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    await env.DB.prepare("UPDATE certificates SET renewal_failures = 2, next_renewal_at = ? WHERE id = ?").bind(day(row, 60), row.id).run();
    await refreshRenewalInfo(deps(), asOf, 40, new FakeAri().window(row, day(row, 10), day(row, 11)).reader());
    expect(await readRow(row.id)).toMatchObject({ nextRenewalAt: day(row, 60), ariWindowStart: day(row, 10) });
  });

  it("revoked or expired: not asked about again (RFC 9773 §4.3), and never scheduled", async () => {
    const asOf = nextAsOf();
    const revoked = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    await env.DB.prepare("UPDATE certificates SET state = 'revoked', auto_renew = 0, next_renewal_at = NULL, updated_at = updated_at + 1 WHERE id = ?").bind(revoked.id).run();
    const expired = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    await env.DB.prepare("UPDATE certificates SET expires_at = ? WHERE id = ?").bind(asOf - 1, expired.id).run();
    const ca = new FakeAri().window(revoked, day(revoked, 10), day(revoked, 11)).window(expired, day(expired, 10), day(expired, 11));

    expect(await refreshRenewalInfo(deps(), asOf, 40, ca.reader())).toMatchObject({ due: 2, retired: 2, refreshed: 0 });
    expect(ca.asked).toEqual([]);
    expect(await readRow(revoked.id)).toMatchObject({ state: "revoked", nextRenewalAt: null, ariRetryAt: null, ariWindowStart: day(revoked, 50) });
    expect(await readRow(expired.id)).toMatchObject({ ariRetryAt: null, nextRenewalAt: day(expired, 51) });
  });
});

describe("failures", () => {
  it("leave the row as it was, ask again in 6 h, and do not stop the rest of the batch", async () => {
    const asOf = nextAsOf();
    const broken = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 2 });
    const unknown = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 2 });
    const fine = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const ca = new FakeAri()
      .answer(broken, { status: 500, body: "oops" })
      .window(fine, day(fine, 10), day(fine, 11));
    const result = await refreshRenewalInfo(deps(), asOf, 40, ca.reader());
    expect(result).toMatchObject({ due: 3, refreshed: 1, moved: 1, failed: 2 });
    for (const row of [broken, unknown]) {
      expect(await readRow(row.id)).toMatchObject({ nextRenewalAt: day(row, 51), ariWindowStart: day(row, 50), ariRetryAt: asOf + ARI_RECHECK_MAX_MS, updatedAt: row.updatedAt });
    }
    expect(ca.asked.filter((id) => id === ariCertificateId(broken.certificatePem)).length).toBeGreaterThan(1); // a 5xx is repeated first
  });

  it("a CA that says when to come back (429 Retry-After) is asked again then, within the bounds", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const ca = new FakeAri().answer(row, {
      status: 429,
      body: { type: "urn:ietf:params:acme:error:rateLimited", detail: "slow down" },
      headers: { "content-type": "application/problem+json", "retry-after": "10800" },
    });
    expect(await refreshRenewalInfo(deps(), asOf, 40, ca.reader())).toMatchObject({ failed: 1 });
    expect((await readRow(row.id))!.ariRetryAt).toBe(asOf + 3 * HOUR);
  });

  it("a directory that cannot be read fails the batch once, not once per row", async () => {
    const asOf = nextAsOf();
    const rows = [await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 }), await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 })];
    const ca = new FakeAri();
    ca.directoryStatus = 500;
    expect(await refreshRenewalInfo(deps(), asOf, 40, ca.reader())).toMatchObject({ due: 2, failed: 2 });
    // One directory fetch with the transport's repeats of its lost answer, shared by both rows.
    expect(ca.directoryRequests).toBe(1 + RETRY_POLICY.transientBackoffMs.length);
    for (const row of rows) expect((await readRow(row.id))!.ariRetryAt).toBe(asOf + ARI_RECHECK_MAX_MS);
  });

  it("an explanation that is not an http(s) URL is not kept", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    await refreshRenewalInfo(deps(), asOf, 40, new FakeAri().window(row, day(row, 50), day(row, 52), { explanationURL: "javascript:alert(1)" }).reader());
    expect((await readRow(row.id))!.ariExplanationUrl).toBeNull();
  });
});

describe("a concurrent change wins", () => {
  /** A renewal's store step, ready to run: the new certificate over the row it read (storeCertificateIf, unchangedSince). */
  async function renewalOf(over: CertificateRow) {
    const material = await issuedMaterial({ teamId: over.teamId, projectId: over.projectId }, over.names, { renewedFrom: over.issuedAt, nextRenewalAt: over.expiresAt });
    return () => storeCertificateIf(deps().db, deps().config.ENCRYPTION_KEY, material, Date.now(), { over, condition: sql`1` });
  }

  it("a renewal stored while the CA was asked: the refresh writes nothing over it", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const store = await renewalOf((await readRow(row.id))!);
    let renewed: CertificateRow | null = null;
    const ca = new FakeAri().window(row, day(row, 10), day(row, 11));
    ca.answers.get(ariCertificateId(row.certificatePem))!.before = async () => {
      renewed = await store();
    };
    expect(await refreshRenewalInfo(deps(), asOf, 40, ca.reader())).toMatchObject({ due: 1, stale: 1, refreshed: 0 });
    expect(renewed).not.toBeNull();
    expect(await readRow(row.id)).toMatchObject({ fingerprint: renewed!.fingerprint, nextRenewalAt: row.expiresAt, ariWindowStart: null, ariRetryAt: null });
  });

  it("autoRenew switched off while the CA was asked: stays off", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const ca = new FakeAri().window(row, day(row, 10), day(row, 11));
    ca.answers.get(ariCertificateId(row.certificatePem))!.before = async () => {
      await setAutoRenew(deps().db, row, false, Date.now(), testCommit());
    };
    expect(await refreshRenewalInfo(deps(), asOf, 40, ca.reader())).toMatchObject({ stale: 1 });
    expect(await readRow(row.id)).toMatchObject({ autoRenew: false, nextRenewalAt: null, ariWindowStart: day(row, 50) });
  });

  it("a renewal that read the row before the refresh still stores its certificate after it", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const store = await renewalOf((await readRow(row.id))!); // the renewal's read, under its lock
    expect(await refreshRenewalInfo(deps(), asOf, 40, new FakeAri().window(row, day(row, 10), day(row, 11)).reader())).toMatchObject({ moved: 1 });
    const renewed = await store();
    expect(renewed).not.toBeNull();
    expect((await readRow(row.id))!.fingerprint).toBe(renewed!.fingerprint);
  });

  it("two refreshes of one row: the second writes nothing", async () => {
    const asOf = nextAsOf();
    const row = await storedRow({ window: [50, 52], renewalDay: 51, retryAt: asOf - 1 });
    const first = new FakeAri().window(row, day(row, 10), day(row, 11), { retryAfter: "3600" });
    let second: Promise<unknown> | undefined;
    first.answers.get(ariCertificateId(row.certificatePem))!.before = async () => {
      // Another tick read the same row before this one writes, and writes first.
      second = refreshRenewalInfo(deps(), asOf, 40, new FakeAri().window(row, day(row, 20), day(row, 21), { retryAfter: "7200" }).reader());
      await second;
    };
    expect(await refreshRenewalInfo(deps(), asOf, 40, first.reader())).toMatchObject({ stale: 1 });
    expect(await second).toMatchObject({ refreshed: 1 });
    expect(await readRow(row.id)).toMatchObject({ ariWindowStart: day(row, 20), ariRetryAt: asOf + 2 * HOUR });
  });
});

describe("POST /api/v1/admin/ari-refresh", () => {
  it("runs one refresh as of the given instant and is recorded as the operator's", async () => {
    const asOf = "1970-01-01T00:00:00Z"; // before every row's next check: nothing is due, nothing is fetched
    const res = await call("POST", "/api/v1/admin/ari-refresh", { token: ADMIN_TOKEN, json: { asOf, batchSize: 5 } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ due: 0, refreshed: 0, moved: 0, failed: 0, stale: 0, retired: 0, ids: [] });
    const rows = await env.DB.prepare("SELECT team_id, actor, target, detail FROM audit_log WHERE action = 'POST /api/v1/admin/ari-refresh'").all<{
      team_id: string;
      actor: string;
      target: string;
      detail: string;
    }>();
    const mine = rows.results.filter((r) => JSON.parse(r.detail).asOf === asOf);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ team_id: "", actor: "operator", target: "" });
    expect(JSON.parse(mine[0]!.detail)).toEqual({ asOf, batchSize: 5 });
  });

  it("is the operator's alone, and checks its input", async () => {
    expect((await call("POST", "/api/v1/admin/ari-refresh", { token: tenant.token, json: {} })).status).toBe(401);
    expect((await call("POST", "/api/v1/admin/ari-refresh", { token: ADMIN_TOKEN, json: { batchSize: 0 } })).status).toBe(400);
    expect((await call("POST", "/api/v1/admin/ari-refresh", { token: ADMIN_TOKEN, json: { asOf: "tomorrow" } })).status).toBe(400);
  });
});
