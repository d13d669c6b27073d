/**
 * The services' dependencies, built once per Worker environment at the edge (the app, the cron handler, the Durable
 * Object): configuration parsed and checked, clients made. Nothing below the edge sees the raw bindings.
 */
import { parseConfig } from "./core/config";
import { systemClock } from "./core/time";
import { database } from "./db/client";
import type { Env } from "./env";
import type { CertificateIssuerRpc } from "./issuance/issue-request";
import type { Deps } from "./services/deps";

const built = new WeakMap<Env, Deps>();

/** The dependencies of `env`, built on first use and reused for the isolate's lifetime (bindings do not change). */
export function depsFrom(env: Env): Deps {
  let deps = built.get(env);
  if (!deps) {
    const namespace = env.CERTIFICATE_ISSUER;
    deps = {
      db: database(env.DB),
      challenges: env.CHALLENGES,
      // The stub's methods are the class's RPC methods (CertificateIssuer implements CertificateIssuerRpc).
      issuer: (name) => namespace.get(namespace.idFromName(name)) as unknown as CertificateIssuerRpc,
      clock: systemClock,
      config: parseConfig(env as unknown as Record<string, unknown>),
    };
    built.set(env, deps);
  }
  return deps;
}
