/**
 * The bodies of the private CA's events (Standard Webhooks `{type, timestamp, data}`, as events.ts): `ca.created`
 * names the CA; `certificate.issued` and `certificate.revoked` of a private certificate carry `caId` and
 * `certificateType: "private"` beside the fields an ACME or uploaded certificate's event has. Never key material.
 */
import { isoSeconds } from "../../core/time";
import type { CertificateAuthorityRow } from "../../store/certificate-authorities";
import type { PrivateCertificateRow } from "../../store/private-certificates";
import type { Deps } from "../deps";
import { emitEvent } from "./emit";
import type { EventDetail } from "./events";

export type PrivateCertificateEvent = "certificate.issued" | "certificate.renewed" | "certificate.revoked";

const envelope = (type: string, at: number, data: Record<string, unknown>) => JSON.stringify({ type, timestamp: new Date(at).toISOString(), data });

export function caCreatedBody(at: number, ca: CertificateAuthorityRow): string {
  return envelope("ca.created", at, {
    caId: ca.id,
    teamId: ca.teamId,
    name: ca.name,
    kind: ca.kind,
    parentId: ca.parentId,
    fingerprint: ca.fingerprint,
    notBefore: isoSeconds(ca.notBefore),
    notAfter: isoSeconds(ca.notAfter),
  });
}

export function privateCertificateBody(type: PrivateCertificateEvent, at: number, certificate: PrivateCertificateRow, detail: EventDetail = {}): string {
  const { names } = certificate;
  return envelope(type, at, {
    certificateId: certificate.id,
    caId: certificate.caId,
    teamId: certificate.teamId,
    projectId: null,
    certificateType: "private",
    domain: names.commonName ?? names.dnsNames[0] ?? names.ipAddresses[0] ?? names.uris[0] ?? names.emails[0] ?? "",
    names: [...names.dnsNames, ...names.ipAddresses, ...names.uris, ...names.emails],
    profile: certificate.profile,
    serial: certificate.serial,
    fingerprint: certificate.fingerprint,
    issuedAt: isoSeconds(certificate.notBefore),
    expiresAt: isoSeconds(certificate.notAfter),
    ...detail,
  });
}

export async function emitCaCreated(deps: Deps, ca: CertificateAuthorityRow): Promise<void> {
  await emitEvent(deps, "ca.created", ca.teamId, ca.id, (at) => caCreatedBody(at, ca));
}

export async function emitPrivateCertificateEvent(deps: Deps, type: PrivateCertificateEvent, certificate: PrivateCertificateRow, detail: EventDetail = {}): Promise<void> {
  await emitEvent(deps, type, certificate.teamId, certificate.id, (at) => privateCertificateBody(type, at, certificate, detail));
}
