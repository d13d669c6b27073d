/**
 * The private CA's CRLs and name constraints judged by a real tool: OpenSSL verifies the CRL's signature, reads its
 * cRLNumber and reasons, refuses a revoked certificate with it, and enforces the nameConstraints extension we write.
 */
import "../../src/pki/x509-setup";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CaKeySpec,
  checkImportedCa,
  createCaCertificate,
  createCrl,
  createLeafCertificate,
  generateCaKey,
  nameConstraintsExtension,
  parseNameConstraints,
  randomSerialHex,
  readNameConstraints,
  type SigningCa,
} from "../../src/pki/private-ca";
import { caSigningAlgorithm } from "../../src/pki/private-ca/issuing";
import { x509 } from "../../src/pki/x509-setup";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// A directory of this run's own: another run in the same tree may be writing at the same time.
const DIR = join(ROOT, ".tmp", "private-ca-crl", String(process.pid));
mkdirSync(DIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const start = new Date(Math.floor(Date.now() / 1000) * 1000);
const ago = new Date(start.getTime() - hourMs);

/** Runs openssl; the exit status and both streams together, since `openssl crl` reports "verify OK" on stderr. */
function openssl(args: string[]): { ok: boolean; output: string } {
  try {
    const stdout = execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

/** openssl crl writes "verify OK" to stderr and exits 0: capture stderr on success too. */
function opensslCrl(args: string[]): string {
  return execFileSync("sh", ["-c", `openssl ${args.map((arg) => `'${arg}'`).join(" ")} 2>&1`], { encoding: "utf8" });
}

function write(name: string, data: string | ArrayBuffer): string {
  const path = join(DIR, name);
  writeFileSync(path, typeof data === "string" ? data : new Uint8Array(data));
  return path;
}

async function makeCa(spec: CaKeySpec, label: string, options: { issuer?: SigningCa; constraints?: x509.Extension } = {}): Promise<SigningCa> {
  const keys = await generateCaKey(spec);
  if (options.constraints) {
    // Written with X509CertificateGenerator and our extension alone, so what OpenSSL judges is the extension.
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialHex(),
      subject: `CN=${label}`,
      issuer: options.issuer!.certificate.subjectName,
      notBefore: ago,
      notAfter: new Date(start.getTime() + 30 * dayMs),
      publicKey: keys.publicKey,
      signingKey: options.issuer!.privateKey,
      signingAlgorithm: caSigningAlgorithm(options.issuer!.privateKey),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(options.issuer!.certificate.publicKey),
        options.constraints,
      ],
    });
    return { certificate, privateKey: keys.privateKey };
  }
  const certificate = await createCaCertificate({
    subject: { commonName: label, organization: "Certdesk Tests" },
    keys,
    notBefore: ago,
    notAfter: new Date(start.getTime() + 365 * dayMs),
    pathLength: 1,
  });
  return { certificate, privateKey: keys.privateKey };
}

async function leafKey(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
}

