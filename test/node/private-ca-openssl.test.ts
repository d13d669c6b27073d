/**
 * The private CA's certificates as real tools see them: `openssl verify` of root → intermediate → leaf for every
 * profile and key type (with OpenSSL's own purpose checks reading the EKU), and a real mutual-TLS handshake in Node's
 * `tls`. The pki functions run here in Node (WebCrypto on globalThis); every key is generated at test time.
 */
import "../../src/pki/x509-setup";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPrivateKeyPem } from "../../src/pki";
import {
  type CaKeySpec,
  createCaCertificate,
  createLeafCertificate,
  generateCaKey,
  LEAF_PROFILES,
  type LeafProfile,
  type NameConstraints,
  randomSerialHex,
  readCertificateRequest,
  type SigningCa,
  type SubjectNames,
} from "../../src/pki/private-ca";
import { x509 } from "../../src/pki/x509-setup";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIR = join(ROOT, ".tmp", "private-ca", String(process.pid));
const dayMs = 86_400_000;
const noConstraints: NameConstraints = { permittedDnsDomains: [], excludedDnsDomains: [], permittedIpRanges: [], excludedIpRanges: [] };

beforeAll(() => mkdirSync(DIR, { recursive: true }));
// The PEMs include private keys made for this run: nothing is left behind.
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function openssl(...args: string[]): { ok: boolean; output: string } {
  const run = spawnSync("openssl", args, { cwd: DIR, encoding: "utf8" });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

function write(name: string, ...pems: string[]): string {
  writeFileSync(join(DIR, name), pems.join(""));
  return name;
}

const pem = (certificate: x509.X509Certificate) => `${certificate.toString("pem")}\n`;
const names = (partial: Partial<SubjectNames>): SubjectNames => ({ dnsNames: [], ipAddresses: [], uris: [], emails: [], ...partial });

async function makeRoot(spec: CaKeySpec, commonName: string): Promise<SigningCa> {
  const keys = await generateCaKey(spec);
  const certificate = await createCaCertificate({
    subject: { commonName, organization: "Certdesk OpenSSL test" },
    keys,
    notBefore: new Date(Date.now() - dayMs),
    notAfter: new Date(Date.now() + 3650 * dayMs),
    pathLength: 1,
  });
  return { certificate, privateKey: keys.privateKey };
}

async function makeIntermediate(root: SigningCa, spec: CaKeySpec, commonName: string, nameConstraints: NameConstraints = noConstraints): Promise<SigningCa> {
  const keys = await generateCaKey(spec);
  const certificate = await createCaCertificate({
    subject: { commonName, organization: "Certdesk OpenSSL test" },
    keys,
    issuer: root,
    notBefore: new Date(Date.now() - dayMs),
    notAfter: new Date(Date.now() + 1825 * dayMs),
    nameConstraints,
    crlUrl: "http://127.0.0.1:9/pki/root/crl",
    caIssuersUrl: "http://127.0.0.1:9/pki/root/ca.crt",
  });
  return { certificate, privateKey: keys.privateKey };
}

async function makeLeaf(issuer: SigningCa, spec: CaKeySpec, profile: LeafProfile, subjectNames: SubjectNames) {
  const keys = await generateCaKey(spec);
  const certificate = await createLeafCertificate({
    issuer,
    publicKey: keys.publicKey,
    profile,
    names: subjectNames,
    serialHex: randomSerialHex(),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * dayMs),
    crlUrl: "http://127.0.0.1:9/pki/int/crl",
    caIssuersUrl: "http://127.0.0.1:9/pki/int/ca.crt",
  });
  return { certificate, keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** A copy of `template`'s extensions with other names in its SAN, signed by `issuer` past our own checks. */
async function forgeLeaf(issuer: SigningCa, template: x509.X509Certificate, subjectNames: SubjectNames): Promise<x509.X509Certificate> {
  const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
  const san = new x509.SubjectAlternativeNameExtension([
    ...subjectNames.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...subjectNames.ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ]);
  return await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: template.subjectName,
    issuer: issuer.certificate.subjectName,
    notBefore: template.notBefore,
    notAfter: template.notAfter,
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
    extensions: [...template.extensions.filter((extension) => extension.type !== "2.5.29.17"), san],
  });
}

const specs: CaKeySpec[] = [
  { keyType: "ec", keySize: 256 },
  { keyType: "ec", keySize: 384 },
  { keyType: "rsa", keySize: 2048 },
];
const ekuText: Record<LeafProfile, RegExp> = {
  server: /^\s*TLS Web Server Authentication\s*$/m,
  client: /^\s*TLS Web Client Authentication\s*$/m,
  "server-client": /^\s*TLS Web Server Authentication, TLS Web Client Authentication\s*$/m,
};

