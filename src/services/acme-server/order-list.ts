/** An account's orders list (RFC 8555 §7.1.2.1, paged with `Link: rel="next"`) and its per-account order allowance. */
import { AcmeServerProblem } from "../../acme-server/problems";
import type { AcmeServerAccountRow } from "../../store/acme-server-accounts";
import { accountOrderPage } from "../../store/acme-server-orders";
import type { Deps } from "../deps";
import type { AcmeServerContext } from "./context";

const PAGE = 100;
/** newOrder per account: a burst of this many, refilled at the hourly rate, held by the team's limiter Durable Object. */
const ORDERS_BURST = 300;
const ORDERS_PER_HOUR = 3000;

export async function accountOrders(ctx: AcmeServerContext, account: AcmeServerAccountRow, cursor: string | undefined) {
  const match = cursor === undefined ? null : /^(\d{1,15})_([A-Za-z0-9_]{1,64})$/.exec(cursor);
  const rows = await accountOrderPage(ctx.db, account.id, PAGE, match ? { createdAt: Number(match[1]), id: match[2]! } : undefined);
  const page = rows.slice(0, PAGE);
  const last = page[page.length - 1];
  const next = rows.length > PAGE && last ? `${ctx.link.orders(account.id)}?cursor=${last.createdAt}_${last.id}` : null;
  return { orders: page.map((row) => ctx.link.order(row.id)), next };
}

/** One newOrder from the account's allowance, or `rateLimited` with Retry-After. */
export async function takeOrderAllowance(deps: Pick<Deps, "teamLimiter" | "clock">, account: AcmeServerAccountRow): Promise<void> {
  const result = await deps.teamLimiter(account.teamId).take(`acme-orders:${account.id}`, { capacity: ORDERS_BURST, refillPerHour: ORDERS_PER_HOUR }, deps.clock.now());
  if (!result.ok) throw new AcmeServerProblem("rateLimited", `too many new orders from this account: ${ORDERS_BURST} at once, ${ORDERS_PER_HOUR} per hour`, { retryAfterSeconds: result.retryAfterSeconds });
}
