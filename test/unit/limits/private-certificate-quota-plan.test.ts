/**
 * The private certificate quota is checked inside the insert (PRIVATE_CERTIFICATES_PER_TEAM): its count must read the
 * team's rows from an index, or every issuance would scan every team's certificates.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../../src/db/client";
import { insertPrivateCertificateStatement, type PrivateCertificateRow } from "../../../src/store/private-certificates";

describe("insertPrivateCertificateStatement", () => {
  it("counts the team's certificates through private_certificates_team_expiry_idx, never a scan", async () => {
    const row = { id: "pcert_plan", teamId: "team_plan", caId: "ca_plan" } as PrivateCertificateRow;
    const { sql, params } = insertPrivateCertificateStatement(database(env.DB), row, 100).toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
    const plan = results.map((step) => step.detail);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH private_certificates USING COVERING INDEX private_certificates_team_expiry_idx \(team_id=\?\)/));
    expect(plan.filter((detail) => /^SCAN private_certificates/.test(detail))).toEqual([]);
  });
});
