/** "Expiring soon" for renewal and status: the rule lives in the PKI core (src/pki/expiry.ts), so upload warnings use it too. */
export { isExpiringSoon } from "../pki/expiry";