describe("CRL: OpenSSL verifies it and refuses a revoked certificate with it", () => {
  const specs: CaKeySpec[] = [
    { keyType: "ec", keySize: 256 },
    { keyType: "ec", keySize: 384 },
    { keyType: "rsa", keySize: 2048 },
  ];
  for (const spec of specs) {
    it(`${spec.keyType} ${spec.keySize}`, async () => {
      const tag = `${spec.keyType}${spec.keySize}`;
      const ca = await makeCa(spec, `CRL Test CA ${tag}`);
      const caPem = write(`${tag}-ca.pem`, ca.certificate.toString("pem"));
      const leaf = async (name: string) => {
        const serialHex = randomSerialHex();
        const certificate = await createLeafCertificate({
          issuer: ca,
          publicKey: (await leafKey()).publicKey,
          profile: "client",
          names: { commonName: name, dnsNames: [], ipAddresses: [], uris: [], emails: [] },
          serialHex,
          notBefore: ago,
          notAfter: new Date(start.getTime() + 30 * dayMs),
          crlUrl: "https://certdesk.example/pki/ca/crl",
          caIssuersUrl: "https://certdesk.example/pki/ca/ca.crt",
        });
        return { serialHex, path: write(`${tag}-${name}.pem`, certificate.toString("pem")) };
      };
      const revoked = await leaf("revoked");
      const good = await leaf("good");
      const other = await leaf("superseded");

      const der = await createCrl({
        issuer: ca,
        crlNumber: 7,
        thisUpdate: ago,
        nextUpdate: new Date(start.getTime() + 7 * dayMs),
        entries: [
          { serialHex: revoked.serialHex, revokedAt: ago, reason: "keyCompromise" },
          { serialHex: other.serialHex, revokedAt: ago, reason: "superseded" },
        ],
      });
      const crlDer = write(`${tag}-crl.der`, der);

      // The CRL's signature, checked against the CA certificate.
      expect(opensslCrl(["crl", "-inform", "DER", "-in", crlDer, "-CAfile", caPem, "-noout"])).toMatch(/verify OK/);

      const text = openssl(["crl", "-inform", "DER", "-in", crlDer, "-text", "-noout"]);
      expect(text.ok, text.output).toBe(true);
      expect(text.output).toMatch(/Version 2 \(0x1\)/);
      expect(text.output).toMatch(/X509v3 CRL Number:\s*\n\s*7\b/);
      expect(text.output).toMatch(/X509v3 Authority Key Identifier/);
      expect(text.output).toMatch(new RegExp(`Serial Number: ${revoked.serialHex.toUpperCase()}[\\s\\S]*?X509v3 CRL Reason Code:\\s*\\n\\s*Key Compromise`));
      expect(text.output).toMatch(new RegExp(`Serial Number: ${other.serialHex.toUpperCase()}[\\s\\S]*?X509v3 CRL Reason Code:\\s*\\n\\s*Superseded`));
      expect(text.output).toMatch(spec.keyType === "rsa" ? /Signature Algorithm: sha256WithRSAEncryption/ : spec.keySize === 384 ? /ecdsa-with-SHA384/ : /ecdsa-with-SHA256/);

      const crlPem = join(DIR, `${tag}-crl.pem`);
      execFileSync("openssl", ["crl", "-inform", "DER", "-in", crlDer, "-out", crlPem]);
      const refused = openssl(["verify", "-crl_check", "-CRLfile", crlPem, "-CAfile", caPem, revoked.path]);
      expect(refused.ok).toBe(false);
      expect(refused.output).toMatch(/certificate revoked/);
      const passed = openssl(["verify", "-crl_check", "-CRLfile", crlPem, "-CAfile", caPem, good.path]);
      expect(passed.output).toMatch(/: OK/);
      expect(passed.ok).toBe(true);
    });
  }

  it("a CRL changed after signing fails OpenSSL's signature check, and one from another CA is refused", async () => {
    const ca = await makeCa({ keyType: "ec", keySize: 256 }, "CRL Tamper CA");
    const caPem = write("tamper-ca.pem", ca.certificate.toString("pem"));
    const entry = { serialHex: "7f" + "00".repeat(14) + "01", revokedAt: ago, reason: "keyCompromise" as const };
    const der = new Uint8Array(await createCrl({ issuer: ca, crlNumber: 1, thisUpdate: ago, nextUpdate: new Date(start.getTime() + dayMs), entries: [entry] }));
    const at = Buffer.from(der).indexOf(Buffer.from(entry.serialHex, "hex"));
    expect(at).toBeGreaterThan(0);
    der[at + 15] = 0x02;
    const tampered = write("tamper-crl.der", der.buffer);
    expect(opensslCrl(["crl", "-inform", "DER", "-in", tampered, "-CAfile", caPem, "-noout"])).toMatch(/verify failure/);

    const stranger = await makeCa({ keyType: "ec", keySize: 256 }, "CRL Tamper CA");
    const foreign = write("foreign-crl.der", await createCrl({ issuer: stranger, crlNumber: 1, thisUpdate: ago, nextUpdate: new Date(start.getTime() + dayMs), entries: [] }));
    expect(opensslCrl(["crl", "-inform", "DER", "-in", foreign, "-CAfile", caPem, "-noout"])).toMatch(/verify failure/);
  });
});

describe("name constraints: OpenSSL enforces the extension we write", () => {
  it("a leaf inside the intermediate's permitted DNS and IP subtrees passes; one forged outside fails", async () => {
    const root = await makeCa({ keyType: "ec", keySize: 256 }, "NC Test Root");
    const constraints = parseNameConstraints({
      permittedDnsDomains: ["corp.example"],
      excludedDnsDomains: ["secret.corp.example"],
      permittedIpRanges: ["10.0.0.0/8", "fd00::/8"],
    });
    const intermediate = await makeCa({ keyType: "ec", keySize: 256 }, "NC Test Intermediate", { issuer: root, constraints: nameConstraintsExtension(constraints) });
    const rootPem = write("nc-root.pem", root.certificate.toString("pem"));
    const intPem = write("nc-int.pem", intermediate.certificate.toString("pem"));
    const ext = openssl(["x509", "-in", intPem, "-noout", "-ext", "nameConstraints"]);
    expect(ext.output).toMatch(/X509v3 Name Constraints: critical/);
    expect(ext.output).toMatch(/Permitted:\s*\n\s*DNS:corp\.example\s*\n\s*IP:10\.0\.0\.0\/255\.0\.0\.0\s*\n\s*IP:FD00:0:0:0:0:0:0:0\/FF00:0:0:0:0:0:0:0/);
    expect(ext.output).toMatch(/Excluded:\s*\n\s*DNS:secret\.corp\.example/);

    // Every leaf made the same way, by X509CertificateGenerator directly: only the names differ.
    const forge = async (tag: string, san: x509.JsonGeneralNames) => {
      const keys = await leafKey();
      const certificate = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerialHex(),
        subject: "",
        issuer: intermediate.certificate.subjectName,
        notBefore: ago,
        notAfter: new Date(start.getTime() + dayMs),
        publicKey: keys.publicKey,
        signingKey: intermediate.privateKey,
        signingAlgorithm: caSigningAlgorithm(intermediate.privateKey),
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(san, true),
          await x509.AuthorityKeyIdentifierExtension.create(intermediate.certificate.publicKey),
        ],
      });
      return openssl(["verify", "-CAfile", rootPem, "-untrusted", intPem, write(`nc-${tag}.pem`, certificate.toString("pem"))]);
    };

    const inside = [
      ["apex", [{ type: "dns", value: "corp.example" }]],
      ["subdomain", [{ type: "dns", value: "api.eu.corp.example" }]],
      ["wildcard", [{ type: "dns", value: "*.corp.example" }]],
      ["ipv4", [{ type: "dns", value: "db.corp.example" }, { type: "ip", value: "10.1.2.3" }]],
      ["ipv6", [{ type: "ip", value: "fd00::1" }]],
    ] as const;
    for (const [tag, san] of inside) {
      const result = await forge(tag, [...san]);
      expect(result.output, tag).toMatch(/: OK/);
      expect(result.ok, tag).toBe(true);
    }

    const outside = [
      ["other-domain", [{ type: "dns", value: "evil.example" }], /permitted subtree violation/],
      ["label-suffix", [{ type: "dns", value: "evilcorp.example" }], /permitted subtree violation/],
      ["excluded", [{ type: "dns", value: "x.secret.corp.example" }], /excluded subtree violation/],
      ["ipv4-outside", [{ type: "dns", value: "db.corp.example" }, { type: "ip", value: "192.0.2.1" }], /permitted subtree violation/],
      ["ipv6-outside", [{ type: "ip", value: "2001:db8::1" }], /permitted subtree violation/],
    ] as const;
    for (const [tag, san, message] of outside) {
      const result = await forge(tag, [...san]);
      expect(result.ok, `${tag}: ${result.output}`).toBe(false);
      expect(result.output, tag).toMatch(message);
    }
  });
});

