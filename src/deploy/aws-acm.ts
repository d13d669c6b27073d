/**
 * AWS Certificate Manager: ImportCertificate over the AWS JSON 1.1 protocol
 * (https://docs.aws.amazon.com/acm/latest/APIReference/API_ImportCertificate.html), signed with SigV4 for "acm" in the
 * target's region. Re-importing into the same ARN is what keeps load balancers and CloudFront distributions attached
 * to the certificate picking up each renewal (ACM User Guide, "Reimport a certificate"), so the ARN is remembered.
 */
import { AwsV4Signer } from "aws4fetch";
import { z } from "zod";
import { AppError } from "../core/errors";
import { bytesToBase64, utf8 } from "../crypto/encoding";
import { credentialsObject, matching, token, typed } from "../dns/credential-fields";
import {
  apiOrigins,
  apiUrl,
  codeAndMessage,
  createProviderClient,
  providerError,
  providerRequest,
  sanitizeProviderMessage,
  tryParseJson,
  unreadableResponse,
  type ProviderResponse,
} from "../outbound/provider-http";
import { positiveRetryAfter } from "../outbound/retry-after";
import type { DeployBundle, DeployPrevious, DeployTarget, DeployTargetOptions } from "./target";
import { defineDeployTarget } from "./target-entry";

const LABEL = "AWS Certificate Manager";
/** The JSON 1.1 protocol's request shape (Smithy, "AWS JSON 1.1 protocol"): POST / with the operation in X-Amz-Target. */
const CONTENT_TYPE = "application/x-amz-json-1.1";
const IMPORT_TARGET = "CertificateManager.ImportCertificate";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** `arn:<partition>:acm:<region>:<account>:certificate/<uuid>` (ACM API Reference, the `CertificateArn` members). */
const CERTIFICATE_ARN = /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Error codes meaning AWS did not accept the credentials or their signature (ACM API Reference, "Common Errors", and
 * the SigV4 errors of JSON-protocol services, https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html).
 */
const AUTH_CODES = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "AccessDeniedException",
  "AccessDenied",
  "ExpiredTokenException",
  "ExpiredToken",
  "IncompleteSignature",
  "IncompleteSignatureException",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "NotAuthorized",
]);
/** ThrottlingException (Common Errors) and ImportCertificate's LimitExceededException ("An ACM quota has been exceeded"). */
const THROTTLE_CODES = new Set(["ThrottlingException", "LimitExceededException"]);
/** Input ACM will refuse again however often it is sent (the same certificate, key or ARN). */
const INPUT_CODES = new Set(["ValidationException", "InvalidParameterException", "InvalidArnException", "InvalidTagException"]);
const NOT_FOUND = "ResourceNotFoundException";

/** Where the certificate goes: a region, and optionally an imported certificate to replace. */
export const awsAcmSettings = z
  .strictObject(
    {
      region: matching(REGION, "Must be an AWS region such as us-east-1"),
      certificateArn: matching(CERTIFICATE_ARN, "Must be an ACM certificate ARN: arn:aws:acm:<region>:<account>:certificate/<id>").optional(),
    },
    typed("an object"),
  )
  .superRefine((settings, ctx) => {
    const arnRegion = settings.certificateArn && CERTIFICATE_ARN.exec(settings.certificateArn)?.[2];
    if (arnRegion && arnRegion !== settings.region) {
      ctx.addIssue({ code: "custom", path: ["certificateArn"], message: `Must be a certificate in ${settings.region}, the target's region` });
    }
  });
export type AwsAcmSettings = z.output<typeof awsAcmSettings>;

/** An IAM access key allowed acm:ImportCertificate (the same rules as the Route 53 DNS provider's key). */
export const awsAcmCredentials = credentialsObject({
  accessKeyId: token(128).regex(/^[A-Za-z0-9]{16,128}$/, { error: "Must be an AWS access key ID (16 to 128 letters and digits)" }),
  secretAccessKey: token(256),
  sessionToken: token(8192).optional(),
});
export type AwsAcmCredentials = z.output<typeof awsAcmCredentials>;

export const awsAcmTarget = defineDeployTarget({
  kind: "aws_acm",
  label: LABEL,
  apiName: "aws",
  settings: awsAcmSettings,
  credentials: awsAcmCredentials,
  requiredNames: () => [],
  create: createAwsAcmTarget,
});

