#!/usr/bin/env node
/**
 * The baseline for validate-throughput.mjs: the same checks as POST /api/v1/projects/:id/certificate/validate,
 * done with Node's native (OpenSSL) X509Certificate instead of WebCrypto + @peculiar/x509 + pkijs inside workerd.
 * Same JSON body, same route shape, a Bearer token compared against its SHA-256 (the API stores only the hash),
 * the project's domain held in memory (the API reads token and project from D1: that cost is part of what is
 * compared, and is named in RESULTS.md).
 *
 *   node bench/native-validate-server.mjs --port 0 --domain bench.example.com --token <t>
 * Prints "listening <port>" once ready.
 */
import { createHash, createPrivateKey, timingSafeEqual, X509Certificate } from "node:crypto";
import { createServer } from "node:http";

const arg = (name) => process.argv[process.argv.indexOf(`--${name}`) + 1];
const domain = arg("domain");
const tokenHash = createHash("sha256").update(arg("token")).digest();
const MAX_BODY = 256 * 1024;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function check({ certificate, privateKey }, now = new Date()) {
  const certs = (certificate.match(PEM_BLOCK) ?? []).map((pem) => new X509Certificate(pem));
  if (certs.length === 0) return { status: 400, body: { success: false, error: "No certificate found", code: "bad_request" } };
  const key = createPrivateKey(privateKey);
  // Any order in the bundle: the leaf is the one that issued nothing else in it.
  const leaf = certs.find((c) => !certs.some((o) => o !== c && o.checkIssued(c))) ?? certs[0];
  const errors = [];
  const warnings = [];
  if (!leaf.checkPrivateKey(key)) errors.push(["Certificate and private key do not match", "key_mismatch"]);
  if (new Date(leaf.validTo) < now) errors.push(["Certificate has expired", "invalid_certificate"]);
  if (new Date(leaf.validFrom) > now) errors.push(["Certificate is not yet valid", "invalid_certificate"]);
  const details = leaf.publicKey.asymmetricKeyDetails ?? {};
  if (leaf.publicKey.asymmetricKeyType === "rsa" && details.modulusLength < 2048) errors.push(["RSA key under 2048 bits", "invalid_certificate"]);
  // Each link: issued by the next (names, key usage) and its signature verifies under that issuer's key.
  let current = leaf;
  for (;;) {
    const issuer = certs.find((c) => c !== current && current.checkIssued(c));
    if (!issuer) {
      // Like the API: only the leaf's own issuer must be in the bundle (roots come from trust stores).
      if (current === leaf) warnings.push(leaf.issuer === leaf.subject ? "Self-signed certificate" : "Incomplete chain: the issuing CA certificate is missing");
      break;
    }
    if (!current.verify(issuer.publicKey)) errors.push(["A chain signature does not verify", "invalid_certificate"]);
    if (issuer.issuer === issuer.subject) break;
    current = issuer;
  }
  if (!leaf.checkHost(domain, { subject: "never" })) errors.push([`Certificate is not valid for domain ${domain}`, "domain_mismatch"]);
  if (!leaf.keyUsage?.includes("1.3.6.1.5.5.7.3.1")) warnings.push("No serverAuth extended key usage");
  const names = (leaf.subjectAltName ?? "").split(", ").filter((n) => n.startsWith("DNS:")).map((n) => n.slice(4).toLowerCase());
  const report = {
    valid: errors.length === 0,
    domain: names[0] ?? null,
    names,
    expiresAt: new Date(leaf.validTo).toISOString().replace(/\.\d{3}Z$/, "Z"),
    issuedAt: new Date(leaf.validFrom).toISOString().replace(/\.\d{3}Z$/, "Z"),
    issuer: /^O=(.*)$/m.exec(leaf.issuer)?.[1] ?? /^CN=(.*)$/m.exec(leaf.issuer)?.[1] ?? leaf.issuer,
    serial: leaf.serialNumber.toLowerCase(),
    fingerprint: leaf.fingerprint256.toLowerCase(),
    keyType: leaf.publicKey.asymmetricKeyType === "rsa" ? `RSA-${details.modulusLength}` : `EC-${{ prime256v1: "P256", secp384r1: "P384" }[details.namedCurve] ?? details.namedCurve}`,
    warnings,
    ...(errors.length ? { error: errors[0][0], code: errors[0][1] } : {}),
  };
  return { status: report.valid ? 200 : 422, body: report };
}

function authorized(header) {
  const token = /^Bearer (.+)$/.exec(header ?? "")?.[1];
  return token !== undefined && timingSafeEqual(createHash("sha256").update(token).digest(), tokenHash);
}

const server = createServer((req, res) => {
  const reply = (status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.method !== "POST" || !/^\/api\/v1\/projects\/[^/]+\/certificate\/validate$/.test(req.url ?? "")) return reply(404, { success: false, error: "Not found" });
  if (!authorized(req.headers.authorization)) return reply(401, { success: false, error: "Unauthorized" });
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on("end", () => {
    if (size > MAX_BODY) return reply(413, { success: false, error: "Body too large" });
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (typeof body.certificate !== "string" || typeof body.privateKey !== "string") return reply(400, { success: false, error: "certificate and privateKey are required" });
      const { status, body: out } = check(body);
      reply(status, out);
    } catch (error) {
      reply(400, { success: false, error: String(error.message ?? error) });
    }
  });
});
server.listen(Number(arg("port") ?? 0), "127.0.0.1", () => console.log(`listening ${server.address().port}`));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
