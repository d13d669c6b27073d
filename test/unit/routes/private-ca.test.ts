/** `/api/v1/cas…` and `/pki/…`: CAs, leaves from a CSR and with a generated key, name constraints, revocation into the CRL. */
import { describe, expect, it } from "vitest";
import { x509 } from "../../../src/pki/x509-setup";
import { call, newTenant } from "../../support/api";
import { crlNumberOf, fetchCrl, makeCsr, newIntermediate, newRoot, ok, rowCount, uniqueName } from "./private-ca-support";

describe("CAs", () => {
  it("gives new bootstrap tokens cas:read, cas:write and cas:issue", async () => {
    const t = await newTenant();
    const tokens = await ok("GET", "/api/v1/tokens", t.token);
    expect(tokens.tokens.find((token: { name: string }) => token.name === "bootstrap").scopes).toEqual(expect.arrayContaining(["cas:read", "cas:write", "cas:issue"]));
    const res = await call("GET", "/api/v1/cas", { token: t.readToken });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe("This token lacks the cas:read scope");
  });

  it("creates a root and an intermediate with the wire shape, and never shows a key", async () => {
    const t = await newTenant();
    const root = await newRoot(t);
    expect(root).toMatchObject({ kind: "root", status: "active", chain: "", parentId: null, nameConstraints: null, keyType: "EC P-256" });
    expect(root.id).toMatch(/^ca_/);
    expect(root.fingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(root.crlUrl).toBe(`https://certdesk.test/pki/${root.id}/crl`);
    expect(root.caCertificateUrl).toBe(`https://certdesk.test/pki/${root.id}/ca.crt`);
    const nc = { permittedDnsDomains: ["corp.example"], excludedDnsDomains: [], permittedIpRanges: ["10.0.0.0/8"], excludedIpRanges: [] };
    const intermediate = await newIntermediate(t, root.id, { nameConstraints: nc });
    expect(intermediate).toMatchObject({ kind: "intermediate", parentId: root.id, nameConstraints: nc });
    const rootCert = new x509.X509Certificate(root.certificate);
    const intCert = new x509.X509Certificate(intermediate.certificate);
    expect(await intCert.verify({ publicKey: rootCert.publicKey, signatureOnly: true })).toBe(true);
    expect(intermediate.chain).toContain(root.certificate.trim());
    expect(intCert.getExtension("2.5.29.30")?.critical).toBe(true);
    // The listing pages newest first; GET one is the same.
    const list = await ok("GET", "/api/v1/cas?limit=1", t.token);
    expect(list.cas.map((ca: { id: string }) => ca.id)).toEqual([intermediate.id]);
    const older = await ok("GET", `/api/v1/cas?limit=1&before=${list.next}`, t.token);
    expect(older.cas.map((ca: { id: string }) => ca.id)).toEqual([root.id]);
    expect(older.next).toBeNull();
    expect(await ok("GET", `/api/v1/cas/${root.id}`, t.token)).toEqual(root);
    // The public CA certificate is the same DER.
    const crt = await call("GET", `/pki/${root.id}/ca.crt`);
    expect(crt.status).toBe(200);
    expect(crt.headers.get("content-type")).toBe("application/pkix-cert");
    expect(crt.headers.get("cache-control")).toBe("public, max-age=10");
  });

  it("refuses a taken name (409), an intermediate outliving its parent, and a parent whose pathLength is 0, storing nothing", async () => {
    const t = await newTenant();
    const root = await newRoot(t, { pathLength: 0 });
    const before = await rowCount("certificate_authorities", t.teamId);
    const taken = await call("POST", "/api/v1/cas", { token: t.token, json: { name: root.name, kind: "root", subject: { commonName: "x" } } });
    expect(taken.status).toBe(409);
    const path = await call("POST", "/api/v1/cas", { token: t.token, json: { name: uniqueName(), kind: "intermediate", parentId: root.id, subject: { commonName: "x" }, validityDays: 100 } });
    expect(path.status).toBe(400);
    expect(path.body.error).toMatch(/pathLength is 0/);
    const root2 = await newRoot(t, { validityDays: 10 });
    const long = await call("POST", "/api/v1/cas", { token: t.token, json: { name: uniqueName(), kind: "intermediate", parentId: root2.id, subject: { commonName: "x" }, validityDays: 11 } });
    expect(long.status).toBe(400);
    expect(long.body.error).toMatch(/after the parent CA's notAfter/);
    expect(await rowCount("certificate_authorities", t.teamId)).toBe(before + 1);
  });

  it("answers 404 for another team's CA on every route", async () => {
    const owner = await newTenant();
    const other = await newTenant();
    const root = await newRoot(owner);
    const leaf = await ok("POST", `/api/v1/cas/${root.id}/certificates`, owner.token, { profile: "client", commonName: "svc" }, 201);
    const paths: [string, string, unknown?][] = [
      ["GET", `/api/v1/cas/${root.id}`],
      ["POST", `/api/v1/cas/${root.id}/disable`],
      ["POST", `/api/v1/cas/${root.id}/certificates`, { profile: "client", commonName: "svc" }],
      ["GET", `/api/v1/cas/${root.id}/certificates`],
      ["GET", `/api/v1/cas/${root.id}/certificates/${leaf.id}`],
      ["POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/revoke`, {}],
      ["POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/export`, {}],
      ["POST", "/api/v1/cas", { name: uniqueName(), kind: "intermediate", parentId: root.id, subject: { commonName: "x" }, validityDays: 10 }],
    ];
    for (const [method, path, json] of paths) {
      const res = await call(method, path, { token: other.token, json });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
    }
    expect(await rowCount("certificate_authorities", other.teamId)).toBe(0);
  });

  it("imports the team's CA when its key matches, and refuses one whose key does not", async () => {
    const t = await newTenant();
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: "0102030405060708",
      name: "CN=Imported Root",
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
      keys,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    });
    const pkcs8 = (k: CryptoKey) => crypto.subtle.exportKey("pkcs8", k).then((der) => x509.PemConverter.encode(der as ArrayBuffer, "PRIVATE KEY"));
    const other = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const mismatch = await call("POST", "/api/v1/cas", { token: t.token, json: { name: uniqueName(), kind: "imported", certificate: cert.toString("pem"), privateKey: await pkcs8(other.privateKey) } });
    expect(mismatch.status, mismatch.text).toBe(400);
    expect(await rowCount("certificate_authorities", t.teamId)).toBe(0);
    const imported = await ok("POST", "/api/v1/cas", t.token, { name: uniqueName(), kind: "imported", certificate: cert.toString("pem"), privateKey: await pkcs8(keys.privateKey) }, 201);
    expect(imported).toMatchObject({ kind: "imported", status: "active" });
    const leaf = await ok("POST", `/api/v1/cas/${imported.id}/certificates`, t.token, { profile: "server", dnsNames: ["a.imported.example"] }, 201);
    expect(await new x509.X509Certificate(leaf.certificate).verify({ publicKey: cert.publicKey, signatureOnly: true })).toBe(true);
  });
});

describe("leaf certificates", () => {
  it("issues with a generated key for each profile: the wire shape, EKU, CRL DP and AIA, and a chain without the root", async () => {
    const t = await newTenant();
    const root = await newRoot(t);
    const intermediate = await newIntermediate(t, root.id);
    for (const [profile, ekus] of [
      ["server", ["1.3.6.1.5.5.7.3.1"]],
      ["client", ["1.3.6.1.5.5.7.3.2"]],
      ["server-client", ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]],
    ] as const) {
      const leaf = await ok("POST", `/api/v1/cas/${intermediate.id}/certificates`, t.token, { profile, commonName: "api.corp.example", dnsNames: ["api.corp.example"], ipAddresses: ["10.0.0.12"], validityHours: 720 }, 201);
      expect(leaf).toMatchObject({ caId: intermediate.id, profile, status: "active", dnsNames: ["api.corp.example"], ipAddresses: ["10.0.0.12"], keyHeldHere: true, shortLived: false });
      expect(leaf.serialNumber).toMatch(/^[0-9a-f]{16,}$/);
      const cert = new x509.X509Certificate(leaf.certificate);
      expect(cert.serialNumber.toLowerCase()).toBe(leaf.serialNumber);
      expect(await cert.verify({ publicKey: new x509.X509Certificate(intermediate.certificate).publicKey, signatureOnly: true })).toBe(true);
      expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual(ekus);
      expect(cert.getExtension(x509.BasicConstraintsExtension)!.ca).toBe(false);
      expect(cert.getExtension(x509.CRLDistributionPointsExtension)).not.toBeNull();
      expect(cert.getExtension(x509.AuthorityInfoAccessExtension)!.caIssuers[0]!.value).toBe(intermediate.caCertificateUrl);
      expect(leaf.chain.trim()).toBe(intermediate.certificate.trim());
      expect(Date.parse(leaf.notAfter) - Date.parse(leaf.notBefore)).toBeLessThanOrEqual(720 * 3_600_000 + 60_000);
    }
    const listed = await ok("GET", `/api/v1/cas/${intermediate.id}/certificates?limit=2`, t.token);
    expect(listed.certificates).toHaveLength(2);
    expect(listed.next).not.toBeNull();
  });

  it("issues from a CSR: names from its SAN when the request names none, no key kept, and no export", async () => {
    const t = await newTenant();
    const root = await newRoot(t);
    const csr = await makeCsr({ cn: "svc.corp.example", dns: ["svc.corp.example", "svc2.corp.example"] });
    const leaf = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "server", csr: csr.pem }, 201);
    expect(leaf).toMatchObject({ dnsNames: ["svc.corp.example", "svc2.corp.example"], commonName: "svc.corp.example", keyHeldHere: false, chain: "" });
    const cert = new x509.X509Certificate(leaf.certificate);
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", csr.keys.publicKey));
    expect(new Uint8Array(cert.publicKey.rawData)).toEqual(spki);
    const exported = await call("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/export`, { token: t.token, json: {} });
    expect(exported.status).toBe(400);
    expect(exported.body.error).toMatch(/issued from a CSR/);
    // The request's names win over the CSR's.
    const named = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "server", csr: csr.pem, dnsNames: ["only.corp.example"] }, 201);
    expect(named.dnsNames).toEqual(["only.corp.example"]);
  });

  it("exports a generated key with certificates:export (audited), and refuses without it", async () => {
    const t = await newTenant();
    const root = await newRoot(t);
    const leaf = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "client", commonName: "client-1" }, 201);
    const issuer = await ok("POST", "/api/v1/tokens", t.token, { name: "issuer", scopes: ["cas:issue", "cas:write"] });
    const refused = await call("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/export`, { token: issuer.token, json: {} });
    expect(refused.status).toBe(403);
    const exported = await ok("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/export`, t.token, {});
    expect(exported.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const key = await crypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(exported.privateKeyPem), { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", key);
    const cert = new x509.X509Certificate(leaf.certificate);
    const pub = await crypto.subtle.exportKey("jwk", await cert.publicKey.export());
    expect([jwk.x, jwk.y]).toEqual([pub.x, pub.y]);
  });

  it("refuses, signing and storing nothing: a name outside the constraints (of the CA or above), a validity too long, a disabled CA", async () => {
    const t = await newTenant();
    const root = await newRoot(t, { nameConstraints: { permittedDnsDomains: ["corp.example"] } });
    const intermediate = await newIntermediate(t, root.id, { nameConstraints: { permittedDnsDomains: ["prod.corp.example"], permittedIpRanges: ["10.0.0.0/8"] } });
    const issue = (caId: string, body: unknown) => call("POST", `/api/v1/cas/${caId}/certificates`, { token: t.token, json: body });
    const outside = await issue(intermediate.id, { profile: "server", dnsNames: ["api.dev.corp.example"] });
    expect(outside.status).toBe(400);
    expect(outside.body.error).toMatch(/outside the name constraints.*api\.dev\.corp\.example/);
    const csr = await makeCsr({ dns: ["evil.example"] });
    expect((await issue(intermediate.id, { profile: "server", csr: csr.pem })).status).toBe(400);
    expect((await issue(intermediate.id, { profile: "server", ipAddresses: ["192.168.1.1"] })).status).toBe(400);
    expect((await issue(root.id, { profile: "server", dnsNames: ["x.other.example"] })).status).toBe(400);
    const tooLong = await issue(intermediate.id, { profile: "server", dnsNames: ["a.prod.corp.example"], validityHours: 399 * 24 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatch(/at most 9552/);
    const short = await newRoot(t, { validityDays: 2 });
    const pastCa = await issue(short.id, { profile: "server", dnsNames: ["a.corp.example"], validityHours: 72 });
    expect(pastCa.status).toBe(400);
    expect(pastCa.body.error).toMatch(/outlive its CA/);
    const disabled = await ok("POST", `/api/v1/cas/${intermediate.id}/disable`, t.token);
    expect(disabled.status).toBe("disabled");
    const refused = await issue(intermediate.id, { profile: "server", dnsNames: ["a.prod.corp.example"] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/disabled/);
    expect(await rowCount("private_certificates", t.teamId)).toBe(0);
    expect((await call("GET", new URL(intermediate.crlUrl).pathname)).status).toBe(200);
  });
});

describe("revocation and the CRL", () => {
  it("lists a revoked certificate in the CRL served at crlUrl at once, with a higher cRLNumber", async () => {
    const t = await newTenant();
    const root = await newRoot(t);
    const leaf = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "server", dnsNames: ["a.corp.example"] }, 201);
    const first = await fetchCrl(root.crlUrl);
    expect(first.res.headers.get("content-type")).toBe("application/pkix-crl");
    expect(first.res.headers.get("cache-control")).toBe("public, max-age=10");
    expect(first.crl!.entries).toHaveLength(0);
    const rootCert = new x509.X509Certificate(root.certificate);
    expect(await first.crl!.verify({ publicKey: rootCert.publicKey })).toBe(true);
    const revoked = await ok("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/revoke`, t.token, { reason: "keyCompromise" });
    expect(revoked).toMatchObject({ status: "revoked", revocationReason: "keyCompromise" });
    const second = await fetchCrl(root.crlUrl);
    expect(second.crl!.entries.map((entry) => entry.serialNumber.toLowerCase())).toEqual([leaf.serialNumber]);
    expect(second.crl!.entries[0]!.reason).toBe(x509.X509CrlReason.keyCompromise);
    expect(crlNumberOf(second.crl!)).toBeGreaterThan(crlNumberOf(first.crl!));
    expect(second.crl!.nextUpdate!.getTime() - second.crl!.thisUpdate.getTime()).toBeLessThanOrEqual(7 * 86_400_000);
    expect(await second.crl!.verify({ publicKey: rootCert.publicKey })).toBe(true);
    const again = await call("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/revoke`, { token: t.token, json: {} });
    expect(again.status).toBe(409);
    // No body at all: reason unspecified (as docs/private-ca.md's curl sends it); the export takes no body either.
    const other = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "server", dnsNames: ["b.corp.example"] }, 201);
    const bare = await call("POST", `/api/v1/cas/${root.id}/certificates/${other.id}/revoke`, { token: t.token });
    expect(bare.status, bare.text).toBe(200);
    expect(bare.body.revocationReason).toBe("unspecified");
    const third = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "server", dnsNames: ["c.corp.example"] }, 201);
    const exported = await call("POST", `/api/v1/cas/${root.id}/certificates/${third.id}/export`, { token: t.token });
    expect(exported.status, exported.text).toBe(200);
  });

  it("refuses to revoke a short-lived certificate (it lapses), which has no CRL distribution point", async () => {
    const t = await newTenant();
    const root = await newRoot(t);
    const leaf = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "client", commonName: "job-1", validityHours: 24 }, 201);
    expect(leaf.shortLived).toBe(true);
    expect(new x509.X509Certificate(leaf.certificate).getExtension(x509.CRLDistributionPointsExtension)).toBeNull();
    const res = await call("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/revoke`, { token: t.token, json: { reason: "keyCompromise" } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`a short-lived certificate is not revoked: it simply lapses at ${new Date(Date.parse(leaf.notAfter)).toISOString()}`);
  });

  it("is re-signed by the cron stage once a day old, with a higher cRLNumber and the revoked serials kept", async () => {
    const { refreshDueCrls } = await import("../../../src/services/private-ca/crl-refresh");
    const { depsFrom } = await import("../../../src/deps");
    const { env } = await import("cloudflare:test");
    const t = await newTenant();
    const root = await newRoot(t);
    const leaf = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "server", dnsNames: ["a.corp.example"] }, 201);
    await ok("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/revoke`, t.token, { reason: "superseded" });
    const before = (await fetchCrl(root.crlUrl)).crl!;
    const report = await refreshDueCrls(depsFrom(env as never), Date.now() + 86_400_000 + 1000);
    expect(report.failed).toBe(0);
    expect(report.refreshed).toBeGreaterThanOrEqual(1);
    // As stored: the route's copies (isolate memory, location cache) may serve the previous CRL for up to 10 s (routes/pki-cache.ts).
    const stored = await env.DB.prepare("SELECT crl_der FROM certificate_authorities WHERE id = ?").bind(root.id).first<{ crl_der: string }>();
    const after = new x509.X509Crl(Uint8Array.from(atob(stored!.crl_der), (ch) => ch.charCodeAt(0)));
    expect(crlNumberOf(after)).toBe(crlNumberOf(before) + 1);
    expect(after.entries.map((entry) => entry.serialNumber.toLowerCase())).toEqual([leaf.serialNumber]);
  });
});

