/** ACME Renewal Information (RFC 9773): certificate identifiers, renewalInfo reads, picking a time in the window. */
import { z } from "zod";
import { bytesToBase64Url } from "../crypto/encoding";
import type { AcmeContext } from "./context";
import { certificateDer, readSerialAndAki } from "./der";
import { AcmeMalformedResponseError } from "./problem";
import { parseJsonBody } from "./transport";

/** RFC 9773 §4.2 RenewalInfo object. */
export const renewalInfoSchema = z.object({
  suggestedWindow: z.object({ start: z.string(), end: z.string() }),
  explanationURL: z.string().optional(),
});

export interface RenewalInfo {
  suggestedWindow: { start: Date; end: Date };
  explanationURL?: string;
  /** RFC 9773 §4.3: seconds until the client should ask again. */
  retryAfter?: number;
}

/**
 * RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial number DER content octets),
 * from a certificate in PEM or DER.
 */
export function ariCertificateId(certificate: string | Uint8Array | ArrayBuffer): string {
  const { serial, authorityKeyIdentifier } = readSerialAndAki(certificateDer(certificate));
  if (!authorityKeyIdentifier) throw new Error("certificate has no Authority Key Identifier keyIdentifier, so it has no ARI identifier");
  return ariIdentifierFromParts(authorityKeyIdentifier, serial);
}

/** RFC 9773 §4.1 from the raw parts (keyIdentifier bytes, serial INTEGER content octets). */
export function ariIdentifierFromParts(keyIdentifier: Uint8Array, serialContent: Uint8Array): string {
  return `${bytesToBase64Url(keyIdentifier)}.${bytesToBase64Url(serialContent)}`;
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

/** RFC 9773 §4.2: pick a uniformly random time inside the window (spreads renewals); past windows give "now". */
export function pickRenewalTime(window: { start: Date; end: Date }, now: number = Date.now(), random: () => number = Math.random): Date {
  const start = Math.max(window.start.getTime(), now);
  const end = window.end.getTime();
  if (end <= start) return new Date(now);
  return new Date(start + Math.floor(random() * (end - start)));
}
