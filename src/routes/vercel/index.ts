/** The Vercel-compatible surface: `/v8/certs` and `/v1/projects/{idOrName}/client-cert` (errors rendered Vercel style by path). */
import { newRouter } from "../router";
import { vercelCertRoutes } from "./certs";
import { vercelClientCertRoutes } from "./client-certs";
import { vercelExportCertRoutes } from "./export-cert";
import { vercelIssueCertRoutes } from "./issue-cert";

export { requireVercelTeam, teamQuery } from "./team";
export { vercelCertSchema, vercelCertView, vercelErrors } from "./schemas";

export const vercelRoutes = newRouter()
  .route("/", vercelCertRoutes)
  .route("/", vercelIssueCertRoutes)
  .route("/", vercelExportCertRoutes)
  .route("/", vercelClientCertRoutes);
