/** The per-team limiter: one Durable Object per team holds its token buckets, one strongly consistent balance each. */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { type BucketPolicy, type BucketState, type TakeResult, type TeamLimiterRpc, takeToken } from "../services/limits/token-bucket";

/** The object serving `teamId`'s limits. */
export function teamLimiterName(teamId: string): string {
  return `team:${teamId}`;
}

/** One instance per id worldwide, so every request of the team, from any Worker isolate, meets the same balance. */
export class TeamLimiter extends DurableObject<Env> implements TeamLimiterRpc {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL)");
  }

  /** Read, refill, take and write with the synchronous SQL API: no await in between, so no other call interleaves. */
  async take(bucket: string, policy: BucketPolicy, now: number): Promise<TakeResult> {
    const sql = this.ctx.storage.sql;
    const row = sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM buckets WHERE name = ?", bucket).toArray()[0];
    const stored: BucketState | null = row ? { tokens: row.tokens, updatedAt: row.updated_at } : null;
    const { state, result } = takeToken(stored, policy, now);
    sql.exec(
      "INSERT INTO buckets (name, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
      bucket,
      state.tokens,
      state.updatedAt,
    );
    return result;
  }
}
