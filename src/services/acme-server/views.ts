/** The JSON objects of the ACME server's resources (RFC 8555 §7.1.2-7.1.5), their URLs from the linker. */
import type { AcmeServerAccountRow } from "../../store/acme-server-accounts";
import type { AcmeAuthorizationRow, AcmeChallengeRow, AcmeOrderRow } from "../../store/acme-server-orders";
import type { AcmeLinker } from "./linker";

const time = (ms: number) => new Date(ms).toISOString();

export function accountView(link: AcmeLinker, row: AcmeServerAccountRow) {
  return { status: row.status, contact: row.contact, orders: link.orders(row.id), createdAt: time(row.createdAt) };
}

export function orderView(link: AcmeLinker, row: AcmeOrderRow, authorizationIds: readonly string[]) {
  return {
    status: row.status,
    expires: time(row.expiresAt),
    identifiers: row.identifiers,
    ...(row.notBefore !== null ? { notBefore: time(row.notBefore) } : {}),
    ...(row.notAfter !== null ? { notAfter: time(row.notAfter) } : {}),
    authorizations: authorizationIds.map(link.authorization),
    finalize: link.finalize(row.id),
    ...(row.certificateId !== null ? { certificate: link.certificate(row.id) } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.replaces !== null ? { replaces: row.replaces } : {}),
  };
}

export function challengeView(link: AcmeLinker, row: AcmeChallengeRow) {
  return {
    type: row.type,
    url: link.challenge(row.id),
    status: row.status,
    token: row.token,
    ...(row.validatedAt !== null ? { validated: time(row.validatedAt) } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}

export function authorizationView(link: AcmeLinker, row: AcmeAuthorizationRow, challenges: readonly AcmeChallengeRow[]) {
  return {
    identifier: row.identifier,
    status: row.status,
    expires: time(row.expiresAt),
    challenges: challenges.map((challenge) => challengeView(link, challenge)),
    ...(row.wildcard ? { wildcard: true } : {}),
  };
}
