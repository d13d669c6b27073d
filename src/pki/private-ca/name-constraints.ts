/**
 * TEMPORARY stand-in until branch i21-pki-nc lands the real name-constraints.ts: the contract's type and the
 * extension writer only (RFC 5280 §4.2.1.10). Replace on merge.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints as AsnNameConstraints, id_ce_nameConstraints } from "@peculiar/asn1-x509";
import { x509 } from "../x509-setup";

export interface NameConstraints {
  permittedDnsDomains: string[];
  excludedDnsDomains: string[];
  permittedIpRanges: string[];
  excludedIpRanges: string[];
}

function subtrees(dns: string[], ips: string[]): GeneralSubtrees | undefined {
  const names = [
    ...dns.map((dNSName) => new GeneralName({ dNSName })),
    ...ips.map((iPAddress) => new GeneralName({ iPAddress })),
  ];
  return names.length === 0 ? undefined : new GeneralSubtrees(names.map((base) => new GeneralSubtree({ base })));
}

/** The critical nameConstraints extension (RFC 5280 §4.2.1.10: "Conforming CAs MUST mark this extension as critical"). */
export function nameConstraintsExtension(constraints: NameConstraints): x509.Extension {
  const value = new AsnNameConstraints({
    permittedSubtrees: subtrees(constraints.permittedDnsDomains, constraints.permittedIpRanges),
    excludedSubtrees: subtrees(constraints.excludedDnsDomains, constraints.excludedIpRanges),
  });
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(value));
}