describe("CA key defaults", () => {
  it("takes 3072 bits for an RSA CA without keySize, and refuses a size that does not fit the type", async () => {
    const t = await newTenant();
    const rsa = await ok("POST", "/api/v1/cas", t.token, { name: uniqueName(), kind: "root", keyType: "rsa", subject: { commonName: "RSA Root" }, validityDays: 30 }, 201);
    expect(rsa.keyType).toBe("RSA 3072");
    const bad = await call("POST", "/api/v1/cas", { token: t.token, json: { name: uniqueName(), kind: "root", keyType: "rsa", keySize: 384, subject: { commonName: "x" } } });
    expect(bad.status).toBe(400);
  });
});

describe("autoRenew", () => {
  it("renews a generated-key certificate in place at two thirds of its lifetime: same id, new serial and key, exportable", async () => {
    const { renewDuePrivateCertificates } = await import("../../../src/services/private-ca/auto-renew");
    const { depsFrom } = await import("../../../src/deps");
    const { env } = await import("cloudflare:test");
    const t = await newTenant();
    const root = await newRoot(t);
    const csr = await makeCsr({ dns: ["a.corp.example"] });
    const refused = await call("POST", `/api/v1/cas/${root.id}/certificates`, { token: t.token, json: { profile: "server", csr: csr.pem, autoRenew: true } });
    expect(refused.status).toBe(400);
    const leaf = await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "server", dnsNames: ["r.corp.example"], validityHours: 30 * 24, autoRenew: true }, 201);
    const issuedAt = Date.parse(leaf.notBefore);
    const early = await renewDuePrivateCertificates(depsFrom(env as never), issuedAt + 10 * 86_400_000);
    expect(early.renewed).toBe(0);
    const due = issuedAt + 21 * 86_400_000;
    const report = await renewDuePrivateCertificates(depsFrom(env as never), due);
    expect(report).toMatchObject({ renewed: 1, failed: 0 });
    const renewed = await ok("GET", `/api/v1/cas/${root.id}/certificates/${leaf.id}`, t.token);
    expect(renewed.serialNumber).not.toBe(leaf.serialNumber);
    expect(renewed.dnsNames).toEqual(["r.corp.example"]);
    expect(Date.parse(renewed.notAfter)).toBeGreaterThan(Date.parse(leaf.notAfter));
    const exported = await ok("POST", `/api/v1/cas/${root.id}/certificates/${leaf.id}/export`, t.token, {});
    expect(exported.serial).toBe(renewed.serialNumber);
    const key = await crypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(exported.privateKeyPem), { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    const pub = await crypto.subtle.exportKey("jwk", await new x509.X509Certificate(renewed.certificate).publicKey.export());
    expect((await crypto.subtle.exportKey("jwk", key)).x).toBe(pub.x);
  });
});