/** The API origin of a region: the `.com.cn` domain in the China partition (AWS General Reference, "ACM endpoints"). */
function defaultOrigin(region: string): string {
  return `https://acm.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

export function createAwsAcmTarget(settings: AwsAcmSettings, credentials: AwsAcmCredentials, options: DeployTargetOptions = {}): DeployTarget {
  const origin = defaultOrigin(settings.region);
  const client = createProviderClient(
    LABEL,
    "access key",
    [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken],
    options,
    apiOrigins([origin], options.baseUrl),
    "deploy_target_error",
  );

  /** One signed ImportCertificate; any status comes back, for the caller to judge. */
  async function importCertificate(bundle: DeployBundle, certificateArn: string | undefined): Promise<ProviderResponse> {
    // Blob members travel as base64 strings in the JSON protocols; ACM wants the PEM text itself as the blob.
    const blob = (pem: string) => bytesToBase64(utf8.encode(pem));
    const body = JSON.stringify({
      ...(certificateArn === undefined ? {} : { CertificateArn: certificateArn }),
      Certificate: blob(bundle.certificatePem),
      PrivateKey: blob(bundle.privateKeyPem),
      // CertificateChainBlob has a minimum length of 1: a self-signed leaf with no intermediates sends none.
      ...(bundle.chainPem.trim() === "" ? {} : { CertificateChain: blob(bundle.chainPem) }),
    });
    const signer = new AwsV4Signer({
      method: "POST",
      url: apiUrl(origin, options.baseUrl, "/"),
      headers: { "content-type": CONTENT_TYPE, "x-amz-target": IMPORT_TARGET },
      body,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      service: "acm",
      region: settings.region,
      datetime: options.now ? amzDate(options.now()) : undefined,
    });
    const signed = await signer.sign();
    return providerRequest(client, signed.url.toString(), { method: "POST", headers: signed.headers, body });
  }

  function failure(response: ProviderResponse, error: AwsJsonError): AppError {
    const said = codeAndMessage(error.code, error.message);
    const code = error.code ?? "";
    if (THROTTLE_CODES.has(code) || response.status === 429) {
      // AWS JSON services answer throttling with HTTP 400, which the shared 429 handling would not recognise.
      const suffix = sanitizeProviderMessage(client, said);
      return new AppError(client.errorCode, `${LABEL} throttled the request to import the certificate (HTTP ${response.status})${suffix ? `: ${suffix}` : ""}`, {
        detail: { provider: LABEL, status: response.status },
        retryAfter: positiveRetryAfter(response.headers.get("retry-after"), options.now?.()),
      });
    }
    const authFailure = response.status === 401 || response.status === 403 || AUTH_CODES.has(code);
    const base = providerError(client, response, "import the certificate", said, { authFailure });
    if (INPUT_CODES.has(code) || response.status === 503) {
      // Input ACM refused will be refused again; a 503 may say when to come back.
      return new AppError(base.code, base.message, {
        detail: base.detail,
        retryable: !INPUT_CODES.has(code),
        retryAfter: response.status === 503 ? positiveRetryAfter(response.headers.get("retry-after"), options.now?.()) : undefined,
      });
    }
    return base;
  }

  return {
    kind: awsAcmTarget.kind,
    async deploy(bundle, previous: DeployPrevious) {
      // The configured ARN comes first: it is what the team attached, and it stays the one re-imported into even if
      // the setting changes later. Otherwise the ARN this target created last time, if it is in this region.
      const pinned = settings.certificateArn;
      const remembered = previous.remoteId !== null && CERTIFICATE_ARN.exec(previous.remoteId)?.[2] === settings.region ? previous.remoteId : undefined;
      const into = pinned ?? remembered;

      let response = await importCertificate(bundle, into);
      let error = response.status >= 300 ? awsJsonError(response) : undefined;
      if (error?.code === NOT_FOUND && into !== undefined) {
        if (into === pinned) {
          throw new AppError(
            client.errorCode,
            `${LABEL} has no certificate ${pinned} to re-import into (HTTP ${response.status}); set certificateArn to an existing imported certificate, or remove it to import a new one`,
            { detail: { provider: LABEL, status: response.status }, retryable: false },
          );
        }
        // The certificate this target imported was deleted (in the console, say): nothing is attached to it any more,
        // so a fresh import is what the team would do by hand.
        response = await importCertificate(bundle, undefined);
        error = response.status >= 300 ? awsJsonError(response) : undefined;
      }
      if (error) throw failure(response, error);

      const arn = tryParseJson<{ CertificateArn?: unknown }>(response.text)?.CertificateArn;
      if (typeof arn !== "string" || !CERTIFICATE_ARN.test(arn)) throw unreadableResponse(client, response, "import the certificate");
      return { remoteId: arn };
    },
  };
}

interface AwsJsonError {
  code?: string;
  message?: string;
}

/**
 * The error of an AWS JSON 1.1 answer (Smithy, "AWS JSON 1.1 protocol", Operation error serialization): the type is
 * in the X-Amzn-Errortype header, or the body's `code` or `__type`, possibly as `namespace#Name:extra`.
 */
function awsJsonError(response: ProviderResponse): AwsJsonError {
  const body = tryParseJson<Record<string, unknown>>(response.text);
  const fromBody = body && typeof body === "object" ? body : {};
  const raw = response.headers.get("x-amzn-errortype") ?? stringOf(fromBody.code) ?? stringOf(fromBody.__type);
  const code = raw?.split(":")[0]?.split("#").pop() || undefined;
  return { code, message: stringOf(fromBody.message) ?? stringOf(fromBody.Message) };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** SigV4's X-Amz-Date form, `YYYYMMDDTHHMMSSZ`. */
function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");
}
