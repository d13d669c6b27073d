/** Loads @peculiar/x509 with its Reflect.metadata polyfill and points it at the platform WebCrypto. */
// tsyringe (inside @peculiar/x509) throws at import time without the polyfill, so it must come first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

// Only the provider is set here: workerd forbids crypto operations at global scope, not this assignment.
x509.cryptoProvider.set(crypto);

export { x509 };
