/**
 * present and cleanUp for APIs that keep every TXT value at a name in one set and rewrite it whole (Route 53,
 * GoDaddy, Cloud DNS): read, modify and write under a per-name lock, reading again once when the set changed.
 */
import type { AppError } from "../core/errors";
import { KeyedLock } from "./keyed-lock";
import { normalizeFqdn } from "./names";
import type { DnsProvider } from "./provider";
import { txtMatches } from "./txt";

/**
 * How one API stores the set of TXT values at a name. `write` and `remove` resolve to undefined when done, or
 * to the error to report if the API says the set changed since it was read (it is then read again, once).
 */
export interface TxtSetStore<Zone, Set> {
  /** The set at `fqdn`, or undefined when the name holds no TXT value. */
  read(zone: Zone, fqdn: string): Promise<Set | undefined>;
  /** The TXT data of `set`, as the API stores them. */
  data(set: Set): readonly string[];
  /** `value` as the API stores it: a quoted RFC 1035 character-string or the bare text. */
  encode(value: string): string;
  /** A set holding exactly `data` at `fqdn`, keeping what `current` says besides (TTL, stored name). */
  withData(current: Set | undefined, fqdn: string, data: string[]): Set;
  /** Puts `next` in place of `current` (undefined when the name has no set yet). */
  write(zone: Zone, fqdn: string, current: Set | undefined, next: Set, action: string): Promise<AppError | undefined>;
  /** Deletes `current`, whose last value is ours. */
  remove(zone: Zone, fqdn: string, current: Set, action: string): Promise<AppError | undefined>;
}

const ATTEMPTS = 2;

/** One edit of the set as read: the write it needs, or undefined when there is nothing to do. */
type Step<Zone, Set> = (zone: Zone, fqdn: string, current: Set | undefined) => Promise<AppError | undefined> | undefined;

/** The provider's present and cleanUp over `store`, with `zoneFor` finding the zone of a name. */
export function txtSetMethods<Zone, Set>(
  zoneFor: (fqdn: string) => Promise<Zone>,
  store: TxtSetStore<Zone, Set>,
): Pick<DnsProvider, "present" | "cleanUp"> {
  const lock = new KeyedLock();

  async function edit(name: string, step: Step<Zone, Set>): Promise<void> {
    const fqdn = normalizeFqdn(name);
    const zone = await zoneFor(fqdn);
    await lock.run(fqdn, async () => {
      for (let attempt = 1; ; attempt++) {
        const conflict = await step(zone, fqdn, await store.read(zone, fqdn));
        if (!conflict) return;
        if (attempt >= ATTEMPTS) throw conflict;
      }
    });
  }

  function holds(set: Set | undefined, value: string): set is Set {
    return set !== undefined && store.data(set).some((data) => txtMatches(data, value));
  }

  return {
    present: (name, value) =>
      edit(name, (zone, fqdn, current) => {
        if (holds(current, value)) return undefined;
        const next = store.withData(current, fqdn, [...(current ? store.data(current) : []), store.encode(value)]);
        return store.write(zone, fqdn, current, next, `add a TXT value at ${fqdn}`);
      }),

    cleanUp: (name, value) =>
      edit(name, (zone, fqdn, current) => {
        if (!holds(current, value)) return undefined;
        const remaining = store.data(current).filter((data) => !txtMatches(data, value));
        if (remaining.length === 0) return store.remove(zone, fqdn, current, `delete the TXT record at ${fqdn}`);
        return store.write(zone, fqdn, current, store.withData(current, fqdn, remaining), `remove a TXT value at ${fqdn}`);
      }),
  };
}
