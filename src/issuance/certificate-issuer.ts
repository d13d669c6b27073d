/** The per-certificate Durable Object: the issuance lock and the ACME order state machine. */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class CertificateIssuer extends DurableObject<Env> {}
