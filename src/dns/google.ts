/**
 * Google Cloud DNS over the v1 REST API. A TXT name is one resource record set; changes are atomic
 * additions + deletions where a deletion must match the current set exactly, so present and cleanUp
 * replace the set (read, modify, write; serialised per name, retried once if the set changed meanwhile).
 */
import { AppError } from "../core/errors";
import type { GoogleCredentials } from "./credentials";
import { createGoogleTokenSource } from "./google-auth";
import { apiUrl, createProviderClient, providerError, providerRequest, tryParseJson, type ProviderResponse } from "./http";
import { KeyedLock } from "./keyed-lock";
import { cachedZones, discoverZone, normalizeFqdn } from "./names";
import type { DnsProvider, DnsProviderOptions } from "./provider";
import { quoteTxt, txtMatches } from "./txt";

const ORIGIN = "https://dns.googleapis.com";
const TTL = 60;

interface ResourceRecordSet {
  name: string;
  type: string;
  ttl: number;
  rrdatas: string[];
}

/** `options.baseUrl` replaces the Cloud DNS origin only; access tokens always come from the key file's token_uri. */
export function createGoogleProvider(credentials: GoogleCredentials, options: DnsProviderOptions = {}): DnsProvider {
  const client = createProviderClient("Google Cloud DNS", "service account credentials", [credentials.credentials.private_key], options);
  const accessToken = createGoogleTokenSource(client, credentials.credentials);
  const lock = new KeyedLock();
  const project = `/dns/v1/projects/${encodeURIComponent(credentials.projectId)}`;

  async function call<T>(method: string, path: string, action: string, body?: unknown): Promise<T> {
    const response = await providerRequest(client, apiUrl(ORIGIN, options.baseUrl, `${project}${path}`), {
      method,
      headers: {
        authorization: `Bearer ${await accessToken()}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status >= 300) throw failure(response, action);
    const parsed = tryParseJson<T>(response.text);
    if (parsed === undefined) {
      throw new AppError("dns_provider_error", `${client.label} returned an unreadable response to ${action} (HTTP ${response.status})`);
    }
    return parsed;
  }

  function failure(response: ProviderResponse, action: string): AppError {
    const body = tryParseJson<{ error?: { message?: string; status?: string } }>(response.text);
    const said = [body?.error?.status, body?.error?.message].filter(Boolean).join(": ");
    return providerError(client, response, action, said || undefined);
  }

  const discovered = cachedZones((fqdn) =>
    discoverZone(client.label, fqdn, async (candidate) => {
      const body = await call<{ managedZones?: { name: string; dnsName: string; visibility?: string }[] }>(
        "GET",
        `/managedZones?dnsName=${encodeURIComponent(`${candidate}.`)}`,
        `look up managed zone ${candidate}`,
      );
      return (body.managedZones ?? []).find(
        (z) => z.dnsName.toLowerCase().replace(/\.$/, "") === candidate && z.visibility !== "private",
      )?.name;
    }),
  );
  function zoneFor(fqdn: string): Promise<string> {
    if (credentials.managedZone) return Promise.resolve(credentials.managedZone);
    return discovered(fqdn);
  }

  async function readSet(zone: string, fqdn: string): Promise<ResourceRecordSet | undefined> {
    const body = await call<{ rrsets?: ResourceRecordSet[] }>(
      "GET",
      `/managedZones/${encodeURIComponent(zone)}/rrsets?name=${encodeURIComponent(`${fqdn}.`)}&type=TXT`,
      `read the TXT records at ${fqdn}`,
    );
    const set = (body.rrsets ?? []).find((s) => s.type === "TXT" && s.name.toLowerCase() === `${fqdn}.`);
    // Keep only the fields a change needs; a deletion must match the stored set.
    return set && { name: set.name, type: set.type, ttl: set.ttl, rrdatas: set.rrdatas };
  }

  /** Applies `edit` to the current set; retries once when Cloud DNS reports the set changed under us. */
  async function replaceSet(
    zone: string,
    fqdn: string,
    action: string,
    edit: (current: ResourceRecordSet | undefined) => ResourceRecordSet | undefined | "unchanged",
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await readSet(zone, fqdn);
      const next = edit(current);
      if (next === "unchanged") return;
      try {
        await call("POST", `/managedZones/${encodeURIComponent(zone)}/changes`, action, {
          additions: next ? [next] : [],
          deletions: current ? [current] : [],
        });
        return;
      } catch (error) {
        const conflict = error instanceof AppError && /\(HTTP (409|412)\)/.test(error.message);
        if (!conflict || attempt >= 2) throw error;
      }
    }
  }

  return {
    name: "google",

    async present(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      await lock.run(fqdn, () =>
        replaceSet(zone, fqdn, `add a TXT value at ${fqdn}`, (current) => {
          if (current?.rrdatas.some((d) => txtMatches(d, value))) return "unchanged";
          return {
            name: `${fqdn}.`,
            type: "TXT",
            ttl: current?.ttl ?? TTL,
            rrdatas: [...(current?.rrdatas ?? []), quoteTxt(value)],
          };
        }),
      );
    },

    async cleanUp(name, value) {
      const fqdn = normalizeFqdn(name);
      const zone = await zoneFor(fqdn);
      await lock.run(fqdn, () =>
        replaceSet(zone, fqdn, `remove a TXT value at ${fqdn}`, (current) => {
          if (!current?.rrdatas.some((d) => txtMatches(d, value))) return "unchanged";
          const rrdatas = current.rrdatas.filter((d) => !txtMatches(d, value));
          return rrdatas.length > 0 ? { ...current, rrdatas } : undefined;
        }),
      );
    },
  };
}
