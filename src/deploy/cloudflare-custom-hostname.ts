/**
 * Cloudflare for SaaS: the certificate of one custom hostname, uploaded as a custom certificate
 * (https://developers.cloudflare.com/cloudflare-for-platforms/cloudflare-for-saas/security/certificate-management/custom-certificates/uploading-certificates/).
 * A renewal edits the same custom hostname in place (PATCH, https://developers.cloudflare.com/api/resources/custom_hostnames/methods/edit/);
 * when it is gone or was never delivered to, the hostname is looked up by name
 * (https://developers.cloudflare.com/api/resources/custom_hostnames/methods/list/) and edited, or else created
 * (https://developers.cloudflare.com/api/resources/custom_hostnames/methods/create/).
 */
import { z } from "zod";
import { AppError } from "../core/errors";
import { typed } from "../dns/credential-fields";
import { cloudflareTokenCredentials, cloudflareZoneId, createCloudflareApi, hasErrorCode, leafAndChain, type CloudflareTokenCredentials } from "./cloudflare-api";
import type { DeployBundle, DeployTarget, DeployTargetOptions } from "./target";
import { defineDeployTarget } from "./target-entry";

/**
 * From the custom hostname status codes
 * (https://developers.cloudflare.com/cloudflare-for-platforms/cloudflare-for-saas/reference/status-codes/custom-hostnames/):
 * 1436 "The custom hostname was not found." (404); 1406 "Duplicate custom hostname found." (409); 1446 "The certificate
 * that you uploaded does not include the custom hostname" (400); and the 403s that
 * are about the plan, not the token: 1404 no quota, 1405 quota exceeded, 1413 no custom metadata access, 1414 no
 * custom origin access.
 */
const NOT_FOUND_CODES = new Set([1436]);
const DUPLICATE_CODES = new Set([1406]);
const NOT_COVERED_CODES = new Set([1446]);
const ENTITLEMENT_CODES = [1404, 1405, 1413, 1414];

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A host name Cloudflare accepts as a custom hostname: ASCII only (1408 refuses others, so an IDN goes in its xn--
 * form), at least two labels, a wildcard only as the whole left-most label, at most 253 characters.
 */
function isCustomHostname(name: string): boolean {
  const bare = name.startsWith("*.") ? name.slice(2) : name;
  const labels = bare.split(".");
  return name.length <= 253 && labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label)) && !/^[0-9]+$/.test(labels.at(-1)!);
}

export const cloudflareCustomHostnameSettings = z.strictObject(
  {
    /** The SaaS provider's zone, where the custom hostnames live. */
    zoneId: cloudflareZoneId,
    /** The customer's host name; Cloudflare compares it lower-cased, without a trailing dot. */
    hostname: z
      .string(typed("a string"))
      .trim()
      .toLowerCase()
      .overwrite((name) => name.replace(/\.$/, ""))
      .refine(isCustomHostname, { error: "Must be a host name such as shop.example.com or *.example.com (ASCII; an IDN in its xn-- form)" }),
  },
  typed("an object"),
);
export type CloudflareCustomHostnameSettings = z.output<typeof cloudflareCustomHostnameSettings>;

export const cloudflareCustomHostnameTarget = defineDeployTarget({
  kind: "cloudflare_custom_hostname",
  label: "Cloudflare custom hostname",
  apiName: "cloudflare",
  settings: cloudflareCustomHostnameSettings,
  credentials: cloudflareTokenCredentials,
  // Cloudflare refuses a custom certificate that does not include the custom hostname (code 1446).
  requiredNames: (settings) => [settings.hostname],
  create: createCloudflareCustomHostnameTarget,
});

/** The fields of a custom hostname this target reads. */
interface CustomHostname {
  id: string;
  hostname: string;
}

export function createCloudflareCustomHostnameTarget(
  settings: CloudflareCustomHostnameSettings,
  credentials: CloudflareTokenCredentials,
  options: DeployTargetOptions = {},
): DeployTarget {
  const label = cloudflareCustomHostnameTarget.label;
  const api = createCloudflareApi(label, credentials, options, { notAuthCodes: ENTITLEMENT_CODES });
  const { hostname } = settings;
  const collection = `/zones/${encodeURIComponent(settings.zoneId)}/custom_hostnames`;

  /** The documented `ssl` object for a custom certificate: the leaf then its intermediates, and the key. */
  const ssl = (bundle: DeployBundle) => ({
    custom_certificate: leafAndChain(bundle.certificatePem, bundle.chainPem),
    custom_key: bundle.privateKeyPem,
  });

  /**
   * Puts the certificate on custom hostname `id`: false when that custom hostname no longer exists, or, for the id
   * remembered from the last delivery, when it is not this target's hostname (its settings changed since): Cloudflare
   * refuses the certificate for it (1446) or the edit answers another hostname.
   */
  async function edit(id: string, bundle: DeployBundle, remembered: boolean): Promise<boolean> {
    const action = `upload the certificate to custom hostname ${hostname}`;
    const answer = await api.call<CustomHostname>("PATCH", `${collection}/${encodeURIComponent(id)}`, action, { ssl: ssl(bundle) });
    if (answer.ok) {
      const name = answer.envelope.result?.hostname;
      return !remembered || typeof name !== "string" || name.toLowerCase() === hostname;
    }
    if (answer.response.status === 404 || hasErrorCode(answer.envelope, NOT_FOUND_CODES)) return false;
    if (remembered && hasErrorCode(answer.envelope, NOT_COVERED_CODES)) return false;
    throw api.failure(answer, action);
  }

  /** The id of the custom hostname named `hostname` in the zone, if there is one. */
  async function find(): Promise<string | undefined> {
    const found = await api.expect<CustomHostname[]>("GET", `${collection}?hostname=${encodeURIComponent(hostname)}`, `look up custom hostname ${hostname}`);
    // The filter is Cloudflare's; the exact comparison is ours, so a near match is never edited.
    return (Array.isArray(found) ? found : []).find((h) => typeof h?.hostname === "string" && h.hostname.toLowerCase() === hostname)?.id;
  }

  /** Creates the custom hostname with the certificate; undefined when it appeared meanwhile (created elsewhere). */
  async function create(bundle: DeployBundle): Promise<string | undefined> {
    const action = `create custom hostname ${hostname}`;
    const answer = await api.call<CustomHostname>("POST", collection, action, { hostname, ssl: ssl(bundle) });
    if (answer.ok) {
      const id = answer.envelope.result?.id;
      if (typeof id !== "string" || id === "") throw api.unreadable(answer, action);
      return id;
    }
    if (hasErrorCode(answer.envelope, DUPLICATE_CODES)) return undefined;
    throw api.failure(answer, action);
  }

  return {
    kind: cloudflareCustomHostnameTarget.kind,
    async deploy(bundle, previous) {
      if (previous.remoteId && (await edit(previous.remoteId, bundle, true))) return { remoteId: previous.remoteId };
      // Twice at most: a custom hostname created or deleted by someone else between our calls gets one more look.
      for (let attempt = 0; attempt < 2; attempt++) {
        const existing = await find();
        if (existing !== undefined) {
          if (await edit(existing, bundle, false)) return { remoteId: existing };
          continue;
        }
        const created = await create(bundle);
        if (created !== undefined) return { remoteId: created };
      }
      throw new AppError("deploy_target_error", `${label} ${hostname} kept appearing and disappearing in zone ${settings.zoneId} while the certificate was uploaded`);
    },
  };
}
