// The baseline of bench/challenge-route/throughput.mjs: a hello-world Worker that answers every request with one
// KV read (https://developers.cloudflare.com/kv/api/read-key-value-pairs/), nothing else.
export default {
  async fetch(_request, env) {
    const value = await env.KV.get("hello");
    return new Response(value ?? "Not found", { status: value === null ? 404 : 200, headers: { "content-type": "text/plain; charset=utf-8" } });
  },
};