describe("openssl verify: root → intermediate → leaf", () => {
  for (const spec of specs) {
    const label = `${spec.keyType}${spec.keySize}`;
    it(`${label}: every profile verifies, with the purposes its EKU allows`, async () => {
      const root = await makeRoot(spec, `Root ${label}`);
      const intermediate = await makeIntermediate(root, spec, `Issuing ${label}`);
      const rootFile = write(`root-${label}.pem`, pem(root.certificate));
      const intFile = write(`int-${label}.pem`, pem(intermediate.certificate));
      const other = await makeRoot(spec, `Other root ${label}`);
      const otherFile = write(`other-${label}.pem`, pem(other.certificate));

      for (const profile of LEAF_PROFILES) {
        const leaf = await makeLeaf(intermediate, spec, profile, names({ commonName: "api.corp.example", dnsNames: ["api.corp.example"] }));
        const leafFile = write(`leaf-${label}-${profile}.pem`, pem(leaf.certificate));

        // -x509_strict adds RFC 5280 profile checks (AKI/SKI present, CA keyUsage, critical basicConstraints, …).
        const verified = openssl("verify", "-x509_strict", "-CAfile", rootFile, "-untrusted", intFile, leafFile);
        expect(verified.output).toBe(`${leafFile}: OK\n`);
        expect(verified.ok).toBe(true);

        // OpenSSL's purpose checks read the leaf's EKU: each profile passes exactly the purposes it names.
        const server = openssl("verify", "-purpose", "sslserver", "-CAfile", rootFile, "-untrusted", intFile, leafFile);
        const client = openssl("verify", "-purpose", "sslclient", "-CAfile", rootFile, "-untrusted", intFile, leafFile);
        expect([server.ok, client.ok], `${profile}: ${server.output} / ${client.output}`).toEqual([profile !== "client", profile !== "server"]);
        if (!server.ok) expect(server.output).toMatch(/unsuitable certificate purpose/);
        if (!client.ok) expect(client.output).toMatch(/unsuitable certificate purpose/);

        const eku = openssl("x509", "-in", leafFile, "-noout", "-ext", "extendedKeyUsage");
        expect(eku.output).toMatch(/X509v3 Extended Key Usage:/);
        expect(eku.output).toMatch(ekuText[profile]);

        // The same leaf under another root does not verify: the check above can fail.
        const stranger = openssl("verify", "-CAfile", otherFile, "-untrusted", intFile, leafFile);
        expect(stranger.ok).toBe(false);
        expect(stranger.output).toMatch(/unable to get (local )?issuer certificate/);
      }

      // The CA extensions as OpenSSL prints them.
      const ca = openssl("x509", "-in", intFile, "-noout", "-ext", "basicConstraints,keyUsage");
      expect(ca.output).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      expect(ca.output).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    });
  }

  it("a leaf outside the intermediate's name constraints fails openssl verify (the extension is written as RFC 5280 §4.2.1.10 says)", async () => {
    const spec: CaKeySpec = { keyType: "ec", keySize: 256 };
    const root = await makeRoot(spec, "Root NC");
    const intermediate = await makeIntermediate(root, spec, "Issuing NC", {
      ...noConstraints,
      permittedDnsDomains: ["corp.example"],
      permittedIpRanges: ["10.0.0.0/8"],
    });
    const rootFile = write("root-nc.pem", pem(root.certificate));
    const intFile = write("int-nc.pem", pem(intermediate.certificate));
    const nc = openssl("x509", "-in", intFile, "-noout", "-ext", "nameConstraints");
    expect(nc.output).toMatch(/X509v3 Name Constraints: critical/);

    const inside = await makeLeaf(intermediate, spec, "server", names({ dnsNames: ["api.corp.example"], ipAddresses: ["10.1.2.3"] }));
    const insideFile = write("leaf-nc-inside.pem", pem(inside.certificate));
    expect(openssl("verify", "-CAfile", rootFile, "-untrusted", intFile, insideFile).output).toBe(`${insideFile}: OK\n`);

    // createLeafCertificate refuses names outside the constraints, so the forgery is signed here with the library.
    await expect(makeLeaf(intermediate, spec, "server", names({ dnsNames: ["api.evil.example"] }))).rejects.toThrow(/name constraints/);
    for (const outside of [names({ dnsNames: ["api.evil.example"] }), names({ ipAddresses: ["192.168.1.1"] })]) {
      const forged = await forgeLeaf(intermediate, inside.certificate, outside);
      const forgedFile = write("leaf-nc-outside.pem", pem(forged));
      const result = openssl("verify", "-CAfile", rootFile, "-untrusted", intFile, forgedFile);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/permitted subtree violation/);
    }
  });
});

