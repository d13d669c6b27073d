/** The per-team limiter: one Durable Object per team holds its token buckets, one strongly consistent balance each. */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { type BucketPolicy, type BucketState, returnToken, type TakeResult, type TeamLimiterRpc, takeToken } from "../services/limits/token-bucket";

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
    const { state, result } = takeToken(this.read(bucket), policy, now);
    this.write(bucket, state);
    return result;
  }

  /** All or nothing, synchronously like `take`: every bucket is judged first, and written only when all had a token. */
  async takeAll(buckets: { bucket: string; policy: BucketPolicy }[], now: number): Promise<TakeResult & { limitIndex?: number }> {
    const judged = buckets.map(({ bucket, policy }) => ({ bucket, ...takeToken(this.read(bucket), policy, now) }));
    let refused: (TakeResult & { limitIndex?: number }) | undefined;
    judged.forEach(({ result }, index) => {
      if (!result.ok && (!refused || refused.ok || result.retryAfterSeconds > refused.retryAfterSeconds)) refused = { ...result, limitIndex: index };
    });
    if (refused) return refused;
    for (const { bucket, state } of judged) this.write(bucket, state);
    const remaining = Math.min(...judged.map(({ result }) => (result.ok ? result.remaining : 0)));
    return { ok: true, remaining };
  }

  /** Synchronously too: each bucket read, refilled, given its token back and written, with no await in between. */
  async giveBackAll(buckets: { bucket: string; policy: BucketPolicy }[], now: number): Promise<void> {
    for (const { bucket, policy } of buckets) this.write(bucket, returnToken(this.read(bucket), policy, now));
  }

  private read(bucket: string): BucketState | null {
    const row = this.ctx.storage.sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM buckets WHERE name = ?", bucket).toArray()[0];
    return row ? { tokens: row.tokens, updatedAt: row.updated_at } : null;
  }

  private write(bucket: string, state: BucketState): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO buckets (name, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
      bucket,
      state.tokens,
      state.updatedAt,
    );
  }
}
