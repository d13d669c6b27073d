/** The renewal sweep takes teams in turn: one team's backlog cannot delay another team's renewals. */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { depsFrom } from "../../../src/deps";
import { dueInTurns, sweepDueCertificates } from "../../../src/services/renewal-sweep";

let sequence = 0;

async function insertTeam(): Promise<string> {
  const id = `team_sweep_${Date.now().toString(36)}_${sequence++}`;
  await env.DB.prepare("INSERT INTO teams (id, slug, name, created_at) VALUES (?, ?, ?, 0)").bind(id, id.replace(/_/g, "-"), id).run();
  return id;
}

/** A certificate row of `teamId` due at `nextRenewalAt` (only the columns the sweep reads matter). */
async function insertDue(teamId: string, nextRenewalAt: number): Promise<string> {
  const id = `cert_sweep_${sequence++}`;
  await env.DB.prepare(
    `INSERT INTO certificates (id, team_id, project_id, type, domain, names, certificate_pem, sealed_key, key_type, issuer, serial,
       fingerprint, issued_at, expires_at, next_renewal_at, created_at, updated_at)
     VALUES (?, ?, NULL, 'custom', 'x.example.com', '["x.example.com"]', '', '', 'ec', 'test', '01', ?, 0, 1, ?, 0, 0)`,
  )
    .bind(id, teamId, id, nextRenewalAt)
    .run();
  return id;
}

describe("renewal sweep", () => {
  // Instants near the epoch: no other test's certificate is due this early.
  const asOf = 1_000_000;

  it("takes every team's most overdue certificates before a second one of any team", async () => {
    const [busy, quiet, third] = [await insertTeam(), await insertTeam(), await insertTeam()];
    const backlog: string[] = [];
    for (let i = 0; i < 60; i++) backlog.push(await insertDue(busy, 1_000 + i)); // all more overdue than the others'
    const quietIds = [await insertDue(quiet, 500_000), await insertDue(quiet, 600_000)];
    const thirdId = await insertDue(third, 900_000);
    await insertDue(quiet, asOf + 1); // not due yet

    // Custom certificates are not renewable, so every hand-off fails: only the choice of rows is under test here.
    const quietLog = vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await sweepDueCertificates(depsFrom(env), asOf, 10);
    quietLog.mockRestore();

    expect(result.due).toBe(10);
    // Turn 1: each team's most overdue, most overdue first; turn 2: the second of each; then the busy team alone.
    expect(result.ids).toEqual([backlog[0], quietIds[0], thirdId, backlog[1], quietIds[1], ...backlog.slice(2, 7)]);
  });

  it("is oldest first within one team", async () => {
    const team = await insertTeam();
    const ids = [await insertDue(team, 3_000), await insertDue(team, 1_000), await insertDue(team, 2_000)];
    const deps = depsFrom(env);
    const taken = (await dueInTurns(deps, 3_500, 40)).filter((row) => row.teamId === team);
    expect(taken.map((row) => row.id)).toEqual([ids[1], ids[2], ids[0]]);
    expect(taken[0]!.names).toEqual(["x.example.com"]); // rows come back as typed rows (JSON columns decoded)
  });

  it("reads due rows through the partial index on next_renewal_at", async () => {
    const query = dueInTurns(depsFrom(env), asOf, 40).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const details = plan.results.map((row) => row.detail).join("\n");
    expect(details).toContain("certificates_renewal_idx");
    expect(details).not.toMatch(/SCAN certificates(?! USING)/);
  });
});
