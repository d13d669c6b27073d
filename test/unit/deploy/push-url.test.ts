/** The URL rule for HTTPS pushes: which URLs a team may point a push at, with and without the local-run allowance. */
import { describe, expect, it } from "vitest";
import { pushUrlProblem } from "../../../src/deploy/push-url";

const strict = { allowInsecure: false };
const local = { allowInsecure: true };

describe("pushUrlProblem", () => {
  it.each([
    "https://hooks.example.com/certdesk",
    "https://hooks.example.com:8443/certs?team=7",
    "https://8.8.8.8/",
    "https://[2606:4700:4700::1111]/push",
    "https://100.63.255.255/", // just below 100.64.0.0/10
    "https://172.32.0.1/", // just above 172.16.0.0/12
    "https://example.com./trailing-dot",
    "https://93.184.215.14/",
    "https://[2a00:1450:4001:82b::200e]/",
  ])("accepts %s", (url) => {
    expect(pushUrlProblem(url, strict)).toBeUndefined();
  });

  it.each([
    ["not-a-url", "Must be an absolute URL"],
    ["https://hooks.example.com/a b", "Must not contain whitespace or control characters"],
    ["/relative/path", "Must be an absolute URL"],
    ["http://hooks.example.com/", "Must be an https:// URL"],
    ["ftp://hooks.example.com/", "Must be an https:// URL"],
    ["https://user:pass@hooks.example.com/", "Must not contain a user name or password"],
    ["https://token@hooks.example.com/", "Must not contain a user name or password"],
    ["https://hooks.example.com/#frag", "Must not contain a fragment (#…)"],
    ["https://hooks.example.com/#", "Must not contain a fragment (#…)"],
    ["https://hooks.exa\tmple.com/", "Must not contain whitespace or control characters"],
    [`https://hooks.example.com/${"a".repeat(2048)}`, "Must be at most 2048 characters"],
    ["https://localhost/", "Must not point at a loopback address or localhost"],
    ["https://LOCALHOST./", "Must not point at a loopback address or localhost"],
    ["https://api.localhost/", "Must not point at a loopback address or localhost"],
    ["https://127.0.0.1/", "Must not point at a loopback address or localhost"],
    ["https://127.1/", "Must not point at a loopback address or localhost"], // the URL parser normalizes it to 127.0.0.1
    ["https://0x7f000001/", "Must not point at a loopback address or localhost"],
    ["https://[::1]/", "Must not point at a loopback address or localhost"],
    ["https://[::ffff:127.0.0.1]/", "Must not point at a loopback address or localhost"],
    ["https://10.1.2.3/", "Must not point at a private network address"],
    ["https://172.16.0.1/", "Must not point at a private network address"],
    ["https://172.31.255.255/", "Must not point at a private network address"],
    ["https://192.168.1.1:8443/", "Must not point at a private network address"],
    ["https://[fd12:3456::1]/", "Must not point at a private network address"],
    ["https://[fc00::1]/", "Must not point at a private network address"],
    ["https://[::ffff:10.0.0.1]/", "Must not point at a private network address"],
    ["https://[64:ff9b::c0a8:101]/", "Must not point at a private network address"], // NAT64 of 192.168.1.1
    ["https://169.254.1.1/", "Must not point at a link-local address"],
    ["https://[fe80::1]/", "Must not point at a link-local address"],
    ["https://100.64.0.1/", "Must not point at a shared (carrier-grade NAT) address"],
    ["https://100.127.255.254/", "Must not point at a shared (carrier-grade NAT) address"],
    ["https://0.0.0.0/", "Must not point at an unspecified address"],
    ["https://[::]/", "Must not point at an unspecified address"],
    ["https://224.0.0.1/", "Must not point at a multicast address"],
    ["https://[ff02::1]/", "Must not point at a multicast address"],
    ["https://255.255.255.255/", "Must not point at a reserved address"],
    ["https://169.254.169.254/latest/meta-data/", "Must not point at a cloud metadata service"],
    ["https://[fd00:ec2::254]/", "Must not point at a cloud metadata service"],
    ["https://metadata.google.internal/computeMetadata/v1/", "Must not point at a cloud metadata service"],
    // Only global unicast: the special forms and ranges a table of private ranges misses.
    ["https://[::7f00:1]/", "Must not point at a loopback address or localhost"], // IPv4-compatible ::127.0.0.1 (RFC 4291 §2.5.5.1)
    ["https://[::a00:1]/", "Must not point at a private network address"], // IPv4-compatible ::10.0.0.1
    ["https://[::808:808]/", "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"],
    ["https://[::ffff:0:a00:1]/", "Must not point at a private network address"], // ::ffff:0:10.0.0.1 (RFC 6145)
    ["https://[2002:7f00:1::]/", "Must not point at a loopback address or localhost"], // 6to4 of 127.0.0.1
    ["https://[2002:808:808::1]/", "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"],
    ["https://[64:ff9b:1::a00:1]/", "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"], // RFC 8215
    ["https://[::ffff:8.8.8.8]/", "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"],
    ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"], // Teredo
    ["https://198.18.0.1/", "Must not point at a reserved address"], // benchmarking, RFC 2544
    ["https://192.0.0.1/", "Must not point at a reserved address"], // IETF protocol assignments, RFC 6890
    ["https://192.0.2.10/", "Must not point at a reserved address"], // documentation, RFC 5737
    ["https://[100::1]/", "Must not point at a reserved address"], // discard-only, RFC 6666
    ["https://[2001:db8::1]/", "Must not point at a reserved address"], // documentation, RFC 3849
    ["https://[4000::1]/", "Must not point at a reserved address"], // outside 2000::/3, unassigned
    ["https://instance-data/latest/meta-data/", "Must be a fully qualified domain name: a single-label host (such as intranet) names something inside the network"],
    ["https://intranet./", "Must be a fully qualified domain name: a single-label host (such as intranet) names something inside the network"],
  ])("refuses %s: %s", (url, message) => {
    expect(pushUrlProblem(url, strict)).toBe(message);
  });

  describe("with the local-run allowance", () => {
    it.each(["http://127.0.0.1:8787/push", "https://127.0.0.1/", "http://[::1]:9000/", "http://localhost:3000/hook", "http://hooks.example.com/", "http://[::ffff:127.0.0.1]/"])(
      "accepts %s",
      (url) => {
        expect(pushUrlProblem(url, local)).toBeUndefined();
        // …which the strict rule refuses.
        expect(pushUrlProblem(url, strict)).toBeDefined();
      },
    );

    it.each([
      ["http://10.0.0.1/", "Must not point at a private network address"],
      ["http://169.254.169.254/", "Must not point at a cloud metadata service"],
      ["ftp://127.0.0.1/", "Must be an https:// (or, in local runs, http://) URL"],
      ["http://user@127.0.0.1/", "Must not contain a user name or password"],
      // Loopback is accepted, nothing else: the special forms stay refused, as what they are.
      ["http://[::7f00:1]/", "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"],
      ["http://[2002:7f00:1::]/", "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"],
      ["http://[::ffff:0:a00:1]/", "Must not point at a private network address"],
      ["http://[64:ff9b:1::a00:1]/", "Must not point at an IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo)"],
      ["http://198.18.0.1/", "Must not point at a reserved address"],
      ["http://192.0.0.1/", "Must not point at a reserved address"],
      ["http://[100::1]/", "Must not point at a reserved address"],
      ["http://instance-data/", "Must be a fully qualified domain name: a single-label host (such as intranet) names something inside the network"],
    ])("still refuses %s", (url, message) => {
      expect(pushUrlProblem(url, local)).toBe(message);
    });
  });
});
