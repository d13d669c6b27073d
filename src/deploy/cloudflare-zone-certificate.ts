/**
 * A zone's custom certificate (https://developers.cloudflare.com/ssl/edge-certificates/custom-certificates/): the first
 * delivery uploads an SNI-only custom certificate (POST, https://developers.cloudflare.com/api/resources/custom_certificates/methods/create/),
 * each renewal replaces it (PATCH, https://developers.cloudflare.com/api/resources/custom_certificates/methods/edit/).
 * Cloudflare documents that PATCHing an sni_custom certificate returns a new id and deletes the old one, so the id
 * the PATCH answers with is the one kept for next time.
 */
import { z } from "zod";
import { typed } from "../dns/credential-fields";
import {
  cloudflareTokenCredentials,
  cloudflareZoneId,
  createCloudflareApi,
  hasErrorCode,
  leafAndChain,
  type CloudflareAnswer,
  type CloudflareTokenCredentials,
} from "./cloudflare-api";
import type { DeployTarget, DeployTargetOptions } from "./target";
import { defineDeployTarget } from "./target-entry";

/**
 * 1002 "Invalid certificate.": on a PATCH it can also mean the custom certificate id is not (or no longer) valid
 * (https://developers.cloudflare.com/ssl/edge-certificates/custom-certificates/troubleshooting/), so it is checked
 * with a GET before the certificate is uploaded anew. 7003 is the API's "Could not route to …, perhaps your object
 * identifier is invalid?".
 */
const MAYBE_GONE_CODES = new Set([1002]);
const UNKNOWN_ID_CODES = new Set([1002, 7003]);

/** The documented bundle methods (https://developers.cloudflare.com/ssl/edge-certificates/custom-certificates/bundling-methodologies/). */
const BUNDLE_METHODS = ["ubiquitous", "optimal", "force"] as const;

export const cloudflareZoneCertificateSettings = z.strictObject(
  {
    zoneId: cloudflareZoneId,
    /** How Cloudflare builds the chain it serves: "force" serves the chain as uploaded. Cloudflare's default is ubiquitous. */
    bundleMethod: z.enum(BUNDLE_METHODS, { error: `Must be one of ${BUNDLE_METHODS.join(", ")}` }).default("ubiquitous"),
  },
  typed("an object"),
);
export type CloudflareZoneCertificateSettings = z.output<typeof cloudflareZoneCertificateSettings>;

export const cloudflareZoneCertificateTarget = defineDeployTarget({
  kind: "cloudflare_zone_certificate",
  label: "Cloudflare zone custom certificate",
  apiName: "cloudflare",
  settings: cloudflareZoneCertificateSettings,
  credentials: cloudflareTokenCredentials,
  // Cloudflare checks the certificate names a host of the zone (code 2103); this service cannot know the zone's name.
  requiredNames: () => [],
  create: createCloudflareZoneCertificateTarget,
});

/** The fields of a custom certificate this target reads. */
interface CustomCertificate {
  id: string;
  status?: string;
}

export function createCloudflareZoneCertificateTarget(
  settings: CloudflareZoneCertificateSettings,
  credentials: CloudflareTokenCredentials,
  options: DeployTargetOptions = {},
): DeployTarget {
  const api = createCloudflareApi(cloudflareZoneCertificateTarget.label, credentials, options);
  const collection = `/zones/${encodeURIComponent(settings.zoneId)}/custom_certificates`;

  function idOf(answer: CloudflareAnswer<CustomCertificate>, action: string): string {
    const id = answer.envelope.result?.id;
    if (typeof id !== "string" || id === "") throw api.unreadable(answer, action);
    return id;
  }

  /** Whether custom certificate `id` is gone: unknown to the zone, or listed as deleted. */
  async function isGone(id: string): Promise<boolean> {
    const action = `look up custom certificate ${id} in zone ${settings.zoneId}`;
    const answer = await api.call<CustomCertificate>("GET", `${collection}/${encodeURIComponent(id)}`, action);
    if (answer.ok) return answer.envelope.result?.status === "deleted";
    if (answer.response.status === 404 || (answer.response.status === 400 && hasErrorCode(answer.envelope, UNKNOWN_ID_CODES))) return true;
    throw api.failure(answer, action);
  }

  return {
    kind: cloudflareZoneCertificateTarget.kind,
    async deploy(bundle, previous) {
      const certificate = leafAndChain(bundle.certificatePem, bundle.chainPem);
      const fields = { certificate, private_key: bundle.privateKeyPem, bundle_method: settings.bundleMethod };

      if (previous.remoteId) {
        const action = `replace custom certificate ${previous.remoteId} in zone ${settings.zoneId}`;
        const answer = await api.call<CustomCertificate>("PATCH", `${collection}/${encodeURIComponent(previous.remoteId)}`, action, fields);
        if (answer.ok) return { remoteId: idOf(answer, action) };
        // Deleted in the dashboard since the last delivery: upload it anew. Anything else is the PATCH's own failure.
        const maybeGone = answer.response.status === 404 || hasErrorCode(answer.envelope, MAYBE_GONE_CODES);
        if (!maybeGone || !(await isGone(previous.remoteId))) throw api.failure(answer, action);
      }

      const action = `upload a custom certificate to zone ${settings.zoneId}`;
      // sni_custom ("Custom Modern") serves clients that send SNI; legacy_custom also serves those that do not and has
      // its own quota (code 2005 on the troubleshooting page above).
      const answer = await api.call<CustomCertificate>("POST", collection, action, { ...fields, type: "sni_custom" });
      if (!answer.ok) throw api.failure(answer, action);
      return { remoteId: idOf(answer, action) };
    },
  };
}
