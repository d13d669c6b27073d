/**
 * The services' dependencies, built once per Worker environment at the edge (the app, the cron handler, the Durable
 * Objects): configuration parsed and checked, clients made. Nothing below the edge sees the raw bindings.
 */
import { parseConfig } from "./core/config";
import { systemClock } from "./core/time";
import { database } from "./db/client";
import type { Env } from "./env";
import type { CertificateIssuerRpc } from "./issuance/issue-request";
import { teamLimiterName } from "./objects/team-limiter";
import type { Deps } from "./services/deps";
import { orderBudget } from "./services/limits/acme-orders";
import { takeCaCall } from "./services/limits/ca-calls";
import type { TeamLimiterRpc } from "./services/limits/token-bucket";

const built = new WeakMap<Env, Deps>();

/** The dependencies of `env`, built on first use and reused for the isolate's lifetime (bindings do not change). */
export function depsFrom(env: Env): Deps {
  let deps = built.get(env);
  if (!deps) {
    const issuers = env.CERTIFICATE_ISSUER;
    const limiters = env.TEAM_LIMITER;
    const made: Deps = {
      db: database(env.DB),
      challenges: env.CHALLENGES,
      // The stub's methods are the class's RPC methods (CertificateIssuer implements CertificateIssuerRpc).
      issuer: (name) => issuers.get(issuers.idFromName(name)) as unknown as CertificateIssuerRpc,
      // Likewise TeamLimiter implements TeamLimiterRpc.
      teamLimiter: (teamId) => limiters.get(limiters.idFromName(teamLimiterName(teamId))) as unknown as TeamLimiterRpc,
      limits: { takeCaCall: (teamId) => takeCaCall(made, teamId) },
      // Bound like `limits`: built once `made` is whole.
      orderBudget: { take: (order) => orderBudget(made).take(order), giveBack: (order) => orderBudget(made).giveBack(order) },
      renewalQueue: env.RENEWALS,
      webhookQueue: env.WEBHOOKS,
      clock: systemClock,
      config: parseConfig(env as unknown as Record<string, unknown>),
    };
    deps = made;
    built.set(env, deps);
  }
  return deps;
}
