/**
 * Creating a team's CA: a root made here, an intermediate signed by one of the team's CAs, or the team's own CA
 * imported with its key. The key is sealed under the new row's id and never leaves; the first CRL (number 1, empty)
 * is signed and stored with the row, and the audit row is written in the same D1 batch.
 */
import { AppError } from "../../core/errors";
import { DAY_MS } from "../../core/time";
import { newId } from "../../core/ids";
import { seal } from "../../crypto/sealing";
import type { Database } from "../../db/client";
import { exportPrivateKeyPem } from "../../pki";
import {
  type CaKeySpec,
  type CaSubject,
  type NameConstraints,
  type SigningCa,
  checkImportedCa,
  createCaCertificate,
  generateCaKey,
  parseNameConstraints,
  readNameConstraints,
} from "../../pki/private-ca";
import { x509 } from "../../pki/x509-setup";
import { type CertificateAuthorityRow, caNameTaken, caThere, insertCaStatement } from "../../store/certificate-authorities";
import { limitReached } from "../limits/quota";
import type { CommitChange } from "../change";
import { signCrl } from "./crl-signing";
import { requireTeamCa } from "./lookup";
import { caCertificateUrlOf, crlUrlOf } from "./public-urls";
import { describePublicKey, fingerprintHex, openSigningCa } from "./signing-ca";

export interface NameConstraintsInput {
  permittedDnsDomains?: string[];
  excludedDnsDomains?: string[];
  permittedIpRanges?: string[];
  excludedIpRanges?: string[];
}

interface MadeCaInput {
  name: string;
  keyType: "ec" | "rsa";
  keySize: number;
  subject: CaSubject;
  validityDays: number;
  pathLength?: number;
  nameConstraints?: NameConstraintsInput;
}

export type CreateCaInput =
  | ({ kind: "root" } & MadeCaInput)
  | ({ kind: "intermediate"; parentId: string } & MadeCaInput)
  | { kind: "imported"; name: string; certificate: string; privateKey: string; chain?: string };

export interface CaContext {
  db: Database;
  encryptionKey: string;
  now: number;
  /** The origin the CA's public routes are served from (config PKI_PUBLIC_ORIGIN, or the request's). */
  publicOrigin: string;
  /** PRIVATE_CAS_PER_TEAM (core/config.ts). */
  maxCas: number;
}

/** The key spec, or a 400 naming the size that does not fit the type. */
function keySpecOf(input: MadeCaInput): CaKeySpec {
  if (input.keyType === "ec" && (input.keySize === 256 || input.keySize === 384)) return { keyType: "ec", keySize: input.keySize };
  if (input.keyType === "rsa" && (input.keySize === 2048 || input.keySize === 3072 || input.keySize === 4096)) return { keyType: "rsa", keySize: input.keySize };
  throw new AppError("validation_failed", `keySize ${input.keySize} does not fit keyType "${input.keyType}": EC takes 256 or 384, RSA 2048, 3072 or 4096`, { param: "keySize" });
}

const hasAny = (c: NameConstraints) => c.permittedDnsDomains.length + c.excludedDnsDomains.length + c.permittedIpRanges.length + c.excludedIpRanges.length > 0;

/** RFC 5280 §4.2.1.9: the parent's pathLenConstraint bounds how many CAs may follow it. */
function childPathLength(parent: x509.X509Certificate, requested: number | undefined): number | undefined {
  const parentLength = parent.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  if (parentLength === undefined) return requested;
  if (parentLength < 1) throw new AppError("validation_failed", "the parent CA's pathLength is 0: it may sign no further CA", { param: "parentId" });
  if (requested !== undefined && requested > parentLength - 1) {
    throw new AppError("validation_failed", `pathLength must be at most ${parentLength - 1} under this parent (its own is ${parentLength})`, { param: "pathLength" });
  }
  return requested ?? parentLength - 1;
}

interface Made {
  certificate: x509.X509Certificate;
  privateKeyPem: string;
  signing: SigningCa;
  chain: x509.X509Certificate[];
  parentId: string | null;
  own: NameConstraints | null;
  /** The constraints of the CAs above (issuer first). */
  above: NameConstraints[];
}

