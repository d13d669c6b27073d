/**
 * An in-memory fake of AWS Certificate Manager over the AWS JSON 1.1 protocol: ImportCertificate
 * (https://docs.aws.amazon.com/acm/latest/APIReference/API_ImportCertificate.html), plus DescribeCertificate and
 * GetCertificate so tests can read back what was imported. Plain web APIs (`handle(request)`, `fetch`).
 *
 * Every request must carry SigV4 for acm/<region>, recomputed with the secret (test/support/sigv4-check.ts). Errors are
 * `{"__type", "message"}` bodies with the statuses of the API Reference's "Common Errors"
 * (https://docs.aws.amazon.com/acm/latest/APIReference/CommonErrors.html); import validation follows the
 * ImportCertificate guidelines and the User Guide's "Prerequisites for importing" and "Reimport a certificate", and
 * answers ValidationException as ACM does in practice.
 */
import { x509 } from "../../../src/pki/x509-setup";
import { checkSigV4, type SigV4Failure } from "../sigv4-check";
import { keyMismatch } from "./key-match";

export interface AcmFakeOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** The region the fake serves; requests signed for another are refused. */
  region: string;
  /** The 12-digit account new ARNs are made in. Default 123456789012. */
  account?: string;
  now?: () => number;
}

/** One certificate as the fake holds it. */
export interface AcmCertificate {
  certificatePem: string;
  privateKeyPem: string;
  chainPem: string | undefined;
  /** Milliseconds since the epoch of the last import. */
  importedAt: number;
  /** How many times it was imported (1, then +1 per re-import). */
  imports: number;
}

export interface AcmRequest {
  /** The X-Amz-Target, e.g. "CertificateManager.ImportCertificate". */
  target: string | null;
  headers: Headers;
  body: string;
}

export interface AcmFake {
  readonly handle: (request: Request) => Promise<Response>;
  readonly fetch: typeof fetch;
  /** By ARN. Tests may delete an entry to play a certificate deleted in the console. */
  readonly certificates: Map<string, AcmCertificate>;
  readonly requests: AcmRequest[];
  /** The next `n` signed requests get ThrottlingException (HTTP 400, as AWS JSON services answer it). */
  throttleNext(n: number, options?: { retryAfter?: number }): void;
  /** While on, every request gets 503 ServiceUnavailable. */
  down(on: boolean): void;
  /** Puts a certificate in directly, as if imported in the console, and returns its new ARN. */
  seed(entry: { certificatePem: string; privateKeyPem: string; chainPem?: string }): string;
  /** The last SigV4 credential scope accepted, e.g. "20260101/eu-west-1/acm/aws4_request". */
  lastScope(): string | undefined;
}

const CONTENT_TYPE = "application/x-amz-json-1.1";
const ARN = /^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:[\w+=/,.@-]*:[0-9]+:[\w+=,.@-]+(\/[\w+=,.@-]+)*$/; // the model's Arn pattern
/** ImportCertificate's blob limits (CertificateBodyBlob, PrivateKeyBlob, CertificateChainBlob). */
const MAX_BYTES = { Certificate: 32_768, PrivateKey: 5_120, CertificateChain: 2_097_152 } as const;

/** Common Errors for SigV4 failures: documented codes and statuses; signature mismatches as JSON services answer them. */
const SIGV4_ERRORS: Record<SigV4Failure, { status: number; code: string }> = {
  missing: { status: 403, code: "MissingAuthenticationToken" },
  malformed: { status: 403, code: "IncompleteSignature" },
  date: { status: 403, code: "IncompleteSignature" },
  unknownKey: { status: 403, code: "UnrecognizedClientException" },
  sessionToken: { status: 403, code: "UnrecognizedClientException" },
  scope: { status: 400, code: "InvalidSignatureException" },
  expired: { status: 400, code: "InvalidSignatureException" },
  signedHeaders: { status: 400, code: "InvalidSignatureException" },
  mismatch: { status: 400, code: "InvalidSignatureException" },
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": crypto.randomUUID(), ...headers },
  });
}

function awsError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { __type: code, message }, headers);
}

const invalid = (message: string) => awsError(400, "ValidationException", message);

