/** Test helpers: ACME certificate rows as an obtain would have stored them, and the requests that renew them. */
import { env } from "cloudflare:test";
import { depsFrom } from "../../../src/deps";
import { commitWithAudit } from "../../../src/http/audited-commit";
import type { IssueRequest } from "../../../src/issuance/issue-request";
import { checkCertificate } from "../../../src/pki";
import { ACME_TYPE } from "../../../src/store/certificate-type";
import { type CertificateRow, type NewCertificate, materialOf, storeCertificate } from "../../../src/store/certificates";
import { makeChain } from "../../support/pki-fixtures";

export const deps = () => depsFrom(env);

/** The audited commit a route hands the services, here with a test's actor (tests that call a service directly). */
export const testCommit = () => commitWithAudit(deps().db, { actor: "tok_test", action: "TEST" }, Date.now);

const ISSUANCE = {
  challengeType: "http-01",
  dnsProvider: null,
  keySpec: { keyType: "ec", curve: "P-256" },
  email: null,
  staging: false,
  directoryUrl: "https://127.0.0.1:9/directory",
  profile: null,
} as const;

/** What an issuance would store for `names`: a fresh certificate and key (from the test CA, not a real one), valid from `notBefore`. */
export async function issuedMaterial(
  owner: { teamId: string; projectId: string | null },
  names: string[],
  extra: Partial<NewCertificate> = {},
  notBefore?: Date,
): Promise<NewCertificate> {
  const chain = await makeChain({ names, ...(notBefore ? { notBefore } : {}) });
  const checked = await checkCertificate({ certificatePem: chain.chainPem, privateKeyPem: chain.keyPem });
  return { ...owner, type: ACME_TYPE, domain: names[0]!, ...materialOf(checked), autoRenew: true, issuance: { ...ISSUANCE }, ...extra };
}

/** A stored ACME certificate of the owner for `names`, renewing automatically (due at `nextRenewalAt`). */
export async function storedAcmeCertificate(
  owner: { teamId: string; projectId: string | null },
  names: string[],
  nextRenewalAt = Date.now() + 30 * 86_400_000,
): Promise<CertificateRow> {
  const input = await issuedMaterial(owner, names, { nextRenewalAt });
  return storeCertificate(deps().db, deps().config.ENCRYPTION_KEY, input, Date.now());
}

/** The row as stored now (what a job reads under the lock). */
export async function readRow(id: string): Promise<CertificateRow | undefined> {
  return deps().db.query.certificates.findFirst({ where: (c, { eq }) => eq(c.id, id) });
}

/** The request the sweep would send for `row`. */
export function renewRequest(row: CertificateRow, trigger: "manual" | "sweep" = "sweep"): IssueRequest {
  return {
    kind: "renew",
    teamId: row.teamId,
    projectId: row.projectId,
    names: row.names,
    challengeType: "http-01",
    keySpec: { keyType: "ec", curve: "P-256" },
    email: null,
    directoryUrl: ISSUANCE.directoryUrl,
    staging: false,
    dryRun: false,
    autoRenew: row.autoRenew,
    certificateId: row.id,
    trigger,
    asOf: Date.now(),
  };
}

/** The request an obtain sends for the owner's names. */
export function obtainRequest(owner: { teamId: string; projectId: string | null }, names: string[]): IssueRequest {
  return {
    kind: "obtain",
    ...owner,
    names,
    challengeType: "http-01",
    keySpec: { keyType: "ec", curve: "P-256" },
    email: "admin@example.com",
    directoryUrl: ISSUANCE.directoryUrl,
    staging: false,
    dryRun: false,
    autoRenew: true,
  };
}
