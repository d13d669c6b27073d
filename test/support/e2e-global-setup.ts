/**
 * vitest globalSetup of the e2e project (runs in Node): starts pebble-challtestsrv, Pebble, `wrangler dev`
 * of this Worker and the harness server, provides their URLs to the tests, and stops them all afterwards.
 */
import type { TestProject } from "vitest/node";
import { startE2eEnvironment } from "../../scripts/pebble/e2e-environment.mjs";
import "./pebble-context";
import { E2E_CLOUDFLARE_TOKEN, E2E_DELEGATION_ZONE, startCloudflareFakeServer } from "./cloudflare-fake-server";
import { startAriProxyServer } from "./ari-proxy-server";
import { startCaNetworkProxy } from "./ca-network-proxy";
import { startDeployFakes } from "./deploy-fakes-server";
import { startWebhookReceiver } from "./webhook-receiver";
import { testCaPaths } from "../../scripts/pebble/test-ca.mjs";

export default async function setup(project: TestProject) {
  const cloudflare = await startCloudflareFakeServer();
  let pebbleDirectory = "";
  const ari = await startAriProxyServer(() => pebbleDirectory);
  // The Worker reaches its CA through a network the tests can disturb (cut connections, lost answers).
  const caNetwork = await startCaNetworkProxy(testCaPaths(), () => pebbleDirectory);
  const deploy = await startDeployFakes();
  const webhooks = await startWebhookReceiver();
  const environment = await startE2eEnvironment({
    issuanceWaitSeconds: Number(process.env.E2E_ISSUANCE_WAIT_SECONDS ?? 20),
    extraVars: {
      DNS_API_BASE_URLS: JSON.stringify({ cloudflare: cloudflare.baseUrl }),
      // CNAME-delegated DNS-01 (test/e2e/dns-delegation.test.ts): the operator's zone sits in the Cloudflare fake's
      // certdesk.test, so its TXT writes reach challtestsrv like every other DNS-01 answer.
      ACME_DELEGATION_ZONE: E2E_DELEGATION_ZONE,
      ACME_DELEGATION_DNS_PROVIDER: "cloudflare",
      ACME_DELEGATION_DNS_CREDENTIALS: JSON.stringify({ apiToken: E2E_CLOUDFLARE_TOKEN }),
      DEPLOY_API_BASE_URLS: JSON.stringify({ cloudflare: deploy.cloudflareUrl, aws: deploy.acmUrl }),
      // A local run: HTTPS pushes may go to the receiver's http://127.0.0.1 URL (refused in production).
      CERTDESK_ENV: "test",
      ACME_DIRECTORY_URL: caNetwork.directoryUrl,
      // CA_CALLS_BURST and CA_CALLS_PER_HOUR keep their defaults (300, 100): test/e2e/platform-onboarding.test.ts
      // proves a platform's burst passes with them, and test/e2e/fair-use.test.ts spends the whole burst on purpose.
      // Every sweep with a moved clock renews every certificate of the run that is due by then, so one certificate is
      // renewed far more often than 5 times a week here (and Pebble 2.4 has no ARI, so no renewal is exempt). The
      // budget itself: test/unit/limits/order-budget.test.ts and test/unit/issuance/order-budget-issuance.test.ts.
      ACME_ORDERS_PER_NAME_SET_PER_WEEK: "1000",
      TEST_HTTP01_KV_LAG: JSON.stringify({ ms: 600_000, hostSuffix: "kvlag.certdesk.test" }), // test/e2e/http01-kv-lag.test.ts: KV "lags" for names under it
      // `staging: true` orders go to Pebble through the ARI endpoint, so renewal windows can be tested.
      ACME_STAGING_DIRECTORY_URL: ari.directoryUrl,
      // Webhooks may go to the receiver's http://127.0.0.1 URL (a local run only: refused in production).
      ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
    },
  }).catch(async (error) => {
    await Promise.all([cloudflare.close(), ari.close(), caNetwork.close(), deploy.close(), webhooks.close()]);
    throw error;
  });
  pebbleDirectory = environment.values.pebbleDirectoryUrl;
  project.provide("ariControlUrl", ari.controlUrl);
  project.provide("caNetworkUrl", caNetwork.controlUrl);
  project.provide("workerDirectoryUrl", caNetwork.directoryUrl);
  project.provide("deployControlUrl", deploy.controlUrl);
  project.provide("deployPushUrl", deploy.pushUrl);
  project.provide("webhookReceiverUrl", webhooks.baseUrl);
  const { values } = environment;
  cloudflare.setChalltestsrv(values.challtestsrvUrl);
  project.provide("cloudflareApiToken", E2E_CLOUDFLARE_TOKEN);
  project.provide("cloudflareDnsUrl", cloudflare.baseUrl);
  project.provide("delegationZone", E2E_DELEGATION_ZONE);
  project.provide("workerUrl", values.workerUrl);
  project.provide("pebbleDirectoryUrl", values.pebbleDirectoryUrl);
  project.provide("pebbleManagementUrl", values.pebbleManagementUrl);
  project.provide("challtestsrvUrl", values.challtestsrvUrl);
  project.provide("harnessUrl", values.harnessUrl);
  project.provide("dohUrl", values.dohUrl);
  project.provide("adminToken", values.adminToken);
  project.provide("runDir", values.runDir);
  return async function teardown() {
    await environment.stop();
    await Promise.all([cloudflare.close(), ari.close(), caNetwork.close(), deploy.close(), webhooks.close()]);
  };
}
