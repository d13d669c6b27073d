/** Certification path building (RFC 5280 §6.1 in spirit): put a bundle in leaf → root order and find where it ends. */
import { AppError } from "../core/errors";
import type { CertificateInfo } from "./certificate";

export interface ChainLink {
  info: CertificateInfo;
  /** True when this certificate is one of the given CA certificates (the `ca` field). */
  inCa: boolean;
}

/** Why the path stops where it does. */
export type ChainEnd =
  | { kind: "self-signed" }
  | { kind: "incomplete" }
  | { kind: "broken"; child: CertificateInfo; issuer: CertificateInfo };

export interface Chain {
  /** Leaf first, then each issuer found. */
  path: ChainLink[];
  end: ChainEnd;
  /** Bundle certificates that are not on the path (e.g. a stray extra root). */
  ignored: CertificateInfo[];
}

function describeList(infos: CertificateInfo[]): string {
  const names = infos.slice(0, 3).map((info) => `"${info.subject}"`);
  return infos.length > 3 ? `${names.join(", ")}, …` : names.join(", ");
}

/**
 * The leaf is the certificate that issued none of the others. A bundle with several such
 * certificates holds unrelated leaves and is refused, except that stray CA certificates
 * (basicConstraints cA) beside exactly one end-entity certificate are tolerated.
 */
export function findLeaf(bundle: CertificateInfo[]): CertificateInfo {
  const candidates = bundle.filter(
    (info) => !bundle.some((other) => other !== info && other.issuerKey === info.subjectKey),
  );
  if (candidates.length === 0) {
    throw new AppError("invalid_certificate", "Certificate bundle has no leaf certificate: its certificates all issue one another");
  }
  if (candidates.length === 1) return candidates[0]!;
  const endEntities = candidates.filter((info) => info.isCa !== true);
  if (endEntities.length === 1) return endEntities[0]!;
  const unrelated = endEntities.length > 1 ? endEntities : candidates;
  throw new AppError(
    "invalid_certificate",
    `Expected one certificate with its chain but found ${unrelated.length} unrelated leaf certificates (${describeList(unrelated)})`,
  );
}

/**
 * The issuer's key imported for one signature algorithm, kept with the issuer (an RSA key is imported for its hash): a
 * CA certificate kept per isolate (ca-certificate-cache.ts) is imported once per algorithm, not once per upload.
 */
const verifyKeys = new WeakMap<CertificateInfo, Map<string, Promise<CryptoKey>>>();

function verifyKeyOf(issuer: CertificateInfo, child: CertificateInfo): Promise<CryptoKey> {
  const algorithm = { ...issuer.cert.publicKey.algorithm, ...child.cert.signatureAlgorithm };
  const name = JSON.stringify(algorithm);
  let keys = verifyKeys.get(issuer);
  if (!keys) verifyKeys.set(issuer, (keys = new Map()));
  let key = keys.get(name);
  if (!key) {
    key = issuer.cert.publicKey.export(algorithm, ["verify"]);
    // A key that cannot be imported is not kept: the next check tries again (and fails the same way).
    key.catch(() => keys.delete(name));
    keys.set(name, key);
  }
  return key;
}

/** True when `issuer`'s key verifies `child`'s signature; any library failure counts as "does not verify". */
async function signatureVerifies(child: CertificateInfo, issuer: CertificateInfo): Promise<boolean> {
  try {
    return await child.cert.verify({ publicKey: await verifyKeyOf(issuer, child), signatureOnly: true });
  } catch {
    return false;
  }
}

/**
 * Walks from the leaf upwards, linking by issuer name == subject name (RFC 5280 §4.1.2.4) and
 * keeping only issuers whose key verifies the signature. Certificates from `ca` complete the path
 * but never make it "broken": a CA that merely shares a name is simply not the issuer.
 */
export async function buildChain(bundle: CertificateInfo[], ca: CertificateInfo[] = []): Promise<Chain> {
  const leaf = findLeaf(bundle);
  // Identity by DER (`derKey`, made once when the certificate was read).
  const caKeys = new Set(ca.map((info) => info.derKey));
  const bundleKeys = new Set(bundle.map((info) => info.derKey));
  const pool = [
    ...bundle.map((info) => ({ info, fromBundle: true })),
    ...ca.filter((info) => !bundleKeys.has(info.derKey)).map((info) => ({ info, fromBundle: false })),
  ];
  const link = (info: CertificateInfo): ChainLink => ({ info, inCa: caKeys.has(info.derKey) });

  const path: ChainLink[] = [link(leaf)];
  const used = new Set<CertificateInfo>([leaf]);
  let current = leaf;
  let end: ChainEnd | null = null;
  while (end === null) {
    if (current.selfIssued && (await signatureVerifies(current, current))) {
      end = { kind: "self-signed" };
      break;
    }
    const named = pool.filter((entry) => entry.info.subjectKey === current.issuerKey && !used.has(entry.info));
    let next: CertificateInfo | null = null;
    for (const entry of named) {
      if (await signatureVerifies(current, entry.info)) {
        next = entry.info;
        break;
      }
    }
    if (next) {
      path.push(link(next));
      used.add(next);
      current = next;
      continue;
    }
    const claimed = named.find((entry) => entry.fromBundle)?.info ?? (current.selfIssued ? current : null);
    end = claimed ? { kind: "broken", child: current, issuer: claimed } : { kind: "incomplete" };
  }
  return { path, end, ignored: bundle.filter((info) => !used.has(info)) };
}
