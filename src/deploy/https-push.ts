/**
 * HTTPS push: the certificate POSTed to a team's own endpoint as a Standard Webhooks message
 * (https://www.standardwebhooks.com/, spec/standard-webhooks.md: JSON payload `{type, timestamp, data}`, headers
 * webhook-id / webhook-timestamp / webhook-signature). The private key never travels in plaintext: it is sealed to
 * the team's public key as a compact JWE (ECDH-ES, A256GCM) that only the receiver can open.
 */
import { z } from "zod";
import { AppError } from "../core/errors";
import { sealToRecipient, type RecipientJwk } from "../crypto/recipient-jwe";
import { generateWebhookSecret, signWebhook, webhookSecretProblem } from "../crypto/webhook-signature";
import { credentialsObject, typed } from "../dns/credential-fields";
import { resolvedHostProblem } from "../dns/resolve-host";
import { isResolvableName } from "../outbound/address-class";
import { createProviderClient, providerRequest } from "../outbound/provider-http";
import { positiveRetryAfter } from "../outbound/retry-after";
import { redactQueryValues } from "../outbound/url-redaction";
import { pushUrlProblem } from "./push-url";
import type { DeployAttempt, DeployBundle, DeployTarget, DeployTargetOptions } from "./target";
import { defineDeployTarget } from "./target-entry";

const LABEL = "HTTPS push";
/** The event type, full-stop delimited as the spec recommends ("Event types"). */
export const CERTIFICATE_DEPLOYED = "certificate.deployed";

// A 32-byte coordinate or key, base64url without padding: 43 characters (RFC 7518 §6.2.1.2 for P-256 x and y,
// RFC 8037 §2 for an X25519 key).
const coordinate = z.string(typed("a string")).regex(/^[A-Za-z0-9_-]{43}$/, { error: "Must be 32 bytes in base64url (43 characters)" });
// A private JWK carries its secret in `d` (RFC 7518 §6.2.2.1, RFC 8037 §2): refused, so that a team that pasted the
// wrong half learns it now, and no private key is stored as a public setting.
const noPrivatePart = z
  .unknown()
  .refine(() => false, { error: "Must be a public key: this JWK carries `d`, its private part; send the public members only" })
  .optional();
const p256 = z.looseObject({ kty: z.literal("EC"), crv: z.literal("P-256", { error: "Must be P-256 for an EC recipient" }), x: coordinate, y: coordinate, d: noPrivatePart });
const x25519 = z.looseObject({ kty: z.literal("OKP"), crv: z.literal("X25519", { error: "Must be X25519 for an OKP recipient" }), x: coordinate, d: noPrivatePart });

/** The receiver's public key; only the members that make the key are kept (and shown back in listings). */
export const recipientJwk = z
  .discriminatedUnion("kty", [p256, x25519], { error: "Must be a P-256 (EC) or X25519 (OKP) public key as a JWK" })
  .transform((jwk): RecipientJwk => (jwk.kty === "EC" ? { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: "OKP", crv: jwk.crv, x: jwk.x }));