describe("autoRenew after a failure", () => {
  it("moves a renewal that threw an hour back, so certificates that keep failing hold back no other", async () => {
    const { renewDuePrivateCertificates, PRIVATE_RENEWAL_RETRY_MS } = await import("../../../src/services/private-ca/auto-renew");
    const { depsFrom } = await import("../../../src/deps");
    const { env } = await import("cloudflare:test");
    const t = await newTenant();
    const broken = await newRoot(t);
    const healthy = await newRoot(t);
    const failing = await ok("POST", `/api/v1/cas/${broken.id}/certificates`, t.token, { profile: "client", commonName: "f", validityHours: 30 * 24, autoRenew: true }, 201);
    const fine = await ok("POST", `/api/v1/cas/${healthy.id}/certificates`, t.token, { profile: "client", commonName: "g", validityHours: 30 * 24, autoRenew: true }, 201);
    // The broken CA's key can no longer be opened: its renewals throw.
    await env.DB.prepare("UPDATE certificate_authorities SET sealed_key = 'not-a-sealed-key' WHERE id = ?").bind(broken.id).run();
    const due = Date.parse(failing.notBefore) + 21 * 86_400_000;
    const report = await renewDuePrivateCertificates(depsFrom(env as never), due);
    expect(report).toMatchObject({ renewed: 1, failed: 1 });
    const nextOf = async (id: string) => (await env.DB.prepare("SELECT next_renewal_at AS at FROM private_certificates WHERE id = ?").bind(id).first<{ at: number }>())!.at;
    expect(await nextOf(failing.id)).toBe(due + PRIVATE_RENEWAL_RETRY_MS);
    expect((await ok("GET", `/api/v1/cas/${healthy.id}/certificates/${fine.id}`, t.token)).serialNumber).not.toBe(fine.serialNumber);
    // Not due again until then; the failed certificate itself is unchanged.
    expect((await renewDuePrivateCertificates(depsFrom(env as never), due + 60_000)).due).toBe(0);
    expect((await ok("GET", `/api/v1/cas/${broken.id}/certificates/${failing.id}`, t.token)).serialNumber).toBe(failing.serialNumber);
  });
});

