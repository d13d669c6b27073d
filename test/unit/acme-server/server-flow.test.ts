/** Our own src/acme client as a client of our own ACME server: account with EAB, pre-approved order, finalize, download, ARI, revoke. */
import { SELF, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { generateAccountKey } from "../../../src/acme";
import { ariCertificateId } from "../../../src/acme/certificate-id";
import { createCsr } from "../../../src/pki/csr";
import { x509 } from "../../../src/pki/x509-setup";
import { newTenant, type Tenant } from "../../support/api";
import { fetchCrl } from "../routes/private-ca-support";
import { fakeNetwork, webhookIsolate } from "../../support/webhook-receiver-fakes";
import { newClient, newDirectory, post, registered } from "./server-support";

let tenant: Tenant;

beforeAll(async () => {
  tenant = await newTenant();
});

const ecKeys = () => crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;

describe("the directory and nonces", () => {
  it("serves the directory with EAB required and the profile, nonces on HEAD (200) and GET (204), no-store", async () => {
    const { dir, directoryUrl } = await newDirectory(tenant);
    const res = await SELF.fetch(directoryUrl);
    expect(res.status).toBe(200);
    const document = (await res.json()) as Record<string, any>;
    const base = `https://certdesk.test/acme/${dir.id}`;
    expect(document).toEqual({
      newNonce: `${base}/new-nonce`,
      newAccount: `${base}/new-account`,
      newOrder: `${base}/new-order`,
      revokeCert: `${base}/revoke-cert`,
      keyChange: `${base}/key-change`,
      renewalInfo: `${base}/renewal-info`,
      meta: { externalAccountRequired: true, profiles: { server: expect.any(String) } },
    });
    expect(res.headers.get("Link")).toBeNull();
    const head = await SELF.fetch(document.newNonce, { method: "HEAD" });
    const get = await SELF.fetch(document.newNonce);
    expect([head.status, get.status]).toEqual([200, 204]);
    expect(head.headers.get("Replay-Nonce")).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(get.headers.get("Replay-Nonce")).not.toBe(head.headers.get("Replay-Nonce"));
    expect(get.headers.get("Cache-Control")).toBe("no-store");
    expect(get.headers.get("Link")).toBe(`<${directoryUrl}>;rel="index"`);
  });

  it("answers a 404 problem document with a nonce for an unknown or deleted directory", async () => {
    const { dir, directoryUrl } = await newDirectory(tenant);
    await SELF.fetch(`https://certdesk.test/api/v1/acme-directories/${dir.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${tenant.token}` } });
    for (const url of [directoryUrl, "https://certdesk.test/acme/acmd_nope/directory"]) {
      const res = await SELF.fetch(url);
      expect(res.status).toBe(404);
      expect(res.headers.get("Content-Type")).toBe("application/problem+json");
      expect(res.headers.get("Replay-Nonce")).toBeTruthy();
      expect(((await res.json()) as { type: string }).type).toBe("urn:ietf:params:acme:error:malformed");
    }
  });
});

