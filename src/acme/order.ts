/** Orders (RFC 8555 §7.4): new order with optional profile and ARI `replaces`, reads, finalize. */
import { bytesToBase64Url } from "../crypto/encoding";
import { postAsGet, postWithKid, type AcmeContext } from "./context";
import { ACME_ERROR_NAMESPACE, AcmeProblem } from "./problem";
import { orderSchema, type AcmeIdentifier, type AcmeOrder } from "./resources";
import { parseJsonBody, requireLocation, type AcmeHttpResponse } from "./transport";

export interface NewOrderOptions {
  /** DNS names (`*.example.com` for wildcards); IP literals become `ip` identifiers (RFC 8738). */
  identifiers: string[];
  /** draft-ietf-acme-profiles: sent only when the directory's meta.profiles exists; must be one it lists. */
  profile?: string;
  /** RFC 9773 §5: the ARI certificate identifier of the certificate this order replaces; sent only when the CA offers ARI. */
  replaces?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/** RFC 8555 §7.4: POST newOrder; 201 with the order URL in Location. */
export async function newOrder(ctx: AcmeContext, options: NewOrderOptions): Promise<AcmeOrder> {
  if (options.identifiers.length === 0) throw new AcmeProblem({ type: `${ACME_ERROR_NAMESPACE}malformed`, detail: "an order needs at least one identifier" });
  const directory = await ctx.directory();
  const payload: Record<string, unknown> = { identifiers: options.identifiers.map(toIdentifier) };
  if (options.notBefore) payload.notBefore = options.notBefore.toISOString();
  if (options.notAfter) payload.notAfter = options.notAfter.toISOString();
  const profiles = directory.meta?.profiles;
  if (options.profile && profiles) {
    if (!Object.hasOwn(profiles, options.profile)) {
      throw new AcmeProblem({
        type: `${ACME_ERROR_NAMESPACE}invalidProfile`,
        detail: `profile "${options.profile}" is not offered by this CA (offered: ${Object.keys(profiles).join(", ") || "none"})`,
      });
    }
    payload.profile = options.profile;
  }
  if (options.replaces && directory.renewalInfo) payload.replaces = options.replaces;
  const response = await postWithKid(ctx, "newOrder", directory.newOrder, payload);
  return readOrder(response, requireLocation(response, "newOrder"));
}

/** RFC 8555 §7.4: the order's current state, by POST-as-GET (§6.3). */
export async function getOrder(ctx: AcmeContext, url: string): Promise<AcmeOrder> {
  return readOrder(await postAsGet(ctx, url), url);
}

/** RFC 8555 §7.4: POST { csr: base64url(DER) } to the order's finalize URL once it is `ready`. */
export async function finalizeOrder(ctx: AcmeContext, order: Pick<AcmeOrder, "url" | "finalize">, csrDer: Uint8Array | ArrayBuffer): Promise<AcmeOrder> {
  const der = csrDer instanceof Uint8Array ? csrDer : new Uint8Array(csrDer);
  try {
    return readOrder(await postWithKid(ctx, "finalize", order.finalize, { csr: bytesToBase64Url(der) }), order.url);
  } catch (error) {
    // A finalize whose answer was lost may have been taken: the repeat is then refused (orderNotReady), and the
    // order, now processing or valid, says so.
    if (error instanceof AcmeProblem && error.afterLostAnswer) {
      const current = await getOrder(ctx, order.url);
      if (current.status === "processing" || current.status === "valid") return current;
    }
    throw error;
  }
}

/** RFC 8555 §9.7.7 `dns`, RFC 8738 `ip`. */
function toIdentifier(name: string): AcmeIdentifier {
  const value = name.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(value) || value.includes(":")) return { type: "ip", value };
  return { type: "dns", value: value.toLowerCase() };
}

function readOrder(response: AcmeHttpResponse, url: string): AcmeOrder {
  const order = parseJsonBody(response, orderSchema, "order");
  return { ...order, url, ...(response.retryAfter !== undefined ? { retryAfter: response.retryAfter } : {}) };
}
