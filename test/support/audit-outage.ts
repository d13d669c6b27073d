/** An outage of the audit log, as a test makes one: a trigger that refuses matching audit inserts, as a failing D1 write would. */
import { env } from "cloudflare:test";

/** Makes every audit insert matching `when` (SQL over NEW) fail for the length of `run`, then drops the trigger. */
export async function withAuditFailing<T>(when: string, run: () => Promise<T>): Promise<T> {
  const name = `audit_down_${crypto.randomUUID().replaceAll("-", "")}`;
  await env.DB.prepare(`CREATE TRIGGER ${name} BEFORE INSERT ON audit_log WHEN ${when} BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`).run();
  try {
    return await run();
  } finally {
    await env.DB.prepare(`DROP TRIGGER ${name}`).run();
  }
}

/** SQL matching an audit row of `action` in the team `teamId` (or in no team's log, for an operator's action). */
export function auditRowOf(action: string, teamId = ""): string {
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  return `NEW.action = ${quote(action)} AND NEW.team_id = ${quote(teamId)}`;
}