describe("a CA made by OpenSSL and imported: its constraints read back, its CRL accepted by OpenSSL", () => {
  it("reads OpenSSL's nameConstraints encoding, and a CRL it signs revokes an OpenSSL-signed leaf", async () => {
    const caKey = join(DIR, "openssl-ca.key");
    const caPem = join(DIR, "openssl-ca.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", caPem,
      "-days", "30", "-subj", "/C=DE/O=Example Corp/CN=OpenSSL Made CA",
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      "-addext", "nameConstraints=critical,permitted;DNS:corp.example,permitted;IP:10.0.0.0/255.0.0.0,excluded;DNS:.secret.corp.example,permitted;email:.corp.example",
    ], { stdio: "ignore" });
    const imported = await checkImportedCa({ certificate: readFileSync(caPem, "utf8"), privateKey: readFileSync(caKey, "utf8") });
    expect(readNameConstraints(imported.certificate)).toEqual({
      permittedDnsDomains: ["corp.example"],
      excludedDnsDomains: [".secret.corp.example"],
      permittedIpRanges: ["10.0.0.0/8"],
      excludedIpRanges: [],
      unsupportedNameTypes: ["rfc822Name"],
    });

    // A leaf signed by OpenSSL itself; its serial as @peculiar/x509 reads it goes into our CRL.
    const leafKey = join(DIR, "openssl-leaf.key");
    const leafCsr = join(DIR, "openssl-leaf.csr");
    const leafPem = join(DIR, "openssl-leaf.pem");
    execFileSync("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", leafKey, "-out", leafCsr, "-subj", "/CN=api.corp.example"], { stdio: "ignore" });
    const extfile = write("openssl-leaf.ext", "subjectAltName=DNS:api.corp.example\nbasicConstraints=CA:FALSE\n");
    execFileSync("openssl", ["x509", "-req", "-in", leafCsr, "-CA", caPem, "-CAkey", caKey, "-CAcreateserial", "-days", "5", "-out", leafPem, "-extfile", extfile], { stdio: "ignore" });
    expect(openssl(["verify", "-CAfile", caPem, leafPem]).output).toMatch(/: OK/);
    const serialHex = new x509.X509Certificate(readFileSync(leafPem, "utf8")).serialNumber;

    const der = await createCrl({
      issuer: { certificate: imported.certificate, privateKey: imported.privateKey },
      crlNumber: 1,
      thisUpdate: ago,
      nextUpdate: new Date(start.getTime() + dayMs),
      entries: [{ serialHex, revokedAt: ago, reason: "affiliationChanged" }],
    });
    const crlDer = write("openssl-ca-crl.der", der);
    expect(opensslCrl(["crl", "-inform", "DER", "-in", crlDer, "-CAfile", caPem, "-noout"])).toMatch(/verify OK/);
    expect(openssl(["crl", "-inform", "DER", "-in", crlDer, "-text", "-noout"]).output).toMatch(/Affiliation Changed/);
    const crlPem = join(DIR, "openssl-ca-crl.pem");
    execFileSync("openssl", ["crl", "-inform", "DER", "-in", crlDer, "-out", crlPem]);
    const refused = openssl(["verify", "-crl_check", "-CRLfile", crlPem, "-CAfile", caPem, leafPem]);
    expect(refused.ok).toBe(false);
    expect(refused.output).toMatch(/certificate revoked/);
  });
});