export const httpsPushSettings = z.strictObject(
  {
    /**
     * Checked here with the local-run allowance, which only the deployment knows: delivery checks again with the
     * real setting, and the service may check at creation with `pushUrlProblem(url, { allowInsecure })`.
     */
    url: z
      .string(typed("a string"))
      .trim()
      .superRefine((url, ctx) => {
        const problem = pushUrlProblem(url, { allowInsecure: true });
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    recipient: recipientJwk,
  },
  typed("an object"),
);
export type HttpsPushSettings = z.output<typeof httpsPushSettings>;

/** The Standard Webhooks signing secret the receiver verifies with: `whsec_` and 24 to 64 bytes of base64. */
export const httpsPushCredentials = credentialsObject({
  signingSecret: z
    .string(typed("a string"))
    .trim()
    .superRefine((secret, ctx) => {
      const problem = webhookSecretProblem(secret);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
});
export type HttpsPushCredentials = z.output<typeof httpsPushCredentials>;

export const httpsPushTarget = defineDeployTarget({
  kind: "https_push",
  label: LABEL,
  apiName: null,
  settings: httpsPushSettings,
  // The URL is called as stored; what people see of it keeps its query's names, not their values.
  shownSettings: (settings) => ({ ...settings, url: redactQueryValues(settings.url) }),
  credentials: httpsPushCredentials,
  requiredNames: () => [],
  // A fresh secret when the team brings none: 32 random bytes, shown once.
  generateCredentials: () => ({ signingSecret: generateWebhookSecret() }),
  // The schema admits http:// and loopback for local runs; whether this run is one is known only here.
  settingsProblem(settings, { allowInsecurePush }) {
    const message = pushUrlProblem(settings.url, { allowInsecure: allowInsecurePush });
    return message === undefined ? undefined : { field: "url", message };
  },
  create: createHttpsPushTarget,
});

/** The `data` of a certificate.deployed message. */
export interface CertificateDeployedData {
  targetId: string;
  certificateId: string;
  names: readonly string[];
  serial: string;
  fingerprint: string;
  keyType: string;
  notBefore: string;
  notAfter: string;
  certificatePem: string;
  chainPem: string;
  /** The PKCS#8 PEM private key as a compact JWE to the target's recipient key. */
  privateKeyJwe: string;
}

export function createHttpsPushTarget(settings: HttpsPushSettings, credentials: HttpsPushCredentials, options: DeployTargetOptions = {}): DeployTarget {
  const now = options.now ?? Date.now;

  async function message(bundle: DeployBundle, attempt: DeployAttempt, at: number): Promise<string> {
    let privateKeyJwe: string;
    try {
      privateKeyJwe = await sealToRecipient(bundle.privateKeyPem, settings.recipient);
    } catch (error) {
      // A point off the curve passes the settings' shape check and fails only here; sending again cannot help.
      const reason = error instanceof AppError ? error.message : "the recipient key could not be used";
      throw new AppError("deploy_target_error", `${LABEL} could not seal the private key: ${reason}`, { retryable: false });
    }
    const data: CertificateDeployedData = {
      targetId: attempt.targetId,
      certificateId: bundle.certificateId,
      names: bundle.names,
      serial: bundle.serial,
      fingerprint: bundle.fingerprint,
      keyType: bundle.keyType,
      notBefore: new Date(bundle.issuedAt).toISOString(),
      notAfter: new Date(bundle.expiresAt).toISOString(),
      certificatePem: bundle.certificatePem,
      chainPem: bundle.chainPem,
      privateKeyJwe,
    };
    return JSON.stringify({ type: CERTIFICATE_DEPLOYED, timestamp: new Date(at).toISOString(), data });
  }

  return {
    kind: httpsPushTarget.kind,
    async deploy(bundle, _previous, attempt) {
      const problem = pushUrlProblem(settings.url, { allowInsecure: options.allowInsecurePush === true });
      if (problem) throw new AppError("deploy_target_error", `${LABEL} refused the URL: ${problem}`, { retryable: false });
      const url = new URL(settings.url);
      await requirePublicAddresses(url.hostname, options);
      // The allow-list is the URL's own origin: no redirect or later call can reach another host with the signature.
      const client = createProviderClient(LABEL, "signing secret", [credentials.signingSecret], options, [url.origin], "deploy_target_error");

      const at = now();
      const body = await message(bundle, attempt, at);
      const timestamp = Math.floor(at / 1000);
      const response = await providerRequest(client, url.href, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Certdesk",
          "webhook-id": attempt.deliveryId,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": await signWebhook(credentials.signingSecret, attempt.deliveryId, timestamp, body),
        },
        body,
      });
      if (response.status >= 200 && response.status < 300) return { remoteId: `${url.origin}${url.pathname}` };
      throw pushFailure(url.origin, response.status, response.headers, now());
    },
  };
}

/**
 * The push host's addresses, resolved now, before the key leaves (as a webhook's are, services/webhooks/endpoint-url.ts):
 * a name that resolves inside the network, or that cannot be resolved, is sent nothing. Both are retried: a name's
 * answer can change. Residual risk: the fetch resolves the name again itself (DNS rebinding; SECURITY.md).
 */
async function requirePublicAddresses(hostname: string, options: DeployTargetOptions): Promise<void> {
  if (options.resolverUrl === undefined || !isResolvableName(hostname)) return;
  const host = hostname.replace(/\.$/, "");
  const problem = await resolvedHostProblem(host, {
    resolverUrl: options.resolverUrl,
    allowLoopback: options.allowInsecurePush === true,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.responseLimitBytes !== undefined ? { responseLimitBytes: options.responseLimitBytes } : {}),
  });
  if (problem?.kind === "refused") throw new AppError("deploy_target_error", `${LABEL} refused the URL: ${problem.message}`);
  if (problem?.kind === "unresolved") throw new AppError("deploy_target_error", `${LABEL} not sent: ${problem.message}`);
}

/**
 * A non-2xx answer, handled as the spec's "Delivery success and failure" suggests: a 3xx is a failure (redirects are
 * not followed), 410 Gone means the receiver wants no more deliveries, 429 and 503 may say when to come back.
 */
function pushFailure(origin: string, status: number, headers: Headers, at: number): AppError {
  const hint = status >= 300 && status < 400 ? ": redirects are not followed; set the URL to the final address" : status === 410 ? ": the receiver no longer accepts deliveries" : "";
  return new AppError("deploy_target_error", `${LABEL} to ${origin} failed (HTTP ${status})${hint}`, {
    detail: { provider: LABEL, status },
    retryable: status !== 410,
    retryAfter: status === 429 || status === 503 ? positiveRetryAfter(headers.get("retry-after"), at) : undefined,
  });
}
