/**
 * TEMPORARY stand-in (types only) until branch i21-pki-nc lands the real names.ts: the agreed shape of the names a
 * leaf certificate carries. Replaced by that branch's file on merge.
 */
export interface SubjectNames {
  commonName?: string;
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  emails: string[];
}
