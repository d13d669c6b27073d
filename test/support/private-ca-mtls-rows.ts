/**
 * A team's CA written straight into D1 (a root, EC P-256, or an intermediate under one), for the mTLS route tests:
 * the rows the service branch's `POST /api/v1/cas` writes, built with the same pki functions and sealed the same way.
 */
import { env } from "cloudflare:test";
import { database } from "../../src/db/client";
import { certificateAuthorities } from "../../src/db/schema";
import { seal } from "../../src/crypto/sealing";
import { exportPrivateKeyPem } from "../../src/pki/key-generation";
import { type SigningCa, createCaCertificate, createCrl, generateCaKey } from "../../src/pki/private-ca";
import { x509 } from "../../src/pki/x509-setup";

const ENCRYPTION_KEY = "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=";
const DAY = 86_400_000;

export interface TestTeamCa {
  id: string;
  name: string;
  certificate: x509.X509Certificate;
  signing: SigningCa;
}

let count = 0;

export async function insertTeamCa(
  teamId: string,
  options: { status?: "active" | "disabled"; parent?: TestTeamCa; validityDays?: number; eku?: string[] } = {},
): Promise<TestTeamCa> {
  const id = `ca_test${Date.now().toString(36)}${(count++).toString(36)}`;
  const name = `ca-${id}`;
  const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
  const now = Date.now();
  let certificate = await createCaCertificate({
    subject: { commonName: `Test ${name}`, organization: "Certdesk tests" },
    keys,
    issuer: options.parent?.signing,
    notBefore: new Date(now - 60_000),
    // An intermediate ends a day before its parent (the library refuses one that outlives it).
    notAfter: new Date(Math.min(now + (options.validityDays ?? 3650) * DAY, (options.parent?.certificate.notAfter.getTime() ?? Infinity) - DAY)),
    pathLength: options.parent ? 0 : 1,
  });
  if (options.eku) {
    // A CA whose own EKU restricts its leaves (a serverAuth-only hierarchy): re-made with the extension added.
    certificate = await x509.X509CertificateGenerator.create({
      serialNumber: certificate.serialNumber,
      subject: certificate.subject,
      issuer: certificate.subject,
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
      extensions: [...certificate.extensions, new x509.ExtendedKeyUsageExtension(options.eku)],
    });
  }
  const signing = { certificate, privateKey: keys.privateKey };
  const crl = await createCrl({ issuer: signing, crlNumber: 1, thisUpdate: new Date(now), nextUpdate: new Date(now + 7 * DAY), entries: [] });
  const above = options.parent ? [options.parent.certificate] : [];
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", certificate.rawData));
  await database(env.DB)
    .insert(certificateAuthorities)
    .values({
      id,
      teamId,
      name,
      kind: options.parent ? "intermediate" : "root",
      parentId: options.parent?.id ?? null,
      status: options.status ?? "active",
      certificatePem: `${certificate.toString("pem")}\n`,
      chainPem: above.map((c) => `${c.toString("pem")}\n`).join(""),
      sealedKey: await seal(ENCRYPTION_KEY, await exportPrivateKeyPem(keys.privateKey), id),
      keyDescription: "EC P-256",
      notBefore: certificate.notBefore.getTime(),
      notAfter: certificate.notAfter.getTime(),
      fingerprint: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
      nameConstraints: null,
      constraintsPath: [],
      publicOrigin: "https://certdesk.test",
      crlNumber: 1,
      crlDer: btoa(String.fromCharCode(...new Uint8Array(crl))),
      crlThisUpdate: now,
      crlNextUpdate: now + 7 * DAY,
      createdAt: now,
      updatedAt: now,
    });
  return { id, name, certificate, signing };
}