describe("quotas", () => {
  it("refuses a CA past PRIVATE_CAS_PER_TEAM and a certificate past PRIVATE_CERTIFICATES_PER_TEAM with 409, storing and recording nothing", async () => {
    const { createCa } = await import("../../../src/services/private-ca/create-ca");
    const { issuePrivateCertificate } = await import("../../../src/services/private-ca/issue");
    const { database } = await import("../../../src/db/client");
    const { env } = await import("cloudflare:test");
    const db = database(env.DB);
    const t = await newTenant();
    const root = await newRoot(t);
    await ok("POST", `/api/v1/cas/${root.id}/certificates`, t.token, { profile: "client", commonName: "one" }, 201);
    const commits: unknown[] = [];
    const commit = async (change: { statements: readonly unknown[] }) => {
      commits.push(change);
      return db.batch(change.statements as never);
    };
    const encryptionKey = "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=";
    const input = { kind: "root" as const, name: uniqueName(), keyType: "ec" as const, keySize: 256, subject: { commonName: "x" }, validityDays: 30 };
    await expect(createCa({ db, encryptionKey, now: Date.now(), publicOrigin: "https://certdesk.test", maxCas: 1 }, t.teamId, input, commit as never)).rejects.toMatchObject({ code: "limit_reached", status: 409 });
    const ca = (await db.query.certificateAuthorities.findFirst({ where: (table, { eq }) => eq(table.id, root.id) }))!;
    await expect(issuePrivateCertificate({ db, encryptionKey, now: Date.now(), maxLeafDays: 398, maxCertificates: 1 }, ca, { profile: "client", commonName: "two" }, commit as never)).rejects.toMatchObject({ code: "limit_reached" });
    expect(await rowCount("certificate_authorities", t.teamId)).toBe(1);
    expect(await rowCount("private_certificates", t.teamId)).toBe(1);
  });
});
