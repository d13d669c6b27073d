/** Whether an issued certificate chains to a given root (a Pebble's, from pebbleRoots: it changes on every restart). */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

/** Whether `leafPem` chains through `chainPem` up to `rootPem`. */
export function verifiesUpTo(leafPem: string, chainPem: string, rootPem: string): Promise<boolean> {
  const chain = x509.PemConverter.decode(chainPem).map((der) => new x509.X509Certificate(der));
  const builder = new x509.X509ChainBuilder({ certificates: [...chain, new x509.X509Certificate(rootPem)] });
  return builder.build(new x509.X509Certificate(leafPem)).then((path) => path.length >= 2 && path.at(-1)!.subject === new x509.X509Certificate(rootPem).subject);
}
