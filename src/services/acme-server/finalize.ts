/**
 * Finalize (RFC 8555 §7.4): the CSR checked (its names, the CN included, exactly the order's; not the account's key;
 * no CA:true; key strength and signature as every private CA request), then signed by the directory's CA and profile
 * through the private CA's one issuing service; the order moves ready → processing → valid, each move guarded.
 */
import { AcmeServerProblem } from "../../acme-server/problems";
import { jwkThumbprint } from "../../acme/jws";
import { AppError } from "../../core/errors";
import { base64UrlToBytes, bytesToBase64 } from "../../crypto/encoding";
import { checkIpAddress, readCertificateRequest } from "../../pki/private-ca";
import type { AcmeServerAccountRow } from "../../store/acme-server-accounts";
import { type AcmeOrderRow, moveOrder } from "../../store/acme-server-orders";
import { findTeamCa } from "../../store/certificate-authorities";
import type { PrivateCertificateRow } from "../../store/private-certificates";
import { issuePrivateCertificate } from "../private-ca/issue";
import { requireUnrevokedBinding } from "./accounts";
import { accountActor, type AcmeServerContext } from "./context";

/** The CSR's DER as base64 (RFC 8555 §7.4: base64url DER; padded base64url is tolerated, as Synology sends it). */
function csrBase64(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z0-9_-]+={0,2}$/.test(value)) throw new AcmeServerProblem("malformed", 'the payload must be {"csr": base64url DER} (RFC 8555 §7.4)');
  try {
    return bytesToBase64(base64UrlToBytes(value.replace(/=+$/, "")));
  } catch {
    throw new AcmeServerProblem("badCSR", "the csr is not valid base64url");
  }
}

const badCsr = (detail: string) => new AcmeServerProblem("badCSR", detail);

/** The CSR's key must not be the account key (RFC 8555 §11.1), and its names must be the order's, no more, no fewer. */
async function checkCsr(csr: string, order: AcmeOrderRow, account: AcmeServerAccountRow, allowWildcards: boolean) {
  let request;
  try {
    request = await readCertificateRequest(csr, { allowWildcards });
  } catch (error) {
    if (error instanceof AppError && error.status < 500) throw badCsr(error.message);
    throw error;
  }
  if (request.asksForCa) throw badCsr("the CSR asks for basicConstraints CA:TRUE; this directory issues end-entity certificates only");
  const { names } = request;
  if (names.uris.length > 0 || names.emails.length > 0) throw badCsr("the CSR names URIs or email addresses; an order has only dns and ip identifiers");
  const asked = new Set([...names.dnsNames.map((name) => `dns:${name}`), ...names.ipAddresses.map((ip) => `ip:${ip}`)]);
  if (names.commonName !== undefined) {
    // A CN that is an IP address counts in its canonical form, as the order's ip identifiers are kept (RFC 8738 §3).
    const ip = checkIpAddress(names.commonName);
    const cn = "address" in ip ? ip.address : names.commonName.toLowerCase();
    if (!asked.has(`dns:${cn}`) && !asked.has(`ip:${cn}`)) asked.add("address" in ip ? `ip:${cn}` : `dns:${cn}`);
  }
  const ordered = new Set(order.identifiers.map((id) => `${id.type}:${id.value}`));
  const extra = [...asked].filter((name) => !ordered.has(name));
  const missing = [...ordered].filter((name) => !asked.has(name));
  if (extra.length > 0 || missing.length > 0) {
    const parts = [extra.length > 0 ? `names not in the order: ${extra.map((n) => n.slice(n.indexOf(":") + 1)).join(", ")}` : "", missing.length > 0 ? `order identifiers missing: ${missing.map((n) => n.slice(n.indexOf(":") + 1)).join(", ")}` : ""];
    throw badCsr(`the CSR's names must be exactly the order's identifiers (RFC 8555 §7.4): ${parts.filter(Boolean).join("; ")}`);
  }
  const spkiJwk = (await crypto.subtle.exportKey("jwk", request.publicKey)) as JsonWebKey;
  if ((await jwkThumbprint(spkiJwk)) === account.thumbprint) throw badCsr("the CSR's key is the account key; use a separate key for the certificate (RFC 8555 §11.1)");
  return request;
}

