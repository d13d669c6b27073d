/**
 * A provider that echoes what it was sent in its error: the delivered certificate's private key (and the target's
 * credentials) never reach the target's `lastError`, the certificate's status or the `certificate.deployment_failed`
 * event, in any form the provider may echo it (PEM, JSON-escaped PEM, base64 body, the base64 of the PEM as ACM takes it,
 * a piece its own cut left), while the rest of the provider's message still says what went wrong.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { bytesToBase64, utf8 } from "../../../src/crypto/encoding";
import { depsFrom } from "../../../src/deps";
import { commitWithAudit } from "../../../src/http/audited-commit";
import { createDeployTarget, type NewDeployTarget } from "../../../src/services/deploy-targets/configure";
import { deliverToTarget } from "../../../src/services/deploy-targets/deliver";
import type { Deps } from "../../../src/services/deps";
import { getProject } from "../../../src/services/projects";
import { call, newProject, newTenant, type Tenant } from "../../support/api";
import { makeChain } from "../../support/pki-fixtures";
import { fakeNetwork, webhookIsolate } from "../../support/webhook-receiver-fakes";

const ZONE = "0123456789abcdef0123456789abcdef";
const CF_TOKEN = "cf-deploy-token-0123456789abcdefghijkl";
const AWS = { accessKeyId: "AKIAFAKEDEPLOY012345", secretAccessKey: "deployFakeSecretKey/0123456789abcdefghijkl" };

let tenant: Tenant;

beforeAll(async () => {
  tenant = await newTenant();
  // An endpoint that takes every event, so that certificate.deployment_failed is written to the outbox.
  const created = await webhookIsolate(fakeNetwork()).request("POST", "/api/v1/webhooks", tenant.token, { url: "https://receiver.example.com/hook" });
  expect(created.status, created.text).toBe(201);
});

/** The key's base64 body, and each of its lines. */
function keyPieces(keyPem: string): string[] {
  const lines = keyPem.split(/\r?\n/).filter((line) => line !== "" && !line.startsWith("-----"));
  return [lines.join(""), ...lines.filter((line) => line.length >= 16)];
}

/** What a provider may echo of the key it was sent. */
const ECHOES: [string, (keyPem: string) => string][] = [
  ["the PEM", (pem) => pem],
  ["the PEM, JSON-escaped", (pem) => JSON.stringify(pem).slice(1, -1)],
  ["the PEM with CRLF line ends", (pem) => pem.replace(/\n/g, "\r\n")],
  ["the base64 body on one line", (pem) => keyPieces(pem)[0]!],
  ["the base64 of the PEM text (ACM's PrivateKey blob)", (pem) => bytesToBase64(utf8.encode(pem))],
  ["a piece of the body from its middle", (pem) => keyPieces(pem)[0]!.slice(40, 100)],
];

/** A target of `kind` whose provider answers every call with an error echoing `echo` and the credential. */
const PROVIDERS: Record<string, { input: NewDeployTarget; answer(echo: string): Response; says: string }> = {
  cloudflare_zone_certificate: {
    input: { kind: "cloudflare_zone_certificate", settings: { zoneId: ZONE }, credentials: { apiToken: CF_TOKEN } },
    answer: (echo) =>
      Response.json({ success: false, errors: [{ code: 1002, message: `Invalid key for token ${CF_TOKEN}: ${echo}` }], result: null }, { status: 400 }),
    says: "Cloudflare zone custom certificate failed to",
  },
  aws_acm: {
    input: { kind: "aws_acm", settings: { region: "eu-west-1" }, credentials: AWS },
    answer: (echo) =>
      Response.json({ __type: "ValidationException", message: `Could not parse PrivateKey ${echo} (key ${AWS.secretAccessKey})` }, { status: 400 }),
    says: "AWS Certificate Manager failed to import the certificate (HTTP 400): ValidationException: Could not parse PrivateKey",
  },
};

async function projectWithCertificate(deps: Deps) {
  const { id, domain } = await newProject(tenant);
  const chain = await makeChain({ key: "EC-P256", names: [domain!] });
  const uploaded = await call("POST", `/api/v1/projects/${id}/certificate/upload`, { token: tenant.token, json: { certificate: chain.chainPem, privateKey: chain.keyPem } });
  expect(uploaded.status, uploaded.text).toBe(200);
  return { project: await getProject(deps.db, tenant.teamId, id), keyPem: chain.keyPem };
}

function expectClean(text: string, keyPem: string, secrets: string[]): void {
  expect(text).not.toMatch(/PRIVATE KEY/);
  for (const piece of keyPieces(keyPem)) expect(text).not.toContain(piece.slice(0, 16));
  for (const piece of [bytesToBase64(utf8.encode(keyPem))]) for (let i = 0; i + 16 <= piece.length; i += 16) expect(text).not.toContain(piece.slice(i, i + 16));
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("a provider echoing the delivered key in its error", () => {
  for (const [kind, provider] of Object.entries(PROVIDERS)) {
    it.each(ECHOES)(`${kind}: %s is in neither lastError, the status nor certificate.deployment_failed`, async (_form, echoOf) => {
      let echo = "";
      const deps: Deps = {
        ...depsFrom(env),
        deployFetch: async () => provider.answer(echo),
        // Events are kept in the outbox, and not sent on: this test reads what would be.
        webhookQueue: { sendBatch: async () => undefined },
      };
      const { project, keyPem } = await projectWithCertificate(deps);
      echo = echoOf(keyPem);
      const commit = commitWithAudit(deps.db, { actor: "test", action: "POST /api/v1/projects/:id/deploy-targets" }, () => Date.now());
      const { row } = await createDeployTarget(deps, project, provider.input, commit);
      const secrets = Object.values(provider.input.credentials as Record<string, string>);

      const outcome = await deliverToTarget(deps, row.id, { trigger: "manual" });

      expect(outcome.state).toBe("failed");
      const error = outcome.state === "failed" ? outcome.error : "";
      expect(error).toContain(provider.says);
      expect(error).toContain("[redacted]");
      expectClean(error, keyPem, secrets);
      const stored = await env.DB.prepare("SELECT last_error FROM deploy_targets WHERE id = ?").bind(row.id).first<{ last_error: string }>();
      expect(stored!.last_error).toBe(error);
      const status = await call("GET", `/api/v1/projects/${project.id}/certificate/status`, { token: tenant.token });
      expect(status.status).toBe(200);
      expect(status.text).toContain(provider.says);
      expectClean(status.text, keyPem, secrets);
      const event = await env.DB.prepare(
        "SELECT payload FROM webhook_events WHERE event_type = 'certificate.deployment_failed' AND json_extract(payload, '$.data.deployTargetId') = ?",
      )
        .bind(row.id)
        .first<{ payload: string }>();
      expect(event, "a certificate.deployment_failed message").not.toBeNull();
      expect(JSON.parse(event!.payload).data.error).toBe(error);
      expectClean(event!.payload, keyPem, secrets);
    });
  }
});
