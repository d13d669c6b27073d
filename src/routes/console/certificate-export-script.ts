/**
 * `/console/certificate-export.js`: Export (certificates:export) with the key sealed to this browser. The page makes a
 * P-256 key pair whose private half cannot leave WebCrypto, sends only the public JWK, opens the compact JWE the API
 * answers (RFC 7516 §7.1; `alg` ECDH-ES, `enc` A256GCM, RFC 7518 §4.6 and §5.3) and offers the files as downloads.
 * The decrypted key is never written into the page: it exists only in the downloadable file's Blob.
 */
// Kept free of backticks and dollar-brace so it can live in this template string as it is served.
export const CERTIFICATE_EXPORT_SCRIPT = `import { element, actionButton, outcomeLine, call, errorOf, apiPath } from "./core.js";

const CURVE = { name: "ECDH", namedCurve: "P-256" };
// What the API seals with (routes/native/certificate-export.ts); anything else is refused rather than guessed at.
const ALG = "ECDH-ES";
const ENC = "A256GCM";
const PEM_TYPE = "application/x-pem-file";

const utf8 = new TextEncoder();

function fromBase64url(text) {
  const base = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base + "===".slice((base.length + 3) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce(function (sum, part) {
    return sum + part.length;
  }, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function uint32(value) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** RFC 7518 §4.6.2: a Concat KDF field is its length (32-bit big-endian) and then its bytes. */
function lengthPrefixed(bytes) {
  return concat([uint32(bytes.length), bytes]);
}

/**
 * The content key from the shared secret z (RFC 7518 §4.6.2, NIST SP 800-56A Concat KDF with SHA-256): in direct key
 * agreement the AlgorithmID is the "enc" value, and one SHA-256 round gives the 256 bits A256GCM takes.
 */
async function concatKdf(z, header) {
  const apu = header.apu ? fromBase64url(header.apu) : new Uint8Array(0);
  const apv = header.apv ? fromBase64url(header.apv) : new Uint8Array(0);
  const info = concat([uint32(1), z, lengthPrefixed(utf8.encode(header.enc)), lengthPrefixed(apu), lengthPrefixed(apv), uint32(256)]);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", info));
}

/** The plaintext of a compact JWE sealed to privateKey with ECDH-ES and A256GCM, or an Error saying what is wrong. */
export async function openJwe(compact, privateKey) {
  const parts = compact.split(".");
  if (parts.length !== 5) throw new Error("the sealed key is not a compact JWE");
  const header = JSON.parse(new TextDecoder().decode(fromBase64url(parts[0])));
  if (header.alg !== ALG || header.enc !== ENC || header.zip !== undefined || header.crit !== undefined) {
    throw new Error("the sealed key uses " + header.alg + "/" + header.enc + ", which this page does not open");
  }
  // Direct key agreement carries no encrypted key (RFC 7518 §4.6: the JWE Encrypted Key is empty).
  if (parts[1] !== "" || !header.epk || header.epk.crv !== CURVE.namedCurve) throw new Error("the sealed key is not for this page's P-256 key");
  const ephemeral = await crypto.subtle.importKey("jwk", { kty: "EC", crv: header.epk.crv, x: header.epk.x, y: header.epk.y }, CURVE, false, []);
  const z = new Uint8Array(await crypto.subtle.deriveBits({ name: "ECDH", public: ephemeral }, privateKey, 256));
  const contentKey = await crypto.subtle.importKey("raw", await concatKdf(z, header), { name: "AES-GCM" }, false, ["decrypt"]);
  // RFC 7516 §5.2: the Additional Authenticated Data is the encoded protected header, as ASCII.
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64url(parts[2]), additionalData: utf8.encode(parts[0]), tagLength: 128 },
    contentKey,
    concat([fromBase64url(parts[3]), fromBase64url(parts[4])]),
  );
  return new TextDecoder().decode(plaintext);
}

/** A file name from a domain: a wildcard's "*" and anything else unusual in a file name become "_". */
function fileBase(domain) {
  return domain.toLowerCase().replace(/[^a-z0-9.-]/g, "_");
}

/** The Blob URLs of the last export's files, given up when another export replaces them. */
let offered = [];

function downloadLink(text, name, content) {
  const url = URL.createObjectURL(new Blob([content], { type: PEM_TYPE }));
  offered.push(url);
  const link = element("a", text);
  link.href = url;
  link.download = name;
  return link;
}

export function exportAction(context) {
  const domain = context.project.domain;
  const wrap = element("div", null, "action export");
  const button = actionButton("Export", "the certificate and key of " + domain);
  const outcome = outcomeLine();
  const files = element("ul", null, "downloads");
  files.hidden = true;
  button.addEventListener("click", async function () {
    button.disabled = true;
    for (const url of offered) URL.revokeObjectURL(url);
    offered = [];
    files.replaceChildren();
    files.hidden = true;
    outcome.className = "outcome";
    outcome.textContent = "Making a key pair in this browser…";
    try {
      // Not extractable: the private half stays inside WebCrypto, usable only to derive the shared secret.
      const recipient = await crypto.subtle.generateKey(CURVE, false, ["deriveBits"]);
      const jwk = await crypto.subtle.exportKey("jwk", recipient.publicKey);
      outcome.textContent = "Asking for the key, sealed to this browser…";
      const result = await call("POST", apiPath("projects", context.project.id, "certificate", "export"), { recipient: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } });
      if (!result.ok) {
        outcome.textContent = "Not exported: " + errorOf(result);
        outcome.className = "outcome error";
        return;
      }
      const exported = result.body;
      const keyPem = await openJwe(exported.privateKeyJwe, recipient.privateKey);
      const base = fileBase(exported.domain);
      const items = [
        downloadLink("Private key (" + base + "-privkey.pem)", base + "-privkey.pem", keyPem),
        downloadLink("Certificate and chain (" + base + "-fullchain.pem)", base + "-fullchain.pem", exported.certificatePem + exported.chainPem),
      ];
      for (const link of items) {
        const item = element("li");
        item.append(link);
        files.append(item);
      }
      files.hidden = false;
      outcome.textContent = "Exported (recorded in the audit log): save the files below; the key was decrypted in this page and is shown nowhere.";
    } catch (error) {
      outcome.textContent = "Not exported: the page could not open the sealed key (" + (error && error.message ? error.message : String(error)) + ").";
      outcome.className = "outcome error";
    } finally {
      button.disabled = false;
    }
  });
  wrap.append(button, outcome, files);
  return wrap;
}
`;
