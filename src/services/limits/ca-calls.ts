/** The per-team limit on calls that reach the CA (obtain, manual renew, Vercel issue): one token bucket per team. */
import { AppError } from "../../core/errors";
import type { Deps } from "../deps";

/** The bucket's name inside the team's limiter. */
export const CA_CALLS = "ca-calls";

/**
 * Takes one CA call from the team's allowance, held by the team's limiter Durable Object so that concurrent
 * requests from any isolate see one balance, or throws AppError("rate_limited") (429 with Retry-After in every
 * surface) before anything reaches the CA. Let's Encrypt's limits are shared by every team this Worker serves
 * (per IP, per registered domain: https://letsencrypt.org/docs/rate-limits/), so each team gets its own share.
 */
export async function takeCaCall(deps: Pick<Deps, "config" | "clock" | "teamLimiter">, teamId: string): Promise<void> {
  const { CA_CALLS_BURST, CA_CALLS_PER_HOUR } = deps.config;
  const result = await deps.teamLimiter(teamId).take(CA_CALLS, { capacity: CA_CALLS_BURST, refillPerHour: CA_CALLS_PER_HOUR }, deps.clock.now());
  if (result.ok) return;
  throw new AppError(
    "rate_limited",
    `Too many certificate orders from this team: ${CA_CALLS_BURST} at once and ${CA_CALLS_PER_HOUR} per hour reach the CA; retry in ${result.retryAfterSeconds} s`,
    { retryAfter: result.retryAfterSeconds },
  );
}
