/** Name constraints (RFC 5280 §4.2.1.10): parsing a request, the extension's DER read back, and the check along a path. */
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints as AsnNameConstraints } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../../src/core/errors";
import {
  type NameConstraints,
  nameConstraintsExtension,
  namesOutsideConstraints,
  parseNameConstraints,
  readNameConstraints,
} from "../../../../src/pki/private-ca/name-constraints";
import type { SubjectNames } from "../../../../src/pki/private-ca/names";
import { x509 } from "../../../../src/pki/x509-setup";
import { makeTestCa } from "./nc-fixtures";

const none: NameConstraints = { permittedDnsDomains: [], excludedDnsDomains: [], permittedIpRanges: [], excludedIpRanges: [] };
const nc = (partial: Partial<NameConstraints>): NameConstraints => ({ ...none, ...partial });
const names = (partial: Partial<SubjectNames>): SubjectNames => ({ dnsNames: [], ipAddresses: [], uris: [], emails: [], ...partial });

describe("parseNameConstraints", () => {
  it("normalizes domains and CIDR ranges, dropping duplicates", () => {
    expect(
      parseNameConstraints({
        permittedDnsDomains: ["Corp.Example.", "corp.example"],
        excludedDnsDomains: ["secret.corp.example"],
        permittedIpRanges: ["10.0.0.0/8", "FD00::/8", "192.168.1.7/32"],
        excludedIpRanges: ["10.99.0.0/16"],
      }),
    ).toEqual({
      permittedDnsDomains: ["corp.example"],
      excludedDnsDomains: ["secret.corp.example"],
      permittedIpRanges: ["10.0.0.0/8", "fd00::/8", "192.168.1.7/32"],
      excludedIpRanges: ["10.99.0.0/16"],
    });
  });

  const refusals: { name: string; input: Parameters<typeof parseNameConstraints>[0]; param: string; message: RegExp }[] = [
    { name: "a prefix past 32", input: { permittedIpRanges: ["10.0.0.0/33"] }, param: "nameConstraints.permittedIpRanges", message: /"10\.0\.0\.0\/33" is not an IP range/ },
    { name: "an IPv6 prefix past 128", input: { excludedIpRanges: ["fd00::/129"] }, param: "nameConstraints.excludedIpRanges", message: /not an IP range/ },
    { name: "text", input: { permittedIpRanges: ["abc"] }, param: "nameConstraints.permittedIpRanges", message: /"abc" is not an IP range/ },
    { name: "an address without a prefix", input: { permittedIpRanges: ["10.0.0.0"] }, param: "nameConstraints.permittedIpRanges", message: /CIDR/ },
    { name: "a short IPv4 form", input: { permittedIpRanges: ["10/8"] }, param: "nameConstraints.permittedIpRanges", message: /not an IP range/ },
    { name: "an empty prefix", input: { permittedIpRanges: ["10.0.0.0/"] }, param: "nameConstraints.permittedIpRanges", message: /not an IP range/ },
    { name: "host bits set", input: { permittedIpRanges: ["10.0.0.1/8"] }, param: "nameConstraints.permittedIpRanges", message: /host bits.*10\.0\.0\.0\/8/ },
    { name: "a wildcard domain", input: { permittedDnsDomains: ["*.corp.example"] }, param: "nameConstraints.permittedDnsDomains", message: /covers the name and every subdomain/ },
    { name: "a bad domain", input: { excludedDnsDomains: ["bad_domain.example"] }, param: "nameConstraints.excludedDnsDomains", message: /not a valid domain/ },
    { name: "a URL", input: { permittedDnsDomains: ["https://corp.example"] }, param: "nameConstraints.permittedDnsDomains", message: /not a valid domain/ },
    { name: "an IP as a domain", input: { permittedDnsDomains: ["10.0.0.1"] }, param: "nameConstraints.permittedDnsDomains", message: /not a valid domain/ },
    { name: "101 entries", input: { permittedDnsDomains: Array.from({ length: 60 }, (_, i) => `d${i}.example`), permittedIpRanges: Array.from({ length: 41 }, (_, i) => `10.${i}.0.0/16`) }, param: "nameConstraints.permittedIpRanges", message: /at most 100/ },
  ];
  for (const { name, input, param, message } of refusals) {
    it(`refuses ${name} with a 400 naming the field`, () => {
      let caught: unknown;
      try {
        parseNameConstraints(input);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      const error = caught as AppError;
      expect([error.status, error.param]).toEqual([400, param]);
      expect(error.message).toMatch(message);
    });
  }
});

describe("nameConstraintsExtension and readNameConstraints", () => {
  it("writes a critical extension whose DER holds dNSName and address+mask iPAddress subtrees (8 octets v4, 32 octets v6)", () => {
    const extension = nameConstraintsExtension(
      parseNameConstraints({ permittedDnsDomains: ["corp.example"], permittedIpRanges: ["10.0.0.0/8", "fd00::/8"], excludedDnsDomains: ["secret.corp.example"] }),
    );
    expect(extension.type).toBe("2.5.29.30");
    expect(extension.critical).toBe(true);
    const value = AsnConvert.parse(extension.value, AsnNameConstraints);
    const permitted = [...(value.permittedSubtrees ?? [])].map((subtree) => subtree.base);
    expect(permitted[0]!.dNSName).toBe("corp.example");
    // Re-encoded GeneralNames: [7] IMPLICIT OCTET STRING; the last bytes of the element are address then mask.
    const v4 = new Uint8Array(AsnConvert.serialize(permitted[1]!));
    expect([...v4]).toEqual([0x87, 8, 10, 0, 0, 0, 255, 0, 0, 0]);
    const v6 = new Uint8Array(AsnConvert.serialize(permitted[2]!));
    expect(v6[1]).toBe(32);
    expect([...v6.slice(2, 4)]).toEqual([0xfd, 0x00]);
    expect([...v6.slice(18, 20)]).toEqual([0xff, 0x00]);
    expect(v6.slice(19).every((byte) => byte === 0)).toBe(true);
    expect([...(value.excludedSubtrees ?? [])].map((subtree) => subtree.base.dNSName)).toEqual(["secret.corp.example"]);
  });

  it("refuses to write an empty extension (RFC 5280 §4.2.1.10)", () => {
    expect(() => nameConstraintsExtension(none)).toThrow(/at least one domain or IP range/);
  });

  it("reads back what it wrote from a CA certificate; none → null", async () => {
    const constraints = parseNameConstraints({
      permittedDnsDomains: ["corp.example"],
      excludedDnsDomains: ["secret.corp.example"],
      permittedIpRanges: ["10.0.0.0/8", "fd00::/8"],
      excludedIpRanges: ["10.99.0.0/16"],
    });
    const { certificate } = await makeTestCa("P-256", [nameConstraintsExtension(constraints)]);
    const reparsed = new x509.X509Certificate(certificate.rawData);
    expect(readNameConstraints(reparsed)).toEqual(constraints);
    expect(readNameConstraints((await makeTestCa("P-256")).certificate)).toBeNull();
  });

  it("notes name types of an imported CA's constraints that it does not evaluate", async () => {
    const value = new AsnNameConstraints({
      permittedSubtrees: new GeneralSubtrees([
        new GeneralSubtree({ base: new GeneralName({ dNSName: "corp.example" }) }),
        new GeneralSubtree({ base: new GeneralName({ uniformResourceIdentifier: ".corp.example" }) }),
      ]),
    });
    const { certificate } = await makeTestCa("P-256", [new x509.Extension("2.5.29.30", true, AsnConvert.serialize(value))]);
    const read = readNameConstraints(certificate)!;
    expect(read.permittedDnsDomains).toEqual(["corp.example"]);
    expect(read.unsupportedNameTypes).toEqual(["uniformResourceIdentifier"]);
    expect(namesOutsideConstraints(names({ dnsNames: ["a.corp.example"], uris: ["spiffe://corp.example/x"] }), [read])).toEqual(["spiffe://corp.example/x"]);
  });

  it("an iPAddress subtree that is not address+mask makes every IP name outside (it could not be honoured)", async () => {
    const value = new AsnNameConstraints({
      // 4 octets: an address without its mask, which RFC 5280 §4.2.1.10 does not allow in a constraint.
      excludedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ iPAddress: "10.0.0.1" }) })]),
    });
    const { certificate } = await makeTestCa("P-256", [new x509.Extension("2.5.29.30", true, AsnConvert.serialize(value))]);
    const read = readNameConstraints(certificate)!;
    expect(read.excludedIpRanges).toEqual([]);
    expect(read.unsupportedNameTypes).toEqual(["iPAddress (malformed)"]);
    expect(namesOutsideConstraints(names({ dnsNames: ["a.example"], ipAddresses: ["192.0.2.1"] }), [read])).toEqual(["192.0.2.1"]);
  });

  it("refuses a malformed extension with a 400", async () => {
    const { certificate } = await makeTestCa("P-256", [new x509.Extension("2.5.29.30", true, new Uint8Array([0x30, 0x03, 0xa0, 0x01, 0x00]))]);
    expect(() => readNameConstraints(certificate)).toThrow(/could not be parsed/);
  });
});

