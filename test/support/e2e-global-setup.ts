/**
 * vitest globalSetup of the e2e project (runs in Node): starts pebble-challtestsrv, Pebble, `wrangler dev`
 * of this Worker and the harness server, provides their URLs to the tests, and stops them all afterwards.
 */
import type { TestProject } from "vitest/node";
import { startE2eEnvironment } from "../../scripts/pebble/e2e-environment.mjs";
import "./pebble-context";
import { E2E_CLOUDFLARE_TOKEN, startCloudflareFakeServer } from "./cloudflare-fake-server";
import { startAriProxyServer } from "./ari-proxy-server";

export default async function setup(project: TestProject) {
  const cloudflare = await startCloudflareFakeServer();
  let pebbleDirectory = "";
  const ari = await startAriProxyServer(() => pebbleDirectory);
  const environment = await startE2eEnvironment({
    issuanceWaitSeconds: Number(process.env.E2E_ISSUANCE_WAIT_SECONDS ?? 20),
    extraVars: {
      DNS_API_BASE_URLS: JSON.stringify({ cloudflare: cloudflare.baseUrl }),
      // `staging: true` orders go to Pebble through the ARI endpoint, so renewal windows can be tested.
      ACME_STAGING_DIRECTORY_URL: ari.directoryUrl,
    },
  }).catch(async (error) => {
    await Promise.all([cloudflare.close(), ari.close()]);
    throw error;
  });
  pebbleDirectory = environment.values.pebbleDirectoryUrl;
  project.provide("ariControlUrl", ari.controlUrl);
  const { values } = environment;
  cloudflare.setChalltestsrv(values.challtestsrvUrl);
  project.provide("cloudflareApiToken", E2E_CLOUDFLARE_TOKEN);
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
    await Promise.all([cloudflare.close(), ari.close()]);
  };
}
