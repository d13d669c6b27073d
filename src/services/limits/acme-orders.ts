/**
 * The CA's order budget (issuance/order-budget.ts), kept in the team's limiter object: accounts are one per team per
 * directory, so the team's object holds its accounts' balances. Two buckets per order, taken together or not at all:
 * the account's new orders (Let's Encrypt: 300 per 3 hours, refilling one every 36 s) and the exact set of names
 * (5 per 7 days). https://letsencrypt.org/docs/rate-limits/
 */
import type { Config } from "../../core/config";
import type { OrderBudget, OrderBudgetAnswer, OrderToPlace } from "../../issuance/order-budget";
import { bytesToBase64Url } from "../../crypto/encoding";
import type { Deps } from "../deps";

const WEEK_HOURS = 7 * 24;

/** A short stable key for a set of names (up to 100 names of 253 characters would make a long bucket name). */
async function nameSetKey(names: readonly string[]): Promise<string> {
  const sorted = [...new Set(names.map((name) => name.toLowerCase()))].sort().join(",");
  return bytesToBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(sorted))));
}

/** The two buckets an order spends, with the words a refusal uses for each. */
async function bucketsFor(config: Config, order: OrderToPlace) {
  const perAccount = config.ACME_ORDERS_PER_ACCOUNT_PER_3H;
  const perNames = config.ACME_ORDERS_PER_NAME_SET_PER_WEEK;
  return [
    {
      bucket: `acme-orders:${order.directoryUrl}`,
      policy: { capacity: perAccount, refillPerHour: perAccount / 3 },
      limit: `${perAccount} new orders per 3 hours`,
    },
    {
      bucket: `acme-names:${order.directoryUrl}:${await nameSetKey(order.names)}`,
      policy: { capacity: perNames, refillPerHour: perNames / WEEK_HOURS },
      limit: `${perNames} orders per week for the same set of names`,
    },
  ];
}

export function orderBudget(deps: Pick<Deps, "config" | "clock" | "teamLimiter">): OrderBudget {
  return {
    async take(order): Promise<OrderBudgetAnswer> {
      const buckets = await bucketsFor(deps.config, order);
      const result = await deps.teamLimiter(order.teamId).takeAll(
        buckets.map(({ bucket, policy }) => ({ bucket, policy })),
        deps.clock.now(),
      );
      if (result.ok) return { ok: true };
      return { ok: false, retryAfterSeconds: result.retryAfterSeconds, limit: buckets[result.limitIndex ?? 0]!.limit };
    },
    async giveBack(order): Promise<void> {
      const buckets = await bucketsFor(deps.config, order);
      await deps.teamLimiter(order.teamId).giveBackAll(
        buckets.map(({ bucket, policy }) => ({ bucket, policy })),
        deps.clock.now(),
      );
    },
  };
}
