/**
 * The CA's order budget in the issuance job (run-issuance.ts → issue-certificate.ts), against the scripted ACME server:
 * it is spent once, just before a new order is placed (after CAA preflight), never for an order resumed from its
 * checkpoint nor for a renewal naming the certificate it replaces (RFC 9773 §5). Exhausted, nothing reaches the CA's
 * newOrder: the sweep's renewal waits (no failure counted), a caller who asked gets 429 with when to retry.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ariCertificateId } from "../../../src/acme/certificate-id";
import { RETRY_POLICY } from "../../../src/acme/retry-policy";
import { base64UrlToBytes } from "../../../src/crypto/encoding";
import type { IssuanceDeps } from "../../../src/issuance/deps";
import type { OrderBudget, OrderBudgetAnswer, OrderToPlace } from "../../../src/issuance/order-budget";
import type { IssueRequest } from "../../../src/issuance/issue-request";
import type { CheckpointStore, OrderCheckpoint } from "../../../src/issuance/order-checkpoint";
import { runIssuance } from "../../../src/issuance/run-issuance";
import { checkCertificate } from "../../../src/pki";
import { x509 } from "../../../src/pki/x509-setup";
import { orderBudget } from "../../../src/services/limits/acme-orders";
import { ACME_TYPE } from "../../../src/store/certificate-type";
import { type CertificateRow, materialOf, storeCertificate } from "../../../src/store/certificates";
import { newProject, newTenant, type Tenant } from "../../support/api";
import { makeCa, makeKey, type TestCa, toPem } from "../../support/pki-fixtures";
import { CA, FakeCa, type FakeAnswer, problem } from "../acme/fake-ca";
import { deps, obtainRequest, readRow, renewRequest, storedAcmeCertificate } from "./acme-rows";

const DIRECTORY = `${CA}/dir`;
const EXHAUSTED: OrderBudgetAnswer = { ok: false, retryAfterSeconds: 120, limit: "300 new orders per 3 hours" };
const BUDGET_MESSAGE = `No new order placed: the team's ACME account at ${DIRECTORY} has used its budget of ${EXHAUSTED.limit}; retry in 120 s`;

/** An intermediate that signs like a CA does: leaves with an Authority Key Identifier, so they have an ARI id. */
let issuer: TestCa;
beforeAll(async () => {
  const root = await makeCa({ key: "EC-P256", cn: "Fake ACME Root" });
  issuer = await makeCa({ key: "EC-P256", cn: "Fake ACME Intermediate", issuer: root });
});

let serials = 0;
async function leafPem(names: string[], publicKey: x509.PublicKeyType): Promise<string> {
  const now = Date.now();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: `02${(++serials).toString(16).padStart(6, "0")}${crypto.randomUUID().slice(0, 8)}`,
    subject: [{ CN: [names[0]!] }],
    issuer: issuer.cert.subjectName,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 90 * 86_400_000),
    publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as Algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: "dns" as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return leaf.toString("pem") + "\n";
}

/**
 * The scripted CA, issuing: accounts by key, orders that are `ready` at once (authorizations reused, RFC 8555 §7.1.4),
 * finalize signs the CSR's key. `events` records, in order, what the job did: CAA lookups, budget spends, newOrders.
 */
class IssuingCa {
  readonly ca = new FakeCa();
  readonly events: string[] = [];
  /** Answer newOrder with this instead of an order. */
  refuseNewOrder: FakeAnswer | undefined;
  /** Answer the next newOrder only with this. */
  refuseNextNewOrder: FakeAnswer | undefined;
  /** From this attempt on (0: the first), newOrder's connection fails before the CA sees it (routeFetch). */
  newOrderUnreachableFrom: number | undefined;
  newOrderAttempts = 0;
  private accounts = 0;
  private orders = 0;

  constructor(options: { renewalInfo?: boolean } = {}) {
    if (options.renewalInfo) this.ca.directory.renewalInfo = `${CA}/ri`;
    this.ca.on("POST", "/acct", (request) => {
      const url = `${CA}/acct/${++this.accounts}`;
      this.ca.addAccount(url, request.protected!.jwk!);
      return { status: 201, headers: { location: url }, body: { status: "valid" } };
    });
    this.ca.on("POST", "/order", (request) => {
      this.events.push("newOrder");
      if (this.refuseNewOrder) return this.refuseNewOrder;
      const refusal = this.refuseNextNewOrder;
      this.refuseNextNewOrder = undefined;
      if (refusal) return refusal;
      const names = (request.payload as { identifiers: { value: string }[] }).identifiers.map((i) => i.value);
      const id = ++this.orders;
      return { status: 201, headers: { location: `${CA}/order/${id}` }, body: this.serveOrder(id, names) };
    });
  }

