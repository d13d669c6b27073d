#!/usr/bin/env node
/**
 * `npm run deploy`: checks the Worker's secrets, creates or reuses its D1 database, KV namespace and queues, writes
 * wrangler.production.jsonc with their ids, applies the D1 migrations remotely and deploys (scripts/deploy/deploy.mjs).
 * wrangler's own login applies: `npx wrangler login`, or CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID.
 */
import { fileURLToPath } from "node:url";
import { DeployError, deploy } from "./deploy/deploy.mjs";
import { wranglerRunner } from "./deploy/wrangler-runner.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

try {
  const deployed = await deploy({ root, run: wranglerRunner(root) });
  console.log(`Deployed with ${deployed}.`);
} catch (error) {
  if (!(error instanceof DeployError)) throw error;
  console.error(`\n${error.message}`);
  process.exit(1);
}