/** A blob member: base64 in the JSON protocols; undefined when absent, null when not base64. */
function blob(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return null;
  const bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** ACM's KeyAlgorithm names (e.g. RSA_2048, EC_prime256v1). */
function keyAlgorithm(certificate: x509.X509Certificate): string {
  const algorithm = certificate.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  if (algorithm.namedCurve) return { "P-256": "EC_prime256v1", "P-384": "EC_secp384r1", "P-521": "EC_secp521r1" }[algorithm.namedCurve] ?? algorithm.namedCurve;
  return `RSA_${algorithm.modulusLength}`;
}

export function createAcmFake(options: AcmFakeOptions): AcmFake {
  const account = options.account ?? "123456789012";
  const certificates = new Map<string, AcmCertificate>();
  const requests: AcmRequest[] = [];
  const now = () => options.now?.() ?? Date.now();
  let throttled = 0;
  let throttleRetryAfter: number | undefined;
  let isDown = false;
  let lastScope: string | undefined;

  const newArn = () => `arn:aws:acm:${options.region}:${account}:certificate/${crypto.randomUUID()}`;

  /** Why ACM would refuse this certificate, key and chain, or undefined (ImportCertificate guidelines). */
  async function importProblem(certificatePem: string, privateKeyPem: string, chainPem: string | undefined, replacing?: AcmCertificate): Promise<string | undefined> {
    const blocks = pemBlocks(certificatePem);
    if (blocks.length > 1) return "The certificate field contains more than one certificate. You can specify only one certificate in this field.";
    let leaf: x509.X509Certificate;
    try {
      leaf = new x509.X509Certificate(blocks[0] ?? certificatePem);
    } catch {
      return "Unable to parse certificate. Please ensure the certificate is in PEM format.";
    }
    const at = now();
    if (at < leaf.notBefore.getTime() || at > leaf.notAfter.getTime()) return "The certificate is not valid at the current time (Not Before / Not After).";
    if (leaf.issuer === "") return "The certificate's Issuer field must not be empty.";
    const mismatch = await keyMismatch(certificatePem, privateKeyPem);
    if (mismatch) return mismatch;
    let chain: x509.X509Certificate[];
    try {
      chain = pemBlocks(chainPem ?? "").map((pem) => new x509.X509Certificate(pem));
    } catch {
      return "Unable to parse the certificate chain. Please ensure it is in PEM format.";
    }
    if (chain.length === 0 && !(await leaf.isSelfSigned())) return "The certificate is not self-signed: its certificate chain is required.";
    if (chain.length > 0 && !chain.some((ca) => ca.subject === leaf.issuer)) return "Could not validate the certificate with the certificate chain.";
    if (replacing) {
      const before = keyAlgorithm(new x509.X509Certificate(replacing.certificatePem));
      if (before !== keyAlgorithm(leaf)) return `The key type and size cannot be changed when reimporting (${before} to ${keyAlgorithm(leaf)}).`;
    }
    return undefined;
  }

  async function importCertificate(input: Record<string, unknown>): Promise<Response> {
    const decoded = { Certificate: blob(input.Certificate), PrivateKey: blob(input.PrivateKey), CertificateChain: blob(input.CertificateChain) };
    for (const [member, value] of Object.entries(decoded)) {
      if (value === null) return awsError(400, "SerializationException", `${member} must be a base64-encoded blob`);
      if (value !== undefined && (value.length === 0 || value.length > MAX_BYTES[member as keyof typeof MAX_BYTES])) {
        return invalid(`1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between 1 and ${MAX_BYTES[member as keyof typeof MAX_BYTES]}`);
      }
    }
    const { Certificate: certificatePem, PrivateKey: privateKeyPem, CertificateChain: chainPem } = decoded;
    if (certificatePem === undefined || certificatePem === null) return invalid("1 validation error detected: Value null at 'certificate' failed to satisfy constraint: Member must not be null");
    if (privateKeyPem === undefined || privateKeyPem === null) return invalid("1 validation error detected: Value null at 'privateKey' failed to satisfy constraint: Member must not be null");

    let arn: string | undefined;
    if (input.CertificateArn !== undefined) {
      if (typeof input.CertificateArn !== "string" || !ARN.test(input.CertificateArn)) return awsError(400, "InvalidArnException", `${String(input.CertificateArn)} is not a valid ARN.`);
      arn = input.CertificateArn;
      if (!certificates.has(arn)) return awsError(400, "ResourceNotFoundException", `Could not find certificate ${arn}.`);
    }
    const replacing = arn === undefined ? undefined : certificates.get(arn);
    const problem = await importProblem(certificatePem, privateKeyPem, chainPem ?? undefined, replacing);
    if (problem) return invalid(problem);

    arn ??= newArn();
    certificates.set(arn, { certificatePem, privateKeyPem, chainPem: chainPem ?? undefined, importedAt: now(), imports: (replacing?.imports ?? 0) + 1 });
    return json(200, { CertificateArn: arn });
  }

  function lookUp(input: Record<string, unknown>): [string, AcmCertificate] | Response {
    const arn = input.CertificateArn;
    if (typeof arn !== "string" || !ARN.test(arn)) return awsError(400, "InvalidArnException", `${String(arn)} is not a valid ARN.`);
    const found = certificates.get(arn);
    return found ? [arn, found] : awsError(400, "ResourceNotFoundException", `Could not find certificate ${arn}.`);
  }

  function describeCertificate(input: Record<string, unknown>): Response {
    const found = lookUp(input);
    if (found instanceof Response) return found;
    const [arn, entry] = found;
    const leaf = new x509.X509Certificate(entry.certificatePem);
    const names = (leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? []).filter((n) => n.type === "dns").map((n) => n.value);
    const seconds = (date: Date | number) => Math.floor(new Date(date).getTime() / 1000);
    return json(200, {
      Certificate: {
        CertificateArn: arn,
        DomainName: names[0] ?? leaf.subjectName.getField("CN")[0],
        SubjectAlternativeNames: names,
        // ACM shows the serial as colon-separated hex bytes.
        Serial: (leaf.serialNumber.length % 2 ? `0${leaf.serialNumber}` : leaf.serialNumber).match(/../g)!.join(":").toLowerCase(),
        Subject: leaf.subject,
        Issuer: leaf.issuer,
        ImportedAt: seconds(entry.importedAt),
        NotBefore: seconds(leaf.notBefore),
        NotAfter: seconds(leaf.notAfter),
        KeyAlgorithm: keyAlgorithm(leaf),
        Status: "ISSUED",
        Type: "IMPORTED",
      },
    });
  }

  function getCertificate(input: Record<string, unknown>): Response {
    const found = lookUp(input);
    if (found instanceof Response) return found;
    const [, entry] = found;
    return json(200, { Certificate: entry.certificatePem, ...(entry.chainPem ? { CertificateChain: entry.chainPem } : {}) });
  }

  async function handle(request: Request): Promise<Response> {
    const body = await request.text();
    const target = request.headers.get("x-amz-target");
    requests.push({ target, headers: new Headers(request.headers), body });
    if (isDown) return awsError(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.");

    const verified = await checkSigV4(request, body, { ...options, now: now(), service: "acm" });
    if (!verified.ok) {
      const { status, code } = SIGV4_ERRORS[verified.failure];
      return awsError(status, code, verified.message);
    }
    lastScope = verified.scope;
    if (throttled > 0) {
      throttled--;
      return awsError(400, "ThrottlingException", "Rate exceeded", throttleRetryAfter === undefined ? {} : { "retry-after": String(throttleRetryAfter) });
    }

    if (request.method !== "POST" || new URL(request.url).pathname !== "/") return awsError(404, "UnknownOperationException", "Operations are POSTed to /");
    if ((request.headers.get("content-type") ?? "").split(";")[0]!.trim() !== CONTENT_TYPE) {
      return awsError(400, "SerializationException", `Content-Type must be ${CONTENT_TYPE}`);
    }
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      return awsError(400, "SerializationException", "The request body is not JSON");
    }
    if (typeof input !== "object" || input === null || Array.isArray(input)) return awsError(400, "SerializationException", "The request body must be a JSON object");
    const members = input as Record<string, unknown>;
    switch (target) {
      case "CertificateManager.ImportCertificate":
        return importCertificate(members);
      case "CertificateManager.DescribeCertificate":
        return describeCertificate(members);
      case "CertificateManager.GetCertificate":
        return getCertificate(members);
      default:
        return awsError(404, "UnknownOperationException", `Unknown operation ${target}`);
    }
  }

  return {
    handle,
    fetch: async (input, init) => handle(new Request(input, init)),
    certificates,
    requests,
    throttleNext(n, throttleOptions = {}) {
      throttled = n;
      throttleRetryAfter = throttleOptions.retryAfter;
    },
    down(on) {
      isDown = on;
    },
    seed({ certificatePem, privateKeyPem, chainPem }) {
      const arn = newArn();
      certificates.set(arn, { certificatePem, privateKeyPem, chainPem, importedAt: now(), imports: 1 });
      return arn;
    },
    lastScope: () => lastScope,
  };
}
