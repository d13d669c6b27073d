/** Per-team byte quotas on OpenAI organization certificates and on server certificates, and the SAN list cap. */
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/core/errors";
import { database } from "../../../src/db/client";
import { createOrganizationCertificate } from "../../../src/services/organization-certificates";
import { requireCertificateRoom, storedCertificateBytes } from "../../../src/services/limits/certificate-quota";
import { MAX_NAMES_PER_CERTIFICATE, sanList } from "../../../src/services/limits/san-list";
import { env, newTenant } from "../../support/api";
import { makeCa, makeChain, type TestCa } from "../../support/pki-fixtures";

const db = database(env.DB);
/** A size as messages give it: "611 bytes", "4 KiB", "1 MiB". */
const SIZE = "\\d+ (?:bytes|KiB|MiB)";
let cas: TestCa[];

beforeAll(async () => {
  cas = await Promise.all([1, 2, 3].map((i) => makeCa({ cn: `Quota Org CA ${i}` })));
});

function refusal(run: () => unknown): Promise<AppError> {
  return Promise.resolve()
    .then(run)
    .then(
      () => {
        throw new Error("expected a refusal");
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(AppError);
        return error as AppError;
      },
    );
}

describe("organization certificates", () => {
  it("refuses a certificate that would pass the team's byte quota, storing nothing", async () => {
    const tenant = await newTenant();
    const first = await createOrganizationCertificate(db, tenant.teamId, { pem: cas[0]!.pem }, Date.now(), { ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM: 10_000 });
    const limits = { ORGANIZATION_CERTIFICATE_BYTES_PER_TEAM: first.contentPem.length + 100 };
    const error = await refusal(() => createOrganizationCertificate(db, tenant.teamId, { pem: cas[1]!.pem }, Date.now(), limits));
    expect(error).toMatchObject({ code: "limit_reached", status: 409, param: "certificate" });
    expect(error.message).toMatch(new RegExp(`^This certificate \\(${SIZE}\\) would take the organization's certificates past ${SIZE} \\(${SIZE} in use\\); delete one before uploading another$`));
    const count = await env.DB.prepare("SELECT count(*) AS n FROM organization_certificates WHERE team_id = ?").bind(tenant.teamId).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("keeps the count limit's own message", async () => {
    const tenant = await newTenant();
    const now = Date.now();
    const pems = Array.from({ length: 50 }, (_, i) => cas[i % 3]!.pem);
    for (const pem of pems) await createOrganizationCertificate(db, tenant.teamId, { pem }, now);
    const error = await refusal(() => createOrganizationCertificate(db, tenant.teamId, { pem: cas[0]!.pem }, now));
    expect(error.message).toBe("An organization can hold at most 50 certificates; delete one before uploading another");
  });
});

describe("server certificates (requireCertificateRoom)", () => {
  async function plant(teamId: string, id: string, pem: string) {
    await env.DB.prepare(
      `INSERT INTO certificates (id, team_id, type, domain, names, certificate_pem, sealed_key, key_type, issuer, serial, fingerprint, issued_at, expires_at, created_at, updated_at)
       VALUES (?, ?, 'custom', 'x.example.com', '[]', ?, 'v2.abcdefgh.sealed', 'ec', 'test', '01', ?, 0, 1, 0, 0)`,
    )
      .bind(id, teamId, pem, id)
      .run();
  }

  it("refuses past the count or the bytes, and does not count the row being replaced", async () => {
    const tenant = await newTenant();
    const chain = await makeChain({ names: ["quota.example.com"] });
    await plant(tenant.teamId, `cert_q1_${tenant.teamId}`, chain.leafPem);
    await plant(tenant.teamId, `cert_q2_${tenant.teamId}`, chain.leafPem);
    const incoming = storedCertificateBytes({ leafPem: chain.leafPem, chainPem: "", privateKeyPkcs8Pem: chain.keyPem });
    const roomy = { CERTIFICATES_PER_TEAM: 10, CERTIFICATE_BYTES_PER_TEAM: 1024 * 1024 };
    await requireCertificateRoom(db, roomy, tenant.teamId, incoming);

    const byCount = await refusal(() => requireCertificateRoom(db, { ...roomy, CERTIFICATES_PER_TEAM: 2 }, tenant.teamId, incoming));
    expect(byCount).toMatchObject({ code: "limit_reached", status: 409, message: "A team can hold at most 2 certificates; delete one before adding another" });
    await requireCertificateRoom(db, { ...roomy, CERTIFICATES_PER_TEAM: 2 }, tenant.teamId, incoming, `cert_q1_${tenant.teamId}`);

    const used = 2 * (chain.leafPem.length + "v2.abcdefgh.sealed".length);
    const byBytes = await refusal(() => requireCertificateRoom(db, { ...roomy, CERTIFICATE_BYTES_PER_TEAM: used + incoming - 1 }, tenant.teamId, incoming));
    expect(byBytes.message).toMatch(new RegExp(`^This certificate \\(${SIZE} stored\\) would take the team's certificates past ${SIZE} \\(${SIZE} in use\\); delete some first$`));
    await requireCertificateRoom(db, { ...roomy, CERTIFICATE_BYTES_PER_TEAM: used + incoming }, tenant.teamId, incoming);
  });
});

describe("sanList", () => {
  it("drops duplicates however they are spelled, keeping the first order", () => {
    expect(sanList(["A.example.com", "a.example.com.", " b.example.com", "a.EXAMPLE.com"], "cns")).toEqual(["a.example.com", "b.example.com"]);
  });

  it("refuses more than 100 distinct names and none at all, naming the field", async () => {
    const names = Array.from({ length: MAX_NAMES_PER_CERTIFICATE + 1 }, (_, i) => `n${i}.example.com`);
    expect(sanList([...names.slice(0, 100), ...names.slice(0, 100)], "cns")).toHaveLength(100);
    const tooMany = await refusal(() => sanList(names, "cns"));
    expect(tooMany).toMatchObject({ status: 400, param: "cns", message: "cns: at most 100 names per certificate (101 given)" });
    expect((await refusal(() => sanList([], "cns"))).message).toBe("cns: give at least one name");
  });
});