  /** Serves order `id` for `names` (ready to finalize) and returns its object. */
  serveOrder(id: number | string, names: string[]) {
    let certificate: string | undefined;
    const object = () => ({
      status: certificate ? "valid" : "ready",
      identifiers: names.map((value) => ({ type: "dns", value })),
      authorizations: [],
      finalize: `${CA}/order/${id}/finalize`,
      ...(certificate ? { certificate: `${CA}/cert/${id}` } : {}),
    });
    this.ca.on("POST", `/order/${id}`, () => ({ body: object() }));
    this.ca.on("POST", `/order/${id}/finalize`, async (request) => {
      const csr = new x509.Pkcs10CertificateRequest(base64UrlToBytes((request.payload as { csr: string }).csr));
      certificate = (await leafPem(names, csr.publicKey)) + issuer.pem;
      return { body: object() };
    });
    this.ca.on("POST", `/cert/${id}`, () => ({ headers: { "content-type": "application/pem-certificate-chain" }, text: certificate! }));
    return object();
  }

  newOrders() {
    return this.ca.posts("/order");
  }
}

let ca: IssuingCa;
let tenant: Tenant;
let unexpected: string[];

/** Routes the Worker's outbound fetch: the fake CA's host to it, DoH lookups to an empty NOERROR answer. */
function routeFetch(): void {
  const resolver = new URL(deps().config.DOH_RESOLVER_URL);
  unexpected = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin === CA && url.pathname === "/order" && ca.newOrderUnreachableFrom !== undefined && ca.newOrderAttempts++ >= ca.newOrderUnreachableFrom) {
      ca.events.push("newOrder unreachable");
      throw new TypeError("Network connection lost.");
    }
    if (url.origin === CA) return ca.ca.fetch(input, init);
    if (url.origin === resolver.origin && url.pathname === resolver.pathname) {
      ca.events.push(`caa ${url.searchParams.get("name")}`);
      return new Response(JSON.stringify({ Status: 0, Answer: [] }), { headers: { "content-type": "application/dns-json" } });
    }
    unexpected.push(url.toString());
    return new Response("unit tests have no network", { status: 502 });
  });
}

beforeEach(async () => {
  tenant = await newTenant();
  ca = new IssuingCa();
  routeFetch();
});

afterEach(() => {
  vi.restoreAllMocks();
  expect(unexpected).toEqual([]);
});

/** A budget that answers `answer` (spent when ok), recording each ask, and each order given back, in the CA's events. */
function fakeBudget(answer: OrderBudgetAnswer = EXHAUSTED) {
  const take = vi.fn(async (_order: OrderToPlace) => {
    ca.events.push("budget");
    return answer;
  });
  const giveBack = vi.fn(async (_order: OrderToPlace) => {
    ca.events.push("given back");
  });
  return { take, giveBack } satisfies OrderBudget;
}

const withBudget = (budget: OrderBudget | undefined): IssuanceDeps => ({ ...deps(), orderBudget: budget });

/** `count` names the tenant holds (a project each). */
async function heldNames(count = 1): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push((await newProject(tenant)).domain!);
  return names;
}

/** A stored certificate of the tenant for names it holds, due a minute ago (a sweep would renew it now). */
async function dueCertificate(names: string[]): Promise<CertificateRow> {
  return storedAcmeCertificate({ teamId: tenant.teamId, projectId: null }, names, Date.now() - 60_000);
}

