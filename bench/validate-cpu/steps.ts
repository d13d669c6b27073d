/**
 * The steps of checkCertificate (src/pki/check-certificate.ts), the certificate work of
 * `POST /api/v1/projects/:id/certificate/validate`, each callable on its own with its inputs made outside the clock,
 * for two versions of src/pki: the current one and `#pki-before` (an earlier commit, see vitest.config.ts). Both are
 * driven through the same functions, so a step means the same work in both columns.
 */
import * as beforeBundle from "#pki-before/certificate-bundle";
import * as beforeChain from "#pki-before/chain";
import * as beforeCheck from "#pki-before/check-certificate";
import * as beforeNames from "#pki-before/name-coverage";
import * as beforePolicy from "#pki-before/policy";
import * as beforeKey from "#pki-before/private-key";
import * as beforePublicKey from "#pki-before/public-key";
import * as beforeReport from "#pki-before/validation-report";
import { readCertificates } from "../../src/pki/certificate-bundle";
import { buildChain } from "../../src/pki/chain";
import { checkCertificate } from "../../src/pki/check-certificate";
import { coversName, presentedNames } from "../../src/pki/name-coverage";
import { evaluatePolicy } from "../../src/pki/policy";
import { parsePrivateKey } from "../../src/pki/private-key";
import { samePublicKey } from "../../src/pki/public-key";
import { describeLeaf } from "../../src/pki/validation-report";
import type { ValidateCpuChain } from "./context";

/** The functions a version of src/pki offers for the validate path (the same names and arguments in both). */
export interface PkiVersion {
  readCertificates: typeof readCertificates;
  parsePrivateKey: typeof parsePrivateKey;
  buildChain: typeof buildChain;
  evaluatePolicy: typeof evaluatePolicy;
  samePublicKey: typeof samePublicKey;
  coversName: typeof coversName;
  presentedNames: typeof presentedNames;
  describeLeaf: typeof describeLeaf;
  checkCertificate: typeof checkCertificate;
}

export const currentPki: PkiVersion = {
  readCertificates,
  parsePrivateKey,
  buildChain,
  evaluatePolicy,
  samePublicKey,
  coversName,
  presentedNames,
  describeLeaf,
  checkCertificate,
};

export const beforePki: PkiVersion = {
  readCertificates: beforeBundle.readCertificates,
  parsePrivateKey: beforeKey.parsePrivateKey,
  buildChain: beforeChain.buildChain,
  evaluatePolicy: beforePolicy.evaluatePolicy,
  samePublicKey: beforePublicKey.samePublicKey,
  coversName: beforeNames.coversName,
  presentedNames: beforeNames.presentedNames,
  describeLeaf: beforeReport.describeLeaf,
  checkCertificate: beforeCheck.checkCertificate,
};

/** The steps in the order checkCertificate runs them, then the whole check. */
export const STEP_NAMES = [
  "read the certificates (PEM → parsed, 2 certificates)",
  "read the private key (PEM → PKCS#8, imported, public half)",
  "build the chain (issuer signature verified)",
  "key match, policy, domain",
  "report (SHA-256 fingerprint, fields)",
  "checkCertificate (all of the above)",
] as const;

/** The step functions of `pki` for one chain; throws if that version does not find the chain valid. */
export async function stepsOf(pki: PkiVersion, chain: ValidateCpuChain, domain: string, now: Date): Promise<(() => Promise<unknown>)[]> {
  const input = { certificatePem: chain.certificate, privateKeyPem: chain.privateKey, domain, now };
  const checked = await pki.checkCertificate(input);
  if (!checked.report.valid) throw new Error(`${chain.label}: not valid: ${checked.report.error}`);
  const bundle = pki.readCertificates(chain.certificate, { field: "certificate" });
  const key = await pki.parsePrivateKey(chain.privateKey);
  const built = await pki.buildChain(bundle);
  const leaf = built.path[0]!.info;
  return [
    async () => pki.readCertificates(chain.certificate, { field: "certificate" }),
    () => pki.parsePrivateKey(chain.privateKey),
    () => pki.buildChain(bundle),
    async () => [
      pki.samePublicKey(key.publicKey, leaf.publicKey),
      pki.evaluatePolicy({ chain: built, purpose: "serverAuth", now, caGiven: false }),
      pki.coversName(pki.presentedNames(leaf), domain),
    ],
    () => pki.describeLeaf(leaf),
    () => pki.checkCertificate(input),
  ];
}