describe("a pre-approved order through our own client", () => {
  it("creates the account (201, then 200 for the same key), orders, finalizes, downloads the chain, reads ARI and revokes into the CRL", async () => {
    const { directoryUrl, eab, ca } = await newDirectory(tenant);
    const accountKey = await generateAccountKey();
    const client = await newClient(directoryUrl, accountKey);
    const made = await client.createAccount({ termsOfServiceAgreed: true, contact: ["mailto:ops@example.com"], externalAccountBinding: { kid: eab.keyId, hmacKeyB64url: eab.hmacKey } });
    expect(made.created).toBe(true);
    expect(made.account).toMatchObject({ status: "valid", contact: ["mailto:ops@example.com"] });
    const again = await (await newClient(directoryUrl, accountKey)).createAccount({ termsOfServiceAgreed: true, externalAccountBinding: { kid: eab.keyId, hmacKeyB64url: eab.hmacKey } });
    expect(again).toMatchObject({ created: false, accountUrl: made.accountUrl });

    const order = await client.newOrder({ identifiers: ["API.svc.internal.example", "api.svc.internal.example"] });
    expect(order).toMatchObject({ status: "ready", identifiers: [{ type: "dns", value: "api.svc.internal.example" }] });
    const authz = await client.getAuthorization(order.authorizations[0]!);
    expect(authz.status).toBe("valid");
    expect(authz.challenges.map((ch) => [ch.type, ch.status])).toEqual([["dns-01", "valid"], ["http-01", "valid"]]);
    for (const challenge of authz.challenges) expect(challenge.token!.length).toBeGreaterThanOrEqual(22);

    const certKeys = await ecKeys();
    const finalized = await client.finalizeOrder(order, await createCsr(certKeys, ["api.svc.internal.example"]));
    expect(finalized.status).toBe("valid");
    const chain = await client.downloadCertificate(finalized.certificate!);
    const pems = chain.pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    expect(pems.length).toBe(2);
    const leaf = new x509.X509Certificate(pems[0]!);
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => n.value)).toEqual(["api.svc.internal.example"]);
    expect(leaf.issuer).toBe(new x509.X509Certificate(pems[1]!).subject);
    const issued = await env.DB.prepare("SELECT count(*) AS n FROM private_certificates WHERE ca_id = ?").bind(ca.id).first<{ n: number }>();
    expect(issued!.n).toBe(1);

    const info = await client.getRenewalInfo(pems[0]!);
    expect(info).not.toBeNull();
    expect(info!.suggestedWindow.start.getTime()).toBeGreaterThan(Date.now());
    const unknown = await SELF.fetch(`${directoryUrl.replace(/directory$/, "renewal-info")}/${ariCertificateId(pems[0]!).split(".")[0]}.AQID`);
    expect(unknown.status).toBe(404);

    await client.revokeCertificate(new Uint8Array(leaf.rawData), 1);
    const { crl } = await fetchCrl(ca.crlUrl);
    expect(crl!.entries.map((entry) => entry.serialNumber.toLowerCase())).toContain(leaf.serialNumber.toLowerCase());
  });

  it("announces the issuance and the revocation to the team's webhooks, and a CRL already served lists the revocation at once", async () => {
    const t = await newTenant();
    const endpoint = await webhookIsolate(fakeNetwork()).request("POST", "/api/v1/webhooks", t.token, { url: "https://hooks.example.com/acme", events: ["certificate.issued", "certificate.revoked"] });
    expect(endpoint.status, endpoint.text).toBe(201);
    const { directoryUrl, eab, ca } = await newDirectory(t);
    const { client } = await registered(directoryUrl, eab);
    const order = await client.newOrder({ identifiers: ["hooks.svc.internal.example"] });
    const finalized = await client.finalizeOrder(order, await createCsr(await ecKeys(), ["hooks.svc.internal.example"]));
    const leaf = new x509.X509Certificate((await client.downloadCertificate(finalized.certificate!)).pem.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
    // Served (and so kept in this isolate's memory) before the revocation.
    expect((await fetchCrl(ca.crlUrl)).crl!.entries).toHaveLength(0);
    await client.revokeCertificate(new Uint8Array(leaf.rawData), 4);
    expect((await fetchCrl(ca.crlUrl)).crl!.entries.map((entry) => entry.serialNumber.toLowerCase())).toEqual([leaf.serialNumber.toLowerCase()]);

    const rows = await env.DB.prepare("SELECT e.payload FROM webhook_outbox o JOIN webhook_events e ON e.id = o.event_id WHERE o.endpoint_id = ? ORDER BY o.created_at, o.rowid")
      .bind(endpoint.body.id)
      .all<{ payload: string }>();
    const events = rows.results.map((row) => JSON.parse(row.payload) as { type: string; data: Record<string, unknown> });
    expect(events.map((e) => e.type)).toEqual(["certificate.issued", "certificate.revoked"]);
    expect(events[0]!.data).toMatchObject({ caId: ca.id, certificateType: "private", names: ["hooks.svc.internal.example"] });
    expect(events[1]!.data).toMatchObject({ caId: ca.id, reason: "superseded" });
    expect(JSON.stringify(events)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  it("includes the root in the download when the directory's CA is a root (certbot needs two certificates)", async () => {
    const { directoryUrl, eab } = await newDirectory(tenant, {}, { root: true });
    const { client } = await registered(directoryUrl, eab);
    const order = await client.newOrder({ identifiers: ["db.svc.internal.example"] });
    const finalized = await client.finalizeOrder(order, await createCsr(await ecKeys(), ["db.svc.internal.example"]));
    const chain = await client.downloadCertificate(finalized.certificate!);
    expect(chain.pem.match(/-----END CERTIFICATE-----\n/g)!.length).toBe(2);
  });

  it("answers an order's authorizations alike at newOrder, on every read and at finalize", async () => {
    const { directoryUrl, eab } = await newDirectory(tenant);
    const { client } = await registered(directoryUrl, eab);
    const names = ["c.svc.internal.example", "a.svc.internal.example", "b.svc.internal.example"];
    const order = await client.newOrder({ identifiers: names });
    expect(order.authorizations).toHaveLength(3);
    const identifiers = await Promise.all(order.authorizations.map(async (url) => (await client.getAuthorization(url)).identifier.value));
    expect(identifiers.sort()).toEqual([...names].sort());
    // A read lists them oldest first (ids break the tie of one creation time), so as a set like newOrder's, then stably.
    const read = (await client.getOrder(order.url)).authorizations;
    expect([...read].sort()).toEqual([...order.authorizations].sort());
    const finalized = await client.finalizeOrder(order, await createCsr(await ecKeys(), names));
    expect(finalized.authorizations).toEqual(read);
    expect((await client.getOrder(order.url)).authorizations).toEqual(read);
  });

  it("lists the account's orders and offers only dns-01 for a wildcard", async () => {
    const { directoryUrl, eab } = await newDirectory(tenant, { allowedNames: ["*.svc.internal.example", "*.wild.internal.example"] });
    const keys = await generateAccountKey();
    const client = await newClient(directoryUrl, keys);
    const { accountUrl } = await client.createAccount({ termsOfServiceAgreed: true, externalAccountBinding: { kid: eab.keyId, hmacKeyB64url: eab.hmacKey } });
    const order = await client.newOrder({ identifiers: ["*.wild.internal.example"] });
    const authz = await client.getAuthorization(order.authorizations[0]!);
    expect(authz).toMatchObject({ identifier: { type: "dns", value: "wild.internal.example" }, wildcard: true });
    expect(authz.challenges.map((ch) => ch.type)).toEqual(["dns-01"]);
    const list = await post(`${accountUrl}/orders`, keys, null, { kid: accountUrl });
    expect(list.status, list.text).toBe(200);
    expect(list.body).toEqual({ orders: [order.url] });
  });

  it("rolls the account key over (RFC 8555 §7.3.5) and, once deactivated, refuses the account", async () => {
    const { directoryUrl, eab } = await newDirectory(tenant);
    const { client, accountUrl } = await registered(directoryUrl, eab);
    const rolled = await client.keyChange(await generateAccountKey());
    expect(rolled).toBeTruthy();
    expect((await client.newOrder({ identifiers: ["k.svc.internal.example"] })).status).toBe("ready");
    expect((await client.deactivateAccount()).status).toBe("deactivated");
    const refused = await client.newOrder({ identifiers: ["k.svc.internal.example"] }).catch((error: { type?: string }) => error);
    expect((refused as { type?: string }).type).toBe("urn:ietf:params:acme:error:unauthorized");
    expect(accountUrl).toMatch(/\/acct\/acma_/);
  });
});