/** A due certificate as this CA would have issued it: with an AKI, so a renewal can name it in `replaces`. */
async function dueCertificateWithAki(names: string[]): Promise<CertificateRow> {
  const keys = await makeKey("EC-P256");
  const privateKeyPem = toPem((await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer, "PRIVATE KEY");
  const checked = await checkCertificate({ certificatePem: (await leafPem(names, keys.publicKey)) + issuer.pem, privateKeyPem });
  const { db, config } = deps();
  return storeCertificate(
    db,
    config.ENCRYPTION_KEY,
    {
      teamId: tenant.teamId,
      projectId: null,
      type: ACME_TYPE,
      domain: names[0]!,
      ...materialOf(checked),
      autoRenew: true,
      issuance: { challengeType: "http-01", dnsProvider: null, keySpec: { keyType: "ec", curve: "P-256" }, email: null, staging: false, directoryUrl: DIRECTORY, profile: null },
      nextRenewalAt: Date.now() - 60_000,
    },
    Date.now(),
  );
}

const atFakeCa = (request: IssueRequest): IssueRequest => ({ ...request, directoryUrl: DIRECTORY });
const renewal = (row: CertificateRow, trigger: "manual" | "sweep" = "sweep") => atFakeCa(renewRequest(row, trigger));

describe("an exhausted order budget", () => {
  it("defers a sweep's renewal: nothing reaches newOrder, the next try moves to when the budget refills, no failure counted", async () => {
    const names = await heldNames(2);
    const row = await dueCertificate(names);
    const budget = fakeBudget();
    const before = Date.now();
    const outcome = await runIssuance(withBudget(budget), renewal(row));
    const after = Date.now();

    expect(outcome).toEqual({ state: "skipped", reason: BUDGET_MESSAGE });
    expect(ca.newOrders()).toHaveLength(0);
    expect(budget.take).toHaveBeenCalledTimes(1);
    expect(budget.take).toHaveBeenCalledWith({ teamId: tenant.teamId, directoryUrl: DIRECTORY, names });
    // The CAA preflight ran first: a refusal there costs no budget.
    expect(ca.events).toEqual([...names.flatMap((name) => [`caa ${name}`, "caa example.com"]).filter((e, i, all) => all.indexOf(e) === i), "budget"]);

    const stored = (await readRow(row.id))!;
    expect(stored.nextRenewalAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(stored.nextRenewalAt).toBeLessThanOrEqual(after + 120_000);
    expect(stored.lastRenewError).toBe(BUDGET_MESSAGE);
    expect(stored.renewalFailures).toBe(0);
    expect(stored).toMatchObject({ fingerprint: row.fingerprint, certificatePem: row.certificatePem, autoRenew: true, state: "active" });
    expect(stored.updatedAt).toBeGreaterThan(row.updatedAt);

    // No longer due: the sweep's next look leaves it alone without asking the budget again.
    expect(await runIssuance(withBudget(budget), renewal(stored))).toEqual({ state: "skipped", reason: "Not due for renewal" });
    expect(budget.take).toHaveBeenCalledTimes(1);
  });

  it("fails a manual renewal with 429 rate_limited and when to retry, ordering nothing", async () => {
    const names = await heldNames();
    const row = await dueCertificate(names);
    const budget = fakeBudget();
    const outcome = await runIssuance(withBudget(budget), renewal(row, "manual"));
    expect(outcome).toEqual({
      state: "failed",
      error: expect.objectContaining({ code: "rate_limited", status: 429, retryAfter: 120, message: BUDGET_MESSAGE }),
    });
    expect(ca.newOrders()).toHaveLength(0);
    expect(budget.take).toHaveBeenCalledTimes(1);
    const stored = (await readRow(row.id))!;
    expect(stored).toMatchObject({ fingerprint: row.fingerprint, certificatePem: row.certificatePem, autoRenew: true });
  });

  it("fails an obtain with 429 rate_limited, ordering and storing nothing", async () => {
    const project = await newProject(tenant);
    const owner = { teamId: tenant.teamId, projectId: project.id };
    const budget = fakeBudget();
    const outcome = await runIssuance(withBudget(budget), atFakeCa(obtainRequest(owner, [project.domain!])));
    expect(outcome).toEqual({ state: "failed", error: expect.objectContaining({ code: "rate_limited", status: 429, retryAfter: 120 }) });
    expect(ca.newOrders()).toHaveLength(0);
    expect(await deps().db.query.certificates.findFirst({ where: (c, { eq }) => eq(c.projectId, project.id) })).toBeUndefined();
  });
});

describe("the budget is spent once, right before a new order", () => {
  it("an obtain: asked once for the team, the directory and the names, before newOrder, and the certificate is issued", async () => {
    const project = await newProject(tenant);
    const owner = { teamId: tenant.teamId, projectId: project.id };
    const budget = fakeBudget({ ok: true });
    const outcome = await runIssuance(withBudget(budget), atFakeCa(obtainRequest(owner, [project.domain!])));
    expect(outcome).toMatchObject({ state: "issued" });
    expect(budget.take).toHaveBeenCalledTimes(1);
    expect(budget.take).toHaveBeenCalledWith({ teamId: tenant.teamId, directoryUrl: DIRECTORY, names: [project.domain] });
    expect(ca.events.filter((e) => !e.startsWith("caa "))).toEqual(["budget", "newOrder"]);
    const stored = await deps().db.query.certificates.findFirst({ where: (c, { eq }) => eq(c.projectId, project.id) });
    expect(stored).toMatchObject({ domain: project.domain, names: [project.domain] });
  });

  it("once per order when the CA has forgotten the account: the account is made again, one order, one spend", async () => {
    const project = await newProject(tenant);
    const owner = { teamId: tenant.teamId, projectId: project.id };
    const budget = fakeBudget({ ok: true });
    // A first obtain stores the team's account; the CA then forgets it and refuses the next order with accountDoesNotExist.
    expect(await runIssuance(withBudget(fakeBudget({ ok: true })), atFakeCa(obtainRequest(owner, [project.domain!])))).toMatchObject({ state: "issued" });
    ca.refuseNextNewOrder = problem("accountDoesNotExist", "no such account");
    ca.events.length = 0;
    const outcome = await runIssuance(withBudget(budget), { ...atFakeCa(obtainRequest(owner, [project.domain!])), dryRun: true });
    expect(outcome).toMatchObject({ state: "validated" });
    expect(ca.events.filter((e) => !e.startsWith("caa "))).toEqual(["budget", "newOrder", "newOrder"]);
    expect(budget.take).toHaveBeenCalledTimes(1);
  });

  it("a renewal without ARI (the directory has no renewalInfo): spent, no `replaces`, renewed", async () => {
    const names = await heldNames();
    const row = await dueCertificateWithAki(names);
    const budget = fakeBudget({ ok: true });
    const outcome = await runIssuance(withBudget(budget), renewal(row));
    expect(outcome).toMatchObject({ state: "issued", certificateId: row.id });
    expect(budget.take).toHaveBeenCalledTimes(1);
    expect(ca.newOrders()).toHaveLength(1);
    expect(ca.newOrders()[0]!.payload).not.toHaveProperty("replaces");
    expect((await readRow(row.id))!.fingerprint).not.toBe(row.fingerprint);
  });

  it("spent even when the CA then refuses the order (the CA may count it), and the refusal is the CA's", async () => {
    const names = await heldNames();
    const row = await dueCertificate(names);
    ca.refuseNewOrder = problem("malformed", "order refused on purpose", 400);
    const budget = fakeBudget({ ok: true });
    const outcome = await runIssuance(withBudget(budget), renewal(row, "manual"));
    expect(outcome).toEqual({ state: "failed", error: expect.objectContaining({ code: "ca_error", message: expect.stringContaining("order refused on purpose") }) });
    expect(budget.take).toHaveBeenCalledTimes(1);
    expect(ca.events.filter((e) => !e.startsWith("caa "))).toEqual(["budget", "newOrder"]);
  });

  it("with the real budget: an obtain spends it, and the sweep's renewal of the same names then waits", async () => {
    const project = await newProject(tenant);
    const names = [project.domain!];
    const base = deps();
    const clock = { now: () => Date.now() };
    const config = { ...base.config, ACME_ORDERS_PER_NAME_SET_PER_WEEK: 3 };
    const real = orderBudget({ config, clock, teamLimiter: base.teamLimiter });
    const issuance = { ...base, config, orderBudget: real };

    const first = await runIssuance(issuance, atFakeCa(obtainRequest({ teamId: tenant.teamId, projectId: project.id }, names)));
    expect(first).toMatchObject({ state: "issued" });
    const row = (await readRow((first as { certificateId: string }).certificateId))!;
    // Two more orders for the same names spend the week's other two.
    for (let i = 0; i < 2; i++) expect(await real.take({ teamId: tenant.teamId, directoryUrl: DIRECTORY, names })).toEqual({ ok: true });

    await env.DB.prepare("UPDATE certificates SET next_renewal_at = ? WHERE id = ?").bind(Date.now() - 60_000, row.id).run();
    const due = (await readRow(row.id))!;
    const before = Date.now();
    const outcome = await runIssuance(issuance, renewal(due));
    expect(outcome).toMatchObject({ state: "skipped", reason: expect.stringContaining("3 orders per week for the same set of names") });
    expect(ca.newOrders()).toHaveLength(1); // the obtain's only
    const stored = (await readRow(row.id))!;
    // 3 per week: one back every 56 hours.
    expect(stored.nextRenewalAt! - before).toBeGreaterThanOrEqual(56 * 3_600_000 - 2_000);
    expect(stored.nextRenewalAt! - before).toBeLessThanOrEqual(56 * 3_600_000 + 2_000);
    expect(stored).toMatchObject({ renewalFailures: 0, fingerprint: row.fingerprint });
    // The account's own budget was not spent by the refusal: another set of names still goes.
    expect(await real.take({ teamId: tenant.teamId, directoryUrl: DIRECTORY, names: await heldNames() })).toEqual({ ok: true });
  });
});

describe("an order that never reached the CA", () => {
  const attempts = RETRY_POLICY.transientBackoffMs.length + 1;

  it("is given back: every attempt of newOrder failed to connect, so the CA cannot have counted it", async () => {
    const project = await newProject(tenant);
    const budget = fakeBudget({ ok: true });
    ca.newOrderUnreachableFrom = 0;
    const request = atFakeCa(obtainRequest({ teamId: tenant.teamId, projectId: project.id }, [project.domain!]));
    const outcome = await runIssuance(withBudget(budget), request);
    expect(outcome).toEqual({ state: "failed", error: expect.objectContaining({ code: "ca_unreachable", status: 503 }) });
    expect(ca.events.filter((e) => !e.startsWith("caa "))).toEqual(["budget", ...Array(attempts).fill("newOrder unreachable"), "given back"]);
    expect(budget.giveBack).toHaveBeenCalledWith(budget.take.mock.calls[0]![0]);
  });

  it("is not given back once the CA answered an attempt (a 503 here), even when the later ones failed to connect", async () => {
    const names = await heldNames();
    const row = await dueCertificate(names);
    const budget = fakeBudget({ ok: true });
    ca.refuseNextNewOrder = { status: 503, text: "down for maintenance" };
    ca.newOrderUnreachableFrom = 1;
    const outcome = await runIssuance(withBudget(budget), renewal(row, "manual"));
    expect(outcome).toEqual({ state: "failed", error: expect.objectContaining({ code: "ca_unreachable" }) });
    expect(ca.events.filter((e) => !e.startsWith("caa "))).toEqual(["budget", "newOrder", ...Array(attempts - 1).fill("newOrder unreachable")]);
    expect(budget.giveBack).not.toHaveBeenCalled();
  });

  it("with the real budget: the week's only order for a set of names, given back, is there for the next obtain", async () => {
    const project = await newProject(tenant);
    const names = [project.domain!];
    const base = deps();
    const config = { ...base.config, ACME_ORDERS_PER_NAME_SET_PER_WEEK: 1 };
    const issuance = { ...base, config, orderBudget: orderBudget({ config, clock: { now: () => Date.now() }, teamLimiter: base.teamLimiter }) };
    const request = atFakeCa(obtainRequest({ teamId: tenant.teamId, projectId: project.id }, names));

    ca.newOrderUnreachableFrom = 0;
    expect(await runIssuance(issuance, request)).toMatchObject({ state: "failed", error: { code: "ca_unreachable" } });
    ca.newOrderUnreachableFrom = undefined;
    const second = await runIssuance(issuance, request);
    expect(second).toMatchObject({ state: "issued" });
    expect(ca.newOrders()).toHaveLength(1);
    // That order was spent: the week's budget for these names is gone now.
    expect(await runIssuance(issuance, { ...request, dryRun: true })).toMatchObject({ state: "failed", error: { code: "rate_limited" } });
  });
});

describe("orders the budget does not count", () => {
  it("a renewal naming the certificate it replaces (ARI) never asks the budget, even an exhausted one, and renews", async () => {
    ca = new IssuingCa({ renewalInfo: true });
    const names = await heldNames();
    const row = await dueCertificateWithAki(names);
    const budget = fakeBudget();
    const outcome = await runIssuance(withBudget(budget), renewal(row));
    expect(outcome).toMatchObject({ state: "issued", certificateId: row.id });
    expect(budget.take).not.toHaveBeenCalled();
    expect(ca.newOrders()).toHaveLength(1);
    expect(ca.newOrders()[0]!.payload).toMatchObject({ replaces: ariCertificateId(row.certificatePem) });
    const stored = (await readRow(row.id))!;
    expect(stored.fingerprint).not.toBe(row.fingerprint);
    expect(stored.renewalFailures).toBe(0);
  });

  it("a renewal whose certificate has no AKI cannot name it: it is counted (and deferred when exhausted)", async () => {
    ca = new IssuingCa({ renewalInfo: true });
    const names = await heldNames();
    const row = await dueCertificate(names); // the test PKI's leaves carry no AKI
    expect(() => ariCertificateId(row.certificatePem)).toThrow(/Authority Key Identifier/);
    const budget = fakeBudget();
    const outcome = await runIssuance(withBudget(budget), renewal(row));
    expect(outcome).toEqual({ state: "skipped", reason: BUDGET_MESSAGE });
    expect(budget.take).toHaveBeenCalledTimes(1);
    expect(ca.newOrders()).toHaveLength(0);
  });

  it("an obtain is counted even where the directory offers ARI (it replaces nothing)", async () => {
    ca = new IssuingCa({ renewalInfo: true });
    const project = await newProject(tenant);
    const budget = fakeBudget();
    const outcome = await runIssuance(withBudget(budget), atFakeCa(obtainRequest({ teamId: tenant.teamId, projectId: project.id }, [project.domain!])));
    expect(outcome).toMatchObject({ state: "failed", error: { code: "rate_limited" } });
    expect(ca.newOrders()).toHaveLength(0);
  });

  it("an order resumed from its checkpoint is not a new order: the budget is not asked", async () => {
    const names = await heldNames();
    const row = await dueCertificate(names);
    ca.serveOrder("saved", names);
    let saved: OrderCheckpoint | null = { orderUrl: `${CA}/order/saved`, step: "ordered", presented: [], directoryUrl: DIRECTORY };
    const checkpoints: CheckpointStore = {
      load: async () => saved,
      save: async (checkpoint) => void (saved = checkpoint),
      clear: async () => void (saved = null),
    };
    const budget = fakeBudget();
    const outcome = await runIssuance(withBudget(budget), renewal(row, "manual"), Date.now, checkpoints);
    expect(outcome).toMatchObject({ state: "issued", certificateId: row.id });
    expect(budget.take).not.toHaveBeenCalled();
    expect(ca.newOrders()).toHaveLength(0);
    expect(ca.ca.posts("/order/saved/finalize")).toHaveLength(1);
  });

  it("a saved order the CA has invalidated is replaced by a new one, which is counted", async () => {
    const names = await heldNames();
    const row = await dueCertificate(names);
    ca.ca.on("POST", "/order/gone", () => problem("malformed", "No such order", 404));
    let saved: OrderCheckpoint | null = { orderUrl: `${CA}/order/gone`, step: "ordered", presented: [], directoryUrl: DIRECTORY };
    const checkpoints: CheckpointStore = {
      load: async () => saved,
      save: async (checkpoint) => void (saved = checkpoint),
      clear: async () => void (saved = null),
    };
    const budget = fakeBudget();
    const outcome = await runIssuance(withBudget(budget), renewal(row), Date.now, checkpoints);
    expect(outcome).toEqual({ state: "skipped", reason: BUDGET_MESSAGE });
    expect(budget.take).toHaveBeenCalledTimes(1);
    expect(ca.newOrders()).toHaveLength(0);
  });

  it("without a budget in the deps (the flow alone), orders are placed uncounted", async () => {
    const names = await heldNames();
    const row = await dueCertificate(names);
    const outcome = await runIssuance(withBudget(undefined), renewal(row));
    expect(outcome).toMatchObject({ state: "issued", certificateId: row.id });
    expect(ca.newOrders()).toHaveLength(1);
  });
});
