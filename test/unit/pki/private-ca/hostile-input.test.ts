import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../../src/core/errors";
import { exportPrivateKeyPem } from "../../../../src/pki";
import {
  checkImportedCa,
  createCaCertificate,
  createLeafCertificate,
  generateCaKey,
  type CaSubject,
  randomSerialHex,
  type SigningCa,
} from "../../../../src/pki/private-ca";
import { fromPem, toPem } from "../../../support/pki-fixtures";
import { dayMs, makeHierarchy, names, now } from "./fixtures";
import { prng, randomInt as int } from "../../../support/prng";


function mutate(der: Uint8Array, rand: () => number): Uint8Array {
  const out = der.slice();
  switch (int(rand, 3)) {
    case 0:
      out[int(rand, out.length)]! ^= 1 << int(rand, 8);
      return out;
    case 1:
      return out.slice(0, 1 + int(rand, out.length - 1));
    default:
      out[1 + 2 * int(rand, Math.min(40, out.length >> 1))] = [0x80, 0x81, 0x84, 0xff][int(rand, 4)]!;
      return out;
  }
}

/** "ok", "4xx", or what escaped (anything else is a bug: a 500 on the wire). */
async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "ok";
  } catch (error) {
    if (error instanceof AppError && error.status >= 400 && error.status < 500) return "4xx";
    return `escaped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
}

let hierarchy: { root: SigningCa; intermediate: SigningCa };
let certificatePem: string;
let keyPem: string;
beforeAll(async () => {
  hierarchy = await makeHierarchy();
  certificatePem = `${hierarchy.intermediate.certificate.toString("pem")}\n`;
  keyPem = await exportPrivateKeyPem(hierarchy.intermediate.privateKey);
});

describe("hostile input never lets a non-AppError escape", () => {
  it("checkImportedCa over mutated certificates, keys and chains (300 cases)", async () => {
    const rand = prng(20261206);
    const escaped: string[] = [];
    const rootPem = `${hierarchy.root.certificate.toString("pem")}\n`;
    for (let i = 0; i < 300; i++) {
      const which = i % 3;
      const input = {
        certificate: which === 0 ? toPem(mutate(fromPem(certificatePem), rand), "CERTIFICATE") : certificatePem,
        privateKey: which === 1 ? toPem(mutate(fromPem(keyPem), rand), "PRIVATE KEY") : keyPem,
        chain: which === 2 ? toPem(mutate(fromPem(rootPem), rand), "CERTIFICATE") : rootPem,
      };
      const result = await outcome(() => checkImportedCa(input));
      if (result.startsWith("escaped")) escaped.push(`case ${i}: ${result}`);
    }
    expect(escaped).toEqual([]);
  });

  it("checkImportedCa over values of the wrong type", async () => {
    for (const input of [null, {}, { certificate: 1, privateKey: keyPem }, { certificate: certificatePem, privateKey: null }, { certificate: certificatePem, privateKey: keyPem, chain: 5 }]) {
      expect(await outcome(() => checkImportedCa(input as never))).toBe("4xx");
    }
  });

  it("createLeafCertificate over names a normalizer would have refused", async () => {
    const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
    const bad = [
      names({ dnsNames: ["bücher.example"] }),
      names({ emails: ["ops@bücher.example"] }),
      names({ ipAddresses: ["not-an-ip"] }),
      names({ ipAddresses: ["1::2::3"] }),
      names({ commonName: 42 as unknown as string }),
      names({ dnsNames: "a.example" as unknown as string[] }),
      null as unknown as ReturnType<typeof names>,
    ];
    for (const subjectNames of bad) {
      const result = await outcome(() =>
        createLeafCertificate({
          issuer: hierarchy.intermediate,
          publicKey: keys.publicKey,
          profile: "server",
          names: subjectNames,
          serialHex: randomSerialHex(),
          notBefore: now(),
          notAfter: new Date(Date.now() + dayMs),
          caIssuersUrl: "https://certdesk.example/ca.crt",
        }),
      );
      expect(result, JSON.stringify(subjectNames)).toBe("4xx");
    }
  });

  it("createCaCertificate over subjects and dates of the wrong type", async () => {
    const keys = await generateCaKey({ keyType: "ec", keySize: 256 });
    const window = { notBefore: now(), notAfter: new Date(Date.now() + dayMs) };
    for (const subject of [null, {}, { commonName: 7 }, { commonName: "ok", organization: ["x"] }] as unknown as CaSubject[]) {
      expect(await outcome(() => createCaCertificate({ subject, keys, ...window }))).toBe("4xx");
    }
    expect(await outcome(() => createCaCertificate({ subject: { commonName: "ok" }, keys, notBefore: new Date("nope"), notAfter: window.notAfter }))).toBe("4xx");
    expect(await outcome(() => createCaCertificate({ subject: { commonName: "ok" }, keys, ...window, pathLength: 1.5 }))).toBe("4xx");
  });
});
