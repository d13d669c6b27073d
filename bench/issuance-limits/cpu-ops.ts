/**
 * The CPU-bound steps of an issuance, timed the same way in both runtimes: inside workerd (cpu.measure.ts) and on
 * Node's WebCrypto (global-setup.ts answers /sample with this very module). Each call runs `batch` operations back to
 * back and returns the wall time of the batch in ms: a sequential CPU-bound call's wall time is its CPU time, and
 * batching lifts sub-millisecond operations above workerd's 1 ms clock resolution. Inputs (keys for the CSR and the
 * JWS, the chain to check) are made once per runtime, outside the clock.
 */
import { generateAccountKey } from "../../src/acme/account-key";
import { signJws } from "../../src/acme/jws";
import { checkCertificate } from "../../src/pki/check-certificate";
import { createCsr } from "../../src/pki/csr";
import { generateCertificateKey, type CertificateKeySpec } from "../../src/pki/key-generation";
import type { CpuKeySpec, CpuOp } from "./context";

/** The spec exactly as the API's keyType/keySize become it (services/certificates/acme.ts keySpecOf). */
export function certificateKeySpec(spec: CpuKeySpec): CertificateKeySpec {
  switch (spec) {
    case "RSA-2048":
      return { keyType: "rsa", keySize: 2048 };
    case "RSA-3072":
      return { keyType: "rsa", keySize: 3072 };
    case "RSA-4096":
      return { keyType: "rsa", keySize: 4096 };
    case "EC-P256":
      return { keyType: "ec", curve: "P-256" };
    case "EC-P384":
      return { keyType: "ec", curve: "P-384" };
  }
}

/** The names of the CSR: a name and its www, as most orders carry. */
export const CSR_NAMES = ["bench.certdesk.test", "www.bench.certdesk.test"];

const csrKeys = new Map<CpuKeySpec, Promise<CryptoKeyPair>>();
let accountKeys: Promise<CryptoKeyPair> | undefined;

/** One operation, with its inputs ready (made outside the clock, once per runtime). */
async function prepare(op: CpuOp): Promise<() => Promise<unknown>> {
  switch (op.op) {
    case "keygen": {
      const spec = certificateKeySpec(op.spec);
      return () => generateCertificateKey(spec);
    }
    case "csr": {
      let keys = csrKeys.get(op.spec);
      if (!keys) csrKeys.set(op.spec, (keys = generateCertificateKey(certificateKeySpec(op.spec))));
      const pair = await keys;
      return () => createCsr(pair, CSR_NAMES);
    }
    case "jws": {
      const keys = await (accountKeys ??= generateAccountKey());
      // A newOrder body as AcmeClient sends it: signed with the account key (ES256), `kid` in the header.
      const payload = { identifiers: CSR_NAMES.map((value) => ({ type: "dns", value })) };
      return () => signJws({ keys, url: "https://acme.certdesk.test/acme/new-order", nonce: "bm9uY2Utbm9uY2Utbm9uY2U", kid: "https://acme.certdesk.test/acme/acct/1", payload });
    }
    case "check": {
      const input = { certificatePem: op.chainPem, privateKeyPem: op.keyPem, domain: op.domain };
      return async () => {
        const checked = await checkCertificate(input);
        if (!checked.report.valid) throw new Error(`bench chain does not check: ${checked.report.error}`);
      };
    }
  }
}

/** Wall time (ms) of `batch` operations run one after the other. */
export async function timeBatch(op: CpuOp, batch: number): Promise<number> {
  const once = await prepare(op);
  const started = performance.now();
  for (let i = 0; i < batch; i++) await once();
  return performance.now() - started;
}
