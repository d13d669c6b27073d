/**
 * The CA's limits on new orders, spent where orders are created (issue-certificate.ts, never for a resumed order), so
 * a renewal backlog drains inside them instead of failing into them. Let's Encrypt counts new orders per account (300
 * per 3 hours) and certificates per exact set of names (5 per 7 days), and exempts an order that names the
 * certificate it replaces (RFC 9773 §5, `replaces`): https://letsencrypt.org/docs/rate-limits/. An order that never
 * reached the CA (no attempt of newOrder was answered) is given back: the CA cannot have counted it.
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
  /** Returns what `take` spent for `order`, when the order never reached the CA. */
  giveBack(order: OrderToPlace): Promise<void>;
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

/** One job's order at one CA: what issue-certificate.ts calls before newOrder, and if newOrder never reached the CA. */
export interface OrderSpend {
  /** Spends the budget, at most once however often the order is tried (an account made again); a refusal is kept too. */
  spend(): Promise<void>;
  /** Gives back what `spend` took; the next `spend` takes again. */
  giveBack(): Promise<void>;
}

export function orderSpend(budget: OrderBudget | undefined, order: OrderToPlace): OrderSpend {
  let spent: Promise<void> | undefined;
  return {
    spend: () => (spent ??= spendOrderBudget(budget, order)),
    async giveBack() {
      if (!budget || !spent) return;
      spent = undefined;
      try {
        await budget.giveBack(order);
      } catch (error) {
        // The job's own failure is what the caller must see; an order left spent only delays a later one.
        console.error(`order budget: could not give back an order that never reached ${order.directoryUrl}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}