/**
 * What every finalize checks first: the account may still order, the order is ready, and its CSR (base64 DER) is
 * well-formed and names exactly the order's identifiers. Answers the CSR and what it asks for.
 */
export async function finalizableCsr(ctx: AcmeServerContext, account: AcmeServerAccountRow, order: AcmeOrderRow, payload: unknown, allowWildcards: boolean) {
  await requireUnrevokedBinding(ctx, account);
  if (order.status !== "ready") {
    throw new AcmeServerProblem("orderNotReady", `the order is ${order.status}, not ready: ${order.status === "pending" ? "complete its authorizations first" : "it cannot be finalized again"}`);
  }
  const csr = csrBase64((payload as { csr?: unknown } | undefined)?.csr);
  return { csr, request: await checkCsr(csr, order, account, allowWildcards) };
}

/** The finalized order and the certificate it now holds (for the caller's webhook event). */
export interface FinalizedOrder {
  order: AcmeOrderRow;
  certificate: PrivateCertificateRow;
}

export async function finalizeOrder(ctx: AcmeServerContext, account: AcmeServerAccountRow, order: AcmeOrderRow, payload: unknown): Promise<FinalizedOrder> {
  const issuer = ctx.directory.issuer;
  if (issuer.type !== "private") throw new AcmeServerProblem("unauthorized", "this directory's issuer is not available");
  if (order.notAfter !== null && order.notAfter <= ctx.now) throw new AcmeServerProblem("malformed", "the order's notAfter has passed: order again with a later one");
  const { csr, request } = await finalizableCsr(ctx, account, order, payload, issuer.profile !== "client");
  const { names } = request;
  const ca = await findTeamCa(ctx.db, ctx.directory.teamId, issuer.caId);
  if (!ca) throw new AcmeServerProblem("unauthorized", "this directory's CA no longer exists");

  const [processing] = await moveOrder(ctx.db, order.id, "ready", { status: "processing", updatedAt: ctx.now });
  if (!processing) throw new AcmeServerProblem("orderNotReady", "the order is being finalized by another request");
  const commit = ctx.commitAs(accountActor(account.id));
  try {
    const issueCtx = { db: ctx.db, encryptionKey: ctx.encryptionKey, now: ctx.now, maxLeafDays: ctx.maxLeafDays, maxCertificates: ctx.maxCertificates };
    const input = {
      profile: issuer.profile,
      ...(names.commonName !== undefined ? { commonName: names.commonName } : {}),
      dnsNames: names.dnsNames,
      ipAddresses: names.ipAddresses,
      validityHours: issuer.validityHours,
      // RFC 8555 §7.4: the window the order asked for (checked at newOrder), else the directory's validity from now.
      ...(order.notBefore !== null || order.notAfter !== null ? { window: { ...(order.notBefore !== null ? { notBefore: order.notBefore } : {}), ...(order.notAfter !== null ? { notAfter: order.notAfter } : {}) } } : {}),
      csr,
    };
    // The order becomes valid in the certificate's own batch: a stored certificate always has its valid order.
    const row = await issuePrivateCertificate(issueCtx, ca, input, (change) => {
      const serial = (change.detail as { serial: string }).serial;
      const valid = moveOrder(ctx.db, order.id, "processing", { status: "valid", certificateId: change.target, certificateSerial: serial, updatedAt: ctx.now });
      return commit({ ...change, statements: [...change.statements, valid], detail: { ...change.detail, acmeOrderId: order.id, directoryId: ctx.directory.id } });
    });
    return { order: { ...processing, status: "valid", certificateId: row.id, certificateSerial: row.serial }, certificate: row };
  } catch (error) {
    const problem = error instanceof AcmeServerProblem ? error : error instanceof AppError && error.status < 500 ? badCsr(error.message) : null;
    const stored = problem ? { type: `urn:ietf:params:acme:error:${problem.type}`, detail: problem.detail, status: problem.status } : { type: "urn:ietf:params:acme:error:serverInternal", detail: "issuance failed", status: 500 };
    await moveOrder(ctx.db, order.id, "processing", { status: "invalid", error: stored, updatedAt: ctx.now });
    throw error;
  }
}
