/** Checks of what an ACME client wrote: the key file is the certificate's key, the leaf chains to a root (openssl). */
import { spawnSync } from "node:child_process";
import { createPublicKey, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/** The PEM blocks of a certificate file, leaf first as ACME delivers them (RFC 8555 §7.4.2). */
export function pemCertificates(file: string): string[] {
  return readFileSync(file, "utf8").match(PEM_CERTIFICATE) ?? [];
}

/** The first certificate of a file (the leaf, in every client's certificate or fullchain file). */
export function leafOf(file: string): X509Certificate {
  const [leaf] = pemCertificates(file);
  if (!leaf) throw new Error(`${file} holds no PEM certificate`);
  return new X509Certificate(leaf);
}

/** Whether the private key file holds the key of the file's leaf certificate: their SubjectPublicKeyInfo are equal. */
export function keyMatchesCertificate(keyFile: string, certificateFile: string): boolean {
  const fromKey = createPublicKey(readFileSync(keyFile)).export({ type: "spki", format: "der" });
  const fromCertificate = leafOf(certificateFile).publicKey.export({ type: "spki", format: "der" });
  return Buffer.compare(fromKey, fromCertificate) === 0;
}

/** The DNS names of the leaf's subjectAltName, sorted. */
export function dnsNames(certificateFile: string): string[] {
  const san = leafOf(certificateFile).subjectAltName ?? "";
  return san
    .split(", ")
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4))
    .sort();
}

/**
 * `openssl verify` of the leaf against `rootPem`, with the file's (or `chainFile`'s) other certificates as untrusted
 * intermediates. Returns { ok, output } (openssl's words when it refuses).
 */
export function verifyChain(certificateFile: string, rootPem: string, workDir: string, chainFile?: string): { ok: boolean; output: string } {
  const [leaf, ...rest] = pemCertificates(certificateFile);
  const intermediates = chainFile ? pemCertificates(chainFile) : rest;
  const stem = join(workDir, `verify-${leafOf(certificateFile).serialNumber}`);
  writeFileSync(`${stem}-leaf.pem`, leaf ?? "");
  writeFileSync(`${stem}-root.pem`, rootPem);
  const args = ["verify", "-CAfile", `${stem}-root.pem`];
  if (intermediates.length > 0) {
    writeFileSync(`${stem}-chain.pem`, intermediates.join(""));
    args.push("-untrusted", `${stem}-chain.pem`);
  }
  const result = spawnSync("openssl", [...args, `${stem}-leaf.pem`], { encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}