describe("namesOutsideConstraints", () => {
  const corp = nc({ permittedDnsDomains: ["corp.example"] });
  const cases: { name: string; names: Partial<SubjectNames>; chain: NameConstraints[]; outside: string[] }[] = [
    { name: "the permitted domain itself", names: { dnsNames: ["corp.example"] }, chain: [corp], outside: [] },
    { name: "a subdomain at any depth", names: { dnsNames: ["a.b.corp.example"] }, chain: [corp], outside: [] },
    { name: "a wildcard under the permitted domain", names: { dnsNames: ["*.corp.example"] }, chain: [corp], outside: [] },
    { name: "a name outside", names: { dnsNames: ["api.corp.example", "evil.example"] }, chain: [corp], outside: ["evil.example"] },
    { name: "a suffix that is not a label boundary", names: { dnsNames: ["evilcorp.example"] }, chain: [corp], outside: ["evilcorp.example"] },
    { name: "the parent of the permitted domain", names: { dnsNames: ["example"] }, chain: [corp], outside: ["example"] },
    { name: "a wildcard over the parent", names: { dnsNames: ["*.example"] }, chain: [corp], outside: ["*.example"] },
    { name: "an excluded subtree", names: { dnsNames: ["x.secret.corp.example"] }, chain: [nc({ permittedDnsDomains: ["corp.example"], excludedDnsDomains: ["secret.corp.example"] })], outside: ["x.secret.corp.example"] },
    { name: "a wildcard that stands for an excluded name", names: { dnsNames: ["*.corp.example"] }, chain: [nc({ excludedDnsDomains: ["secret.corp.example"] })], outside: ["*.corp.example"] },
    { name: "a wildcard beside an excluded name deeper down", names: { dnsNames: ["*.corp.example"] }, chain: [nc({ excludedDnsDomains: ["a.secret.corp.example"] })], outside: [] },
    { name: "a DNS-looking CN outside", names: { commonName: "evil.example" }, chain: [corp], outside: ["evil.example"] },
    { name: "a CN that is not a host name", names: { commonName: "Payments Service" }, chain: [corp], outside: [] },
    { name: "IPs when only DNS is constrained", names: { ipAddresses: ["192.0.2.1"] }, chain: [corp], outside: [] },
    { name: "DNS names when only IPs are constrained", names: { dnsNames: ["anything.example"] }, chain: [nc({ permittedIpRanges: ["10.0.0.0/8"] })], outside: [] },
    { name: "an IP inside and one outside", names: { ipAddresses: ["10.1.2.3", "192.0.2.1"] }, chain: [nc({ permittedIpRanges: ["10.0.0.0/8"] })], outside: ["192.0.2.1"] },
    { name: "an excluded IP range", names: { ipAddresses: ["10.99.1.1"] }, chain: [nc({ permittedIpRanges: ["10.0.0.0/8"], excludedIpRanges: ["10.99.0.0/16"] })], outside: ["10.99.1.1"] },
    { name: "an IPv6 address inside", names: { ipAddresses: ["fd00::1"] }, chain: [nc({ permittedIpRanges: ["fd00::/8"] })], outside: [] },
    { name: "an IPv6 address when only IPv4 ranges are permitted", names: { ipAddresses: ["fd00::1"] }, chain: [nc({ permittedIpRanges: ["10.0.0.0/8"] })], outside: ["fd00::1"] },
    { name: "a path: inside the intermediate's constraints but outside the root's", names: { dnsNames: ["a.corp.example", "a.other.example"] }, chain: [nc({ permittedDnsDomains: ["corp.example", "other.example"] }), corp], outside: ["a.other.example"] },
    { name: "a path: the root excludes what the intermediate permits", names: { dnsNames: ["x.lab.corp.example"] }, chain: [corp, nc({ excludedDnsDomains: ["lab.corp.example"] })], outside: ["x.lab.corp.example"] },
    { name: "no constraints anywhere", names: { dnsNames: ["a.example"], ipAddresses: ["1.2.3.4"] }, chain: [none], outside: [] },
    { name: "URIs and emails when only DNS and IPs are constrained", names: { uris: ["spiffe://evil.example/x"], emails: ["a@evil.example"] }, chain: [corp], outside: [] },
  ];
  for (const { name, names: input, chain, outside } of cases) {
    it(name, () => {
      expect(namesOutsideConstraints(names(input), chain)).toEqual(outside);
    });
  }
});
