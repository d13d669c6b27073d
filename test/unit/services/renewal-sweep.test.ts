/**
 * The renewal sweep: claims the due certificates (teams in turn) and puts them on the renewal queue. A claimed row is
 * left to its message by later ticks until the claim runs out; a refused send gives its chunk's claims back; one
 * statement claims the whole tick, and it reads only due rows (from the index alone), so its cost does not grow with
 * the certificates that are not due.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../../src/db/client";
import { depsFrom } from "../../../src/deps";
import type { Deps } from "../../../src/services/deps";
import type { RenewalMessage } from "../../../src/services/renewal-queue";
import { RENEWAL_CLAIM_MS, sweepDueCertificates } from "../../../src/services/renewal-sweep";
import { claimDueInTurns } from "../../../src/store/renewal-claims";
import { countedD1 } from "../../support/d1-count";

let sequence = 0;

async function insertTeam(): Promise<string> {
  const id = `team_sweep_${Date.now().toString(36)}_${sequence++}`;
  await env.DB.prepare("INSERT INTO teams (id, slug, name, created_at) VALUES (?, ?, ?, 0)").bind(id, id.replace(/_/g, "-"), id).run();
  return id;
}

/** Certificate rows of `teamId` due at each of `dueAt` (only the columns the sweep reads matter), in one batch. */
async function insertDue(teamId: string, ...dueAt: (number | null)[]): Promise<string[]> {
  const ids = dueAt.map(() => `cert_sweep_${sequence++}`);
  const insert = env.DB.prepare(
    `INSERT INTO certificates (id, team_id, project_id, type, domain, names, certificate_pem, sealed_key, key_type, issuer, serial,
       fingerprint, issued_at, expires_at, next_renewal_at, created_at, updated_at)
     VALUES (?, ?, NULL, 'custom', 'x.example.com', '["x.example.com"]', '', '', 'ec', 'test', '01', ?, 0, 1, ?, 0, 0)`,
  );
  for (let i = 0; i < ids.length; i += 500) {
    await env.DB.batch(ids.slice(i, i + 500).map((id, j) => insert.bind(id, teamId, id, dueAt[i + j] ?? null)));
  }
  return ids;
}

/**
 * The deps with a queue that records what it is sent (or refuses, while `refuse` says so; it is asked with the number
 * of the send, from 0) and a database that records the D1 statements the sweep runs (`statements`).
 */
function withQueue(options: { refuse?: (send: number) => boolean } = {}): { deps: Deps; sent: RenewalMessage[]; sends: number[]; statements: string[] } {
  const sent: RenewalMessage[] = [];
  const sends: number[] = [];
  const statements: string[] = [];
  let send = 0;
  const renewalQueue: Deps["renewalQueue"] = {
    async sendBatch(messages) {
      if (options.refuse?.(send++)) throw new Error("Queue sendBatch failed: the queue is overloaded");
      sends.push([...messages].length);
      for (const message of messages) sent.push(message.body);
    },
  };
  return { deps: { ...depsFrom(env), db: database(countedD1(env.DB, statements)), renewalQueue }, sent, sends, statements };
}

