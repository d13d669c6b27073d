/**
 * The certificate events a team can subscribe to, and the Standard Webhooks payload each is sent as
 * (https://www.standardwebhooks.com/, spec/standard-webhooks.md "Payload structure": `{type, timestamp, data}`, the type
 * full-stop delimited). Data names the certificate and where it belongs; it never carries key material.
 */
import { isoSeconds } from "../../core/time";
import type { CertificateRow } from "../../store/certificates";

export const CERTIFICATE_EVENT_TYPES = [
  "certificate.issued",
  "certificate.renewed",
  "certificate.renewal_failed",
  "certificate.expiring",
  "certificate.expired",
  "certificate.revoked",
  "certificate.uploaded",
  "certificate.deleted",
  "certificate.deployed",
  "certificate.deployment_failed",
  // A team's private CA was created (services/private-ca/): its data names the CA, not a certificate.
  "ca.created",
] as const;

export type CertificateEventType = (typeof CERTIFICATE_EVENT_TYPES)[number];

/** Sent only on request (`POST /api/v1/webhooks/:id/test`), to that endpoint whatever its events: not subscribed to. */
export const PING_EVENT_TYPE = "ping";

/** Every type an endpoint's deliveries can carry: the subscribed ones and the test event. */
export const WEBHOOK_EVENT_TYPES = [...CERTIFICATE_EVENT_TYPES, PING_EVENT_TYPE] as const;

/** The test event's body: `{type: "ping", timestamp, data}`, data naming the endpoint and its team only. */
export function pingEventBody(at: number, endpoint: { id: string; teamId: string }): string {
  return JSON.stringify({ type: PING_EVENT_TYPE, timestamp: new Date(at).toISOString(), data: { endpointId: endpoint.id, teamId: endpoint.teamId } });
}

/** What an event says about its certificate: the row's public facts. */
export type CertificateFacts = Pick<CertificateRow, "id" | "teamId" | "projectId" | "type" | "domain" | "names" | "serial" | "fingerprint" | "issuedAt" | "expiresAt">;

/** Event-specific members of `data` (an error message, a deploy target, a threshold); plain JSON values only. */
export type EventDetail = Record<string, string | number | boolean | null>;

/** The longest error message carried in an event: a CA's or provider's words, not a log. */
const MAX_ERROR_LENGTH = 500;

export function certificateEventData(certificate: CertificateFacts, detail: EventDetail = {}) {
  const error = typeof detail.error === "string" ? { error: detail.error.slice(0, MAX_ERROR_LENGTH) } : {};
  return {
    certificateId: certificate.id,
    domain: certificate.domain,
    names: certificate.names,
    projectId: certificate.projectId,
    teamId: certificate.teamId,
    /** "letsencrypt" (obtained over ACME, whichever CA) or "custom" (uploaded), as the native API calls it. */
    certificateType: certificate.type,
    serial: certificate.serial,
    fingerprint: certificate.fingerprint,
    issuedAt: isoSeconds(certificate.issuedAt),
    expiresAt: isoSeconds(certificate.expiresAt),
    ...detail,
    ...error,
  };
}

/** The body sent to every endpoint of one event: the same bytes on every attempt, so it is built once and stored. */
export function certificateEventBody(type: CertificateEventType, at: number, certificate: CertificateFacts, detail: EventDetail = {}): string {
  return JSON.stringify({ type, timestamp: new Date(at).toISOString(), data: certificateEventData(certificate, detail) });
}

export function isCertificateEventType(value: string): value is CertificateEventType {
  return (CERTIFICATE_EVENT_TYPES as readonly string[]).includes(value);
}
