/** ACME Renewal Information (RFC 9773 §4): reading the CA's suggested renewal window; renewal/policy decides when to renew. */
import { z } from "zod";
import { ariCertificateId } from "./certificate-id";
import type { AcmeContext } from "./context";
import { type AcmeDirectory, directorySchema } from "./directory";
import { AcmeMalformedResponseError } from "./problem";
import { AcmeTransport, parseJsonBody } from "./transport";

/** RFC 9773 §4.2 RenewalInfo object. */
const renewalInfoSchema = z.object({
  suggestedWindow: z.object({ start: z.string(), end: z.string() }),
  explanationURL: z.string().optional(),
});

export interface RenewalInfo {
  suggestedWindow: { start: Date; end: Date };
  explanationURL?: string;
  /** RFC 9773 §4.3: seconds until the client should ask again. */
  retryAfter?: number;
}

/** RFC 9773 §4.1: GET <renewalInfo>/<certID>, unauthenticated. Null when the directory offers no renewalInfo. */
export async function getRenewalInfo(ctx: Pick<AcmeContext, "transport" | "directory">, certificate: string | Uint8Array | ArrayBuffer): Promise<RenewalInfo | null> {
  const directory = await ctx.directory();
  if (!directory.renewalInfo) return null;
  const url = `${directory.renewalInfo.replace(/\/+$/, "")}/${ariCertificateId(certificate)}`;
  const response = await ctx.transport.get(url, "renewalInfo");
  const info = parseJsonBody(response, renewalInfoSchema, "renewalInfo");
  const start = new Date(info.suggestedWindow.start);
  const end = new Date(info.suggestedWindow.end);
  // RFC 9773 §4.2: a window whose end is not after its start is invalid.
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end.getTime() <= start.getTime()) {
    throw new AcmeMalformedResponseError("renewalInfo suggestedWindow is not a valid time range", { status: response.status, url });
  }
  return {
    suggestedWindow: { start, end },
    ...(info.explanationURL !== undefined ? { explanationURL: info.explanationURL } : {}),
    ...(response.retryAfter !== undefined ? { retryAfter: response.retryAfter } : {}),
  };
}

export interface RenewalInfoReaderOptions {
  /** Injected fetch (tests, outbound wrappers); defaults to the global fetch. */
  fetch?: typeof fetch;
  now?: () => number;
  /** The wait between repeats of a lost answer; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** The most of an answer's body read (outbound/bounded-body.ts; its default when absent). */
  responseLimitBytes?: number;
  /** Per-request timeout (default RETRY_POLICY.requestTimeoutMs). */
  requestTimeoutMs?: number;
}

/**
 * Renewal information without an account: RFC 9773 §4.1's GET is unauthenticated, so no account key is loaded
 * and nothing is signed. Each directory is fetched once per reader, and a directory that could not be read fails
 * the reader's later reads at once, so a batch of certificates at a CA that is down costs one wait, not one each:
 * use a reader for one batch, a new one for the next.
 */
export class RenewalInfoReader {
  private readonly transport: AcmeTransport;
  private readonly directories = new Map<string, Promise<AcmeDirectory>>();

  constructor(options: RenewalInfoReaderOptions = {}) {
    this.transport = new AcmeTransport({
      fetch: options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init)),
      now: options.now ?? (() => Date.now()),
      sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
      newNonceUrl: () => Promise.reject(new Error("renewal information is read without signed requests")),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.responseLimitBytes !== undefined ? { responseLimitBytes: options.responseLimitBytes } : {}),
    });
  }

  /** The certificate's renewal information at the CA of `directoryUrl`; null when that CA offers none. */
  read(directoryUrl: string, certificate: string | Uint8Array | ArrayBuffer): Promise<RenewalInfo | null> {
    return getRenewalInfo({ transport: this.transport, directory: () => this.directory(directoryUrl) }, certificate);
  }

  private directory(url: string): Promise<AcmeDirectory> {
    let directory = this.directories.get(url);
    if (!directory) {
      directory = this.transport.get(url, "directory").then((response) => parseJsonBody(response, directorySchema, "directory"));
      this.directories.set(url, directory);
    }
    return directory;
  }
}