async function makeCa(ctx: CaContext, teamId: string, input: CreateCaInput): Promise<Made> {
  if (input.kind === "imported") {
    const imported = await checkImportedCa(input);
    const above = imported.chain.map(readNameConstraints).filter((c): c is NameConstraints => c !== null);
    return {
      certificate: imported.certificate,
      privateKeyPem: imported.privateKeyPem,
      signing: { certificate: imported.certificate, privateKey: imported.privateKey },
      chain: imported.chain,
      parentId: null,
      own: readNameConstraints(imported.certificate),
      above,
    };
  }
  const spec = keySpecOf(input);
  const own = input.nameConstraints ? parseNameConstraints(input.nameConstraints) : null;
  const notBefore = ctx.now - 60_000;
  const notAfter = ctx.now + input.validityDays * DAY_MS;
  let issuer: SigningCa | undefined;
  let parent: CertificateAuthorityRow | undefined;
  let pathLength = input.pathLength;
  if (input.kind === "intermediate") {
    parent = await requireTeamCa(ctx.db, teamId, input.parentId, "parentId");
    if (parent.status !== "active") throw new AppError("validation_failed", `the parent CA ${parent.id} is disabled: it signs nothing`, { param: "parentId" });
    if (notAfter > parent.notAfter) {
      throw new AppError("validation_failed", `validityDays would end after the parent CA's notAfter (${new Date(parent.notAfter).toISOString()})`, { param: "validityDays" });
    }
    issuer = await openSigningCa(ctx.encryptionKey, parent);
    pathLength = childPathLength(issuer.certificate, input.pathLength);
  }
  const keys = await generateCaKey(spec);
  const certificate = await createCaCertificate({
    subject: input.subject,
    keys,
    issuer,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    pathLength,
    nameConstraints: own && hasAny(own) ? own : null,
    crlUrl: parent ? crlUrlOf(parent) : undefined,
    caIssuersUrl: parent ? caCertificateUrlOf(parent) : undefined,
  });
  const chain = parent ? [issuer!.certificate, ...chainOf(parent.chainPem)] : [];
  return {
    certificate,
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
    signing: { certificate, privateKey: keys.privateKey },
    chain,
    parentId: parent?.id ?? null,
    own: own && hasAny(own) ? own : null,
    above: parent ? (parent.constraintsPath as unknown as NameConstraints[]) : [],
  };
}

/** The certificates of a stored PEM chain ("" → none). */
export function chainOf(pem: string): x509.X509Certificate[] {
  return pem.trim() === "" ? [] : x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
}

const pemOf = (certificates: x509.X509Certificate[]) => certificates.map((certificate) => `${certificate.toString("pem")}\n`).join("");

/** Creates the CA with its audit row; a taken name is a 409, and nothing is stored on any refusal. */
export async function createCa(ctx: CaContext, teamId: string, input: CreateCaInput, commit: CommitChange): Promise<CertificateAuthorityRow> {
  if (await caNameTaken(ctx.db, teamId, input.name)) throw nameTaken(input.name);
  const id = newId("ca");
  const made = await makeCa(ctx, teamId, input);
  const crl = await signCrl(made.signing, 1, ctx.now, []);
  const constraintsPath = [...(made.own ? [made.own] : []), ...made.above];
  const row: CertificateAuthorityRow = {
    id,
    teamId,
    name: input.name,
    kind: input.kind,
    parentId: made.parentId,
    status: "active",
    certificatePem: `${made.certificate.toString("pem")}\n`,
    chainPem: pemOf(made.chain),
    sealedKey: await seal(ctx.encryptionKey, made.privateKeyPem, id),
    keyDescription: describePublicKey(made.certificate),
    notBefore: made.certificate.notBefore.getTime(),
    notAfter: made.certificate.notAfter.getTime(),
    fingerprint: await fingerprintHex(made.certificate),
    nameConstraints: made.own as unknown as Record<string, string[]> | null,
    constraintsPath: constraintsPath as unknown as Record<string, string[]>[],
    publicOrigin: ctx.publicOrigin,
    crlNumber: crl.number,
    crlDer: crl.der,
    crlThisUpdate: crl.thisUpdate,
    crlNextUpdate: crl.nextUpdate,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const detail = { name: row.name, kind: row.kind, parentId: row.parentId, fingerprint: row.fingerprint, notAfter: new Date(row.notAfter).toISOString() };
  try {
    const recordIf = { holds: caThere(id), checked: "after" as const };
    const [inserted] = (await commit({ teamId, statements: [insertCaStatement(ctx.db, row, ctx.maxCas)], target: id, detail, recordIf })) as [unknown[]];
    if (inserted.length === 0) throw limitReached(`A team may have at most ${ctx.maxCas} CAs (PRIVATE_CAS_PER_TEAM)`);
  } catch (error) {
    // A concurrent create of the same name committed first: this batch failed on the unique index and rolled back.
    if (error instanceof AppError) throw error;
    if (await caNameTaken(ctx.db, teamId, input.name)) throw nameTaken(input.name);
    throw error;
  }
  return row;
}

const nameTaken = (name: string) => new AppError("conflict", `The team already has a CA named "${name}"`, { param: "name" });