describe("a certificate from an OpenSSL-made CSR", () => {
  for (const [label, keyArgs] of [
    ["EC P-256", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]],
    ["RSA 2048", ["-newkey", "rsa:2048"]],
  ] as const) {
    it(`${label}: keeps the requester's key and names, and verifies`, async () => {
      const spec: CaKeySpec = { keyType: "ec", keySize: 384 };
      const root = await makeRoot(spec, `Root CSR ${label}`);
      const intermediate = await makeIntermediate(root, spec, `Issuing CSR ${label}`);
      const tag = label.replace(" ", "-");
      const made = openssl("req", "-new", ...keyArgs, "-nodes", "-keyout", `csr-${tag}.key`, "-out", `csr-${tag}.csr`, "-subj", "/CN=db.corp.example",
        "-addext", "subjectAltName=DNS:db.corp.example,IP:10.9.8.7");
      expect(made.ok, made.output).toBe(true);
      const request = await readCertificateRequest(readFileSync(join(DIR, `csr-${tag}.csr`), "utf8"));
      const certificate = await createLeafCertificate({
        issuer: intermediate,
        publicKey: request.publicKey,
        profile: "server-client",
        names: request.names,
        serialHex: randomSerialHex(),
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + dayMs),
        caIssuersUrl: "http://127.0.0.1:9/pki/int/ca.crt",
      });
      const leafFile = write(`leaf-csr-${tag}.pem`, pem(certificate));
      expect(openssl("verify", "-CAfile", write("root-csr.pem", pem(root.certificate)), "-untrusted", write("int-csr.pem", pem(intermediate.certificate)), leafFile).output)
        .toBe(`${leafFile}: OK\n`);
      // The certificate carries the public key of the requester's own key file (OpenSSL prints both the same).
      expect(openssl("x509", "-in", leafFile, "-noout", "-pubkey").output).toBe(openssl("pkey", "-in", `csr-${tag}.key`, "-pubout").output);
      const san = openssl("x509", "-in", leafFile, "-noout", "-ext", "subjectAltName").output;
      expect(san).toMatch(/DNS:db\.corp\.example, IP Address:10\.9\.8\.7/);
    });
  }
});

/** Connects with a client certificate (or none) and resolves with what the server said, or rejects with the TLS error. */
function handshake(port: number, ca: string, client: { cert: string; key: string } | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: "127.0.0.1", servername: "localhost", ca, ...(client ?? {}) });
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => (data ? resolve(data) : reject(new Error("closed without data"))));
    socket.on("error", reject);
  });
}

describe("mutual TLS in Node with the private CA", () => {
  it("a server certificate (profile server) accepts a client certificate (profile client) from the same root, and refuses one from another root", async () => {
    const spec: CaKeySpec = { keyType: "ec", keySize: 256 };
    const root = await makeRoot(spec, "Team root");
    const intermediate = await makeIntermediate(root, spec, "Team issuing CA");
    const server = await makeLeaf(intermediate, spec, "server", names({ commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] }));
    const client = await makeLeaf(intermediate, spec, "client", names({ commonName: "checkout-service" }));
    const otherRoot = await makeRoot(spec, "Another team's root");
    const otherIntermediate = await makeIntermediate(otherRoot, spec, "Another team's issuing CA");
    const stranger = await makeLeaf(otherIntermediate, spec, "client", names({ commonName: "checkout-service" }));
    // A server-profile certificate presented as a client certificate: the EKU must keep it out.
    const wrongPurpose = await makeLeaf(intermediate, spec, "server", names({ commonName: "checkout-service", dnsNames: ["checkout.corp.example"] }));

    const rootPem = pem(root.certificate);
    const chain = pem(intermediate.certificate);
    const serverOptions = { cert: pem(server.certificate) + chain, key: server.keyPem, ca: rootPem, requestCert: true };
    // The server under test refuses unauthorized clients; a second one with the same trust lets every client through
    // and reports why OpenSSL judged it unauthorized, so the refusals below are shown to have the right reason.
    const seen: string[] = [];
    const tlsServer = tls.createServer({ ...serverOptions, rejectUnauthorized: true }, (socket) => {
      const commonName = String(socket.getPeerCertificate().subject?.CN ?? "?");
      seen.push(commonName);
      socket.end(`hello ${commonName}`);
    });
    const inspector = tls.createServer({ ...serverOptions, rejectUnauthorized: false }, (socket) => {
      socket.end(socket.authorized ? "authorized" : String(socket.authorizationError));
    });
    const listen = async (server: tls.Server) => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return (server.address() as { port: number }).port;
    };
    const port = await listen(tlsServer);
    const inspectorPort = await listen(inspector);
    const good = { cert: pem(client.certificate) + chain, key: client.keyPem };
    const foreign = { cert: pem(stranger.certificate) + pem(otherIntermediate.certificate), key: stranger.keyPem };
    const misused = { cert: pem(wrongPurpose.certificate) + chain, key: wrongPurpose.keyPem };
    try {
      expect(await handshake(port, rootPem, good)).toBe("hello checkout-service");
      expect(seen).toEqual(["checkout-service"]);

      await expect(handshake(port, rootPem, foreign)).rejects.toThrow();
      await expect(handshake(port, rootPem, misused)).rejects.toThrow();
      await expect(handshake(port, rootPem, null)).rejects.toThrow();
      expect(seen).toEqual(["checkout-service"]);

      expect(await handshake(inspectorPort, rootPem, good)).toBe("authorized");
      expect(await handshake(inspectorPort, rootPem, foreign)).toBe("UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
      expect(await handshake(inspectorPort, rootPem, misused)).toBe("INVALID_PURPOSE");
    } finally {
      await new Promise((resolve) => inspector.close(resolve));
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });
});
