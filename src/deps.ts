/**
 * What the services need, built once per Worker environment at the edge (routes, the cron handler, the Durable
 * Object): configuration parsed and checked, clients made. Nothing below the edge sees the raw bindings.
 */
import { systemClock, type Clock } from "./core/time";
import { database, type Database } from "./db/client";
import { readConfig, type Config, type Env } from "./env";
import type { CertificateIssuerRpc } from "./issuance/issue-request";

export interface Deps {
  db: Database;
  /** ACME HTTP-01 key authorizations (short TTL), served by the challenge route. */
  challenges: KVNamespace;
  /** The Durable Object that serializes every obtain, renew and revoke of one certificate (see issuerName). */
  issuer(name: string): CertificateIssuerRpc;
  clock: Clock;
  config: Config;
}

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
      config: readConfig(env),
    };
    built.set(env, deps);
  }
  return deps;
}
