// The baseline of bench/private-ca/throughput.mjs: a hello-world Worker that answers every request with a constant
// body the size of a small CRL, and nothing else.
const BODY = new Uint8Array(400).fill(0x30);

export default {
  async fetch() {
    return new Response(BODY, { headers: { "content-type": "application/pkix-crl" } });
  },
};
