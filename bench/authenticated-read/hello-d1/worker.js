// The baseline of bench/authenticated-read/throughput.mjs: a Worker that answers `GET /projects/<id>` with one D1 read
// of one row (https://developers.cloudflare.com/d1/worker-api/prepared-statements/#first), nothing else: no
// authentication, no router, no session. `/static` answers without touching D1 (a reference row).
const TEAM_ID = "team_bench_hello";

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/static") return Response.json({ ok: true });
    const id = pathname.startsWith("/projects/") ? pathname.slice("/projects/".length) : "";
    const row = await env.DB.prepare("SELECT id, team_id, name, domain, created_at, updated_at FROM projects WHERE id = ?1 AND team_id = ?2")
      .bind(id, TEAM_ID)
      .first();
    return row ? Response.json(row) : Response.json({ error: "not found" }, { status: 404 });
  },
};
