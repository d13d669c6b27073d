/**
 * present and cleanUp for APIs that keep each TXT value as its own record (Cloudflare, DigitalOcean), so
 * values at one name never clobber each other and no lock is needed.
 */
import { normalizeFqdn } from "./names";
import type { DnsProvider } from "./provider";
import { txtMatches } from "./txt";

/** How one API lists, creates and deletes single TXT records. */
export interface TxtRecordStore<Zone, Record> {
  /** The TXT records at exactly `fqdn`. */
  list(zone: Zone, fqdn: string): Promise<Record[]>;
  /** The TXT data of `record`, as the API shows it. */
  data(record: Record): string;
  create(zone: Zone, fqdn: string, value: string): Promise<void>;
  /** Deletes `record`; one already gone is fine. */
  remove(zone: Zone, fqdn: string, record: Record): Promise<void>;
}

/** The provider's present and cleanUp over `store`, with `zoneFor` finding the zone of a name. */
export function txtRecordMethods<Zone, Record>(
  zoneFor: (fqdn: string) => Promise<Zone>,
  store: TxtRecordStore<Zone, Record>,
): Pick<DnsProvider, "present" | "cleanUp"> {
  return {
    async present(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      const existing = await store.list(zone, fqdn);
      if (existing.some((record) => txtMatches(store.data(record), value))) return;
      await store.create(zone, fqdn, value);
    },

    async cleanUp(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      for (const record of await store.list(zone, fqdn)) {
        if (txtMatches(store.data(record), value)) await store.remove(zone, fqdn, record);
      }
    },
  };
}
