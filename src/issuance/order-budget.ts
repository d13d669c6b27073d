/**
 * The CA's limits on new orders, spent where orders are created (issue-certificate.ts, never for a resumed order), so
 * a renewal backlog drains inside them instead of failing into them. Let's Encrypt counts new orders per account (300
 * per 3 hours) and certificates per exact set of names (5 per 7 days), and exempts an order that names the
 * certificate it replaces (RFC 9773 §5, `replaces`): https://letsencrypt.org/docs/rate-limits/.
 */
import { AppError } from "../core/errors";

export interface OrderToPlace {
  teamId: string;
  /** The CA: accounts are one per team per directory (acme-account.ts), so this names the account. */
  directoryUrl: string;
  names: readonly string[];
}

export type OrderBudgetAnswer = { ok: true } | { ok: false; retryAfterSeconds: number; limit: string };

/** Who keeps the balances (the team's limiter object: one strongly consistent balance per account and per name set). */
export interface OrderBudget {
  take(order: OrderToPlace): Promise<OrderBudgetAnswer>;
}

/** What an exhausted budget throws: 429 for a caller that waits, a deferral (not a failure) for the sweep's renewals. */
export function orderBudgetExhausted(order: OrderToPlace, answer: Extract<OrderBudgetAnswer, { ok: false }>): AppError {
  return new AppError(
    "rate_limited",
    `No new order placed: the team's ACME account at ${order.directoryUrl} has used its budget of ${answer.limit}; retry in ${answer.retryAfterSeconds} s`,
    { retryAfter: answer.retryAfterSeconds, detail: { orderBudget: answer.limit } },
  );
}

export function isOrderBudgetExhausted(error: AppError): boolean {
  const detail = error.detail as { orderBudget?: unknown } | undefined;
  return error.code === "rate_limited" && typeof detail?.orderBudget === "string";
}

/** Spends one order of the budget, or throws the 429 before the CA sees anything. */
export async function spendOrderBudget(budget: OrderBudget | undefined, order: OrderToPlace): Promise<void> {
  if (!budget) return;
  const answer = await budget.take(order);
  if (!answer.ok) throw orderBudgetExhausted(order, answer);
}
