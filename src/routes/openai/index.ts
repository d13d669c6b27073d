/** The OpenAI-compatible surface: `/v1/organization/certificates…` (errors rendered OpenAI style by path). */
import { newRouter } from "../router";
import { openaiOrganizationCertificateRoutes } from "./organization-certificates";
import { openaiProjectCertificateRoutes } from "./project-certificates";

export const openaiRoutes = newRouter().route("/", openaiOrganizationCertificateRoutes).route("/", openaiProjectCertificateRoutes);
