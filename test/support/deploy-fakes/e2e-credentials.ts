/** What the e2e deploy targets are created with: test values that only the e2e fakes accept (test/support/deploy-fakes-server.ts). */
export const E2E_DEPLOY = {
  cloudflareToken: "e2e-cloudflare-ssl-token-0123456789abcdef",
  zoneId: "e2e0000000000000000000000000c0de",
  /** The zone every e2e name is in (freshDomain's suffix). */
  zoneName: "certdesk.test",
  awsRegion: "us-east-1",
  awsAccessKeyId: "AKIAE2EDEPLOYTARGET0",
  awsSecretAccessKey: "e2e-secret-access-key-0123456789abcdefghij",
  /** A Standard Webhooks secret: `whsec_` and base64 of 32 bytes. */
  pushSecret: `whsec_${btoa("e2e push signing secret 32 bytes")}`,
} as const;
