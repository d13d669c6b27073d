import { expect, it } from "vitest";
import { newTenant } from "../../support/api";
import { vercel, vercel1185 } from "./sdk";
import { openai } from "../openai/sdk";

it("smoke", async () => {
  const t = await newTenant();
  const r = await vercel(t.token).certs.getCerts({});
  console.log(JSON.stringify(r));
  const p = await openai(t.token).admin.organization.certificates.list();
  console.log(JSON.stringify(p.data));
  try { await vercel1185(t.token).projects.getProjectClientCerts({ idOrName: "nope" }); } catch (e: any) { console.log(e.name, e.statusCode, e.body); }
});
