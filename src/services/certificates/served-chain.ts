/** The intermediates a server sends after the leaf, completed from an uploaded CA bundle (Vercel's `ca`). */
import { parseCertificateBundle } from "../../pki";

/**
 * The certificates of `ca` that continue the chain after `sentPem` (the leaf and the intermediates
 * uploaded with it), issuer by issuer, stopping at a self-signed root: a server sends those, not
 * roots (RFC 8446 §4.4.2: the root may be omitted, the peer must already hold it).
 */
export function intermediatesFrom(ca: string, sentPem: string): string {
  let pool: ReturnType<typeof parseCertificateBundle>;
  try {
    pool = parseCertificateBundle(ca).filter((cert) => cert.subject !== cert.issuer);
  } catch {
    return ""; // A larger trust store than a bundle holds: it verified the chain, but nothing of it is sent.
  }
  const sent = parseCertificateBundle(sentPem);
  let issuer = sent[sent.length - 1]!.issuer;
  let out = "";
  for (let hops = 0; hops < pool.length; hops++) {
    const next = pool.find((cert) => cert.subject === issuer);
    if (!next) break;
    const pem = `${next.toString("pem")}\n`;
    if (sentPem.includes(pem.trim()) || out.includes(pem)) break;
    out += pem;
    issuer = next.issuer;
  }
  return out;
}
