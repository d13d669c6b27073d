/**
 * Which CAs an order may go to, in turn: the one the certificate came from (or the configured primary), then the
 * operator's fallbacks, as CertMagic does with its issuers. The next CA is tried only when the current one failed on
 * its side (unreachable, a 5xx, its rate limit), never for a failed validation or a refusal: another CA would see the
 * same DNS and the same name.
 */
import type { Config } from "../core/config";
import type { AppError } from "../core/errors";
import type { ExternalAccountBinding } from "../acme";

export interface CaChoice {
  directoryUrl: string;
  externalAccountBinding?: ExternalAccountBinding;
}

/** The external account binding for `directoryUrl`: the primary's (ACME_EAB_*) or the fallback's own (ACME_FALLBACK_EAB). */
function bindingFor(config: Config, directoryUrl: string): ExternalAccountBinding | undefined {
  const own = config.ACME_FALLBACK_EAB[directoryUrl];
  if (own) return { kid: own.kid, hmacKeyB64url: own.hmacKey.replace(/=+$/, "") };
  if (directoryUrl === config.ACME_DIRECTORY_URL && config.ACME_EAB_KID && config.ACME_EAB_HMAC_KEY) {
    return { kid: config.ACME_EAB_KID, hmacKeyB64url: config.ACME_EAB_HMAC_KEY.replace(/=+$/, "") };
  }
  return undefined;
}

/**
 * The CAs to try for an order first meant for `directoryUrl`. A staging order (or any CA outside the production list)
 * goes there alone: falling back from a test CA to a trusted one would issue what was meant as a rehearsal.
 */
export function caChoices(config: Config, directoryUrl: string): CaChoice[] {
  const production = [config.ACME_DIRECTORY_URL, ...config.ACME_FALLBACK_DIRECTORY_URLS];
  const urls = production.includes(directoryUrl) ? [directoryUrl, ...production.filter((url) => url !== directoryUrl)] : [directoryUrl];
  return [...new Set(urls)].map((url) => {
    const binding = bindingFor(config, url);
    return binding ? { directoryUrl: url, externalAccountBinding: binding } : { directoryUrl: url };
  });
}

/** Failures that are the CA's, not the order's: worth another CA. */
export function isCaSideFailure(error: AppError): boolean {
  if (error.code === "ca_unreachable" || error.code === "rate_limited") return true;
  return error.code === "ca_error" && error.retryable;
}