const isClaim = (sql: string) => /^update "certificates" set "renewal_queued_until" = \? where "certificates"\."id" in \(select/.test(sql);

/** Whether each of `ids` is claimed now (renewal_queued_until set), in order. */
async function claimedNow(ids: readonly string[]): Promise<boolean[]> {
  const rows = await env.DB.prepare(`SELECT id, renewal_queued_until AS until FROM certificates WHERE id IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(ids))
    .all<{ id: string; until: number | null }>();
  const until = new Map(rows.results.map((row) => [row.id, row.until]));
  return ids.map((id) => until.get(id) != null);
}

// Each test works at its own instants, before every earlier test's (so their rows are not due for it) and long before
// any real certificate's: a sweep as of this test's instants sees only this test's rows.
let epoch = 900_000_000_000;
const nextEpoch = () => (epoch -= 1_000_000_000);

describe("renewal sweep", () => {
  it("takes every team's most overdue certificates before a second one of any team, and sends them in that order", async () => {
    const base = nextEpoch();
    const asOf = base + 1_000_000;
    const [busy, quiet, third] = [await insertTeam(), await insertTeam(), await insertTeam()];
    const backlog = await insertDue(busy, ...Array.from({ length: 60 }, (_, i) => base + 1_000 + i)); // all more overdue than the others'
    const quietIds = await insertDue(quiet, base + 500_000, base + 600_000);
    const [thirdId] = await insertDue(third, base + 900_000);
    await insertDue(quiet, asOf + 1); // not due yet

    const { deps, sent } = withQueue();
    const result = await sweepDueCertificates(deps, asOf, 10);

    expect(result).toMatchObject({ due: 10, enqueued: 10, failed: 0 });
    // Turn 1: each team's most overdue, most overdue first; turn 2: the second of each; then the busy team alone.
    const expected = [backlog[0], quietIds[0], thirdId, backlog[1], quietIds[1], ...backlog.slice(2, 7)];
    expect(result.ids).toEqual(expected);
    expect(sent).toEqual(expected.map((id) => ({ certificateId: id, teamId: expect.any(String), asOf })));
    expect(sent[0]!.teamId).toBe(busy);
  });

  it("leaves claimed rows to their message on the next tick, and takes them again once the claim ran out", async () => {
    const base = nextEpoch();
    const team = await insertTeam();
    const ids = await insertDue(team, base, base + 1, base + 2);
    const { deps } = withQueue();

    const first = await sweepDueCertificates(deps, base + 10);
    expect(first.ids).toEqual(ids);
    const claimed = await env.DB.prepare(`SELECT renewal_queued_until AS until FROM certificates WHERE id = ?`).bind(ids[0]).first<{ until: number }>();
    expect(claimed!.until).toBe(base + 10 + RENEWAL_CLAIM_MS);

    const second = await sweepDueCertificates(deps, base + 20);
    expect(second).toMatchObject({ due: 0, enqueued: 0, ids: [] });

    const afterClaim = await sweepDueCertificates(deps, base + 10 + RENEWAL_CLAIM_MS);
    expect(afterClaim.ids).toEqual(ids);
  });

  it("claims up to the tick's limit in one statement, sends it 100 at a time, and leaves the rest to the next tick", async () => {
    const base = nextEpoch();
    const team = await insertTeam();
    const ids = await insertDue(team, ...Array.from({ length: 1_234 }, (_, i) => base + i));
    const { deps, sent, sends, statements } = withQueue();

    const limited = await sweepDueCertificates(deps, base + 10_000, 1_100);
    expect(limited).toMatchObject({ due: 1_100, enqueued: 1_100, failed: 0 });
    expect(limited.ids).toEqual(ids.slice(0, 1_100));
    // Queue.sendBatch takes at most 100 messages.
    expect(sends).toEqual(Array.from({ length: 11 }, () => 100));
    expect(statements).toHaveLength(1);
    expect(statements.every(isClaim)).toBe(true);

    const rest = await sweepDueCertificates(deps, base + 10_000, 5_000);
    expect(rest.ids).toEqual(ids.slice(1_100));
    expect(new Set(sent.map((m) => m.certificateId)).size).toBe(1_234);
    // The tick that found fewer than its limit due: still one statement.
    expect(statements).toHaveLength(2);
  });

  it("claims a whole tick's 4,000 in one D1 statement, teams interleaved in turns across the whole tick", async () => {
    const base = nextEpoch();
    const asOf = base + 100_000;
    const [big, mid, small] = [await insertTeam(), await insertTeam(), await insertTeam()];
    // Within a turn, big's is the most overdue, then mid's, then small's; small runs out after 200 turns, mid after
    // 1,000, and 200 of big's stay for the next tick.
    const bigIds = await insertDue(big, ...Array.from({ length: 3_000 }, (_, t) => base + 3 * t));
    const midIds = await insertDue(mid, ...Array.from({ length: 1_000 }, (_, t) => base + 3 * t + 1));
    const smallIds = await insertDue(small, ...Array.from({ length: 200 }, (_, t) => base + 3 * t + 2));
    const { deps, sent, sends, statements } = withQueue();

    const tick = await sweepDueCertificates(deps, asOf, 4_000);

    const expected: string[] = [];
    for (let t = 0; expected.length < 4_000; t++) {
      for (const team of [bigIds, midIds, smallIds]) if (t < team.length && expected.length < 4_000) expected.push(team[t]!);
    }
    expect(tick).toMatchObject({ due: 4_000, enqueued: 4_000, failed: 0 });
    expect(tick.ids).toEqual(expected);
    expect(sent.map((m) => m.certificateId)).toEqual(expected);
    expect(expected.slice(0, 6)).toEqual([bigIds[0], midIds[0], smallIds[0], bigIds[1], midIds[1], smallIds[1]]);
    expect(expected.at(-1)).toBe(bigIds[2_799]);
    // The whole tick: one claim statement (not one per page), then 40 sends of 100.
    expect(statements).toHaveLength(1);
    expect(statements.every(isClaim)).toBe(true);
    expect(sends).toEqual(Array.from({ length: 40 }, () => 100));

    const next = await sweepDueCertificates(deps, asOf, 4_000);
    expect(next.ids).toEqual(bigIds.slice(2_800));
  });

  it("gives the claims back when the queue refuses, so the next tick finds the rows due", async () => {
    const base = nextEpoch();
    const team = await insertTeam();
    const ids = await insertDue(team, ...Array.from({ length: 150 }, (_, i) => base + i));
    let refuse = false;
    const { deps, sent } = withQueue({ refuse: () => refuse });
    const quietLog = console.error;
    console.error = () => {};
    refuse = true;
    const refused = await sweepDueCertificates(deps, base + 1_000).finally(() => (console.error = quietLog));
    expect(refused).toMatchObject({ due: 150, enqueued: 0, failed: 150, ids: [] });
    const stillClaimed = await env.DB.prepare(`SELECT count(*) AS n FROM certificates WHERE team_id = ? AND renewal_queued_until IS NOT NULL`).bind(team).first<{ n: number }>();
    expect(stillClaimed!.n).toBe(0);

    refuse = false;
    const next = await sweepDueCertificates(deps, base + 1_000);
    expect(next.ids).toEqual(ids);
    expect(sent).toHaveLength(150);
  });

  it("gives back only the claims of the chunk the queue refused, sends the chunks after it, and in one release", async () => {
    const base = nextEpoch();
    const asOf = base + 1_000;
    const team = await insertTeam();
    const ids = await insertDue(team, ...Array.from({ length: 350 }, (_, i) => base + i));
    const { deps, sent, statements } = withQueue({ refuse: (send) => send === 1 });
    const quietLog = console.error;
    const logged: string[] = [];
    console.error = (line: string) => logged.push(line);

    const tick = await sweepDueCertificates(deps, asOf).finally(() => (console.error = quietLog));

    const refusedChunk = ids.slice(100, 200);
    const sentIds = [...ids.slice(0, 100), ...ids.slice(200)];
    expect(tick).toMatchObject({ due: 350, enqueued: 250, failed: 100 });
    expect(tick.ids).toEqual(sentIds);
    expect(sent.map((m) => m.certificateId)).toEqual(sentIds);
    expect(await claimedNow(refusedChunk)).toEqual(refusedChunk.map(() => false));
    expect(await claimedNow(sentIds)).toEqual(sentIds.map(() => true));
    expect(logged).toEqual([expect.stringContaining("refused 100 of 350 messages in 1 of its sends")]);
    // The claim, then the release of the refused chunk: one batch (90 ids per statement, D1 binds 100 at most).
    expect(statements).toHaveLength(3);
    expect(isClaim(statements[0]!)).toBe(true);
    const release = /^batch: update "certificates" set "renewal_queued_until" = \? where "certificates"\."id" in \(\?/;
    expect(statements.slice(1)).toEqual([expect.stringMatching(release), expect.stringMatching(release)]);

    // The next tick finds the refused chunk due again, and only it.
    const next = await sweepDueCertificates(deps, asOf);
    expect(next).toMatchObject({ due: 100, enqueued: 100, failed: 0, ids: refusedChunk });
  });

  it("stops sending after two refusals in a row: the queue is down, the rest of the tick is given back unsent", async () => {
    const base = nextEpoch();
    const asOf = base + 1_000;
    const team = await insertTeam();
    const ids = await insertDue(team, ...Array.from({ length: 450 }, (_, i) => base + i));
    let attempts = 0;
    const { deps, sends } = withQueue({ refuse: (send) => (attempts++, send >= 1) });
    const quietLog = console.error;
    console.error = () => {};
    const tick = await sweepDueCertificates(deps, asOf).finally(() => (console.error = quietLog));
    expect(tick).toMatchObject({ due: 450, enqueued: 100, failed: 350, ids: ids.slice(0, 100) });
    // The first send went through, the second and third were refused, the last two were never tried.
    expect(sends).toEqual([100]);
    expect(attempts).toBe(3);
    expect(await claimedNow(ids.slice(100))).toEqual(ids.slice(100).map(() => false));
  });

  it("claims through the partial index, reading the due rows only: more certificates not due cost it no more rows", async () => {
    const base = nextEpoch();
    const asOf = base + 1_000;
    const team = await insertTeam();
    await insertDue(team, ...Array.from({ length: 20 }, (_, i) => base + i));
    const claimStatement = () => claimDueInTurns(depsFrom(env).db, asOf, 4_000, asOf + RENEWAL_CLAIM_MS).toSQL();
    // D1 binds at most 100 parameters per statement: the claim's do not grow with its limit.
    expect(claimStatement().params).toHaveLength(5);

    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${claimStatement().sql}`)
      .bind(...claimStatement().params)
      .all<{ detail: string }>();
    const details = plan.results.map((row) => row.detail).join("\n");
    // The due rows are ranked from the index alone (it holds team_id and id too); rows are read only to be claimed.
    expect(details).toMatch(/SEARCH certificates USING COVERING INDEX certificates_renewal_idx \(next_renewal_at/);
    expect(details).not.toMatch(/SCAN certificates(?! USING)/);

    // D1 reports the rows a statement read (meta.rows_read): the claim's, with 1,000 then 6,000 rows not due beside the
    // due ones. Each run claims nothing new after the first (the claims hold), so the counts compare like for like.
    const rowsRead = async () => {
      const { sql, params } = claimStatement();
      return (await env.DB.prepare(sql).bind(...params).run()).meta.rows_read;
    };
    await insertDue(team, ...Array.from({ length: 1_000 }, () => asOf + 86_400_000));
    await env.DB.prepare(`UPDATE certificates SET renewal_queued_until = NULL WHERE team_id = ?`).bind(team).run();
    const withFewNotDue = await rowsRead();
    await insertDue(team, ...Array.from({ length: 5_000 }, () => asOf + 86_400_000), ...Array.from({ length: 100 }, () => null));
    await env.DB.prepare(`UPDATE certificates SET renewal_queued_until = NULL WHERE team_id = ?`).bind(team).run();
    const withManyNotDue = await rowsRead();
    expect(withManyNotDue).toBe(withFewNotDue);
    expect(withFewNotDue).toBeLessThan(1_000); // fewer than the rows not due: it never reads them
  });
});
