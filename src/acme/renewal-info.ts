/** ACME Renewal Information (RFC 9773 §4): reading the CA's suggested renewal window; renewal/policy decides when to renew. */
import { z } from "zod";
import { ariCertificateId } from "./certificate-id";
import type { AcmeContext } from "./context";
import { AcmeMalformedResponseError } from "./problem";
import { parseJsonBody } from "./transport";

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
export async function getRenewalInfo(ctx: AcmeContext, certificate: string | Uint8Array | ArrayBuffer): Promise<RenewalInfo | null> {
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
