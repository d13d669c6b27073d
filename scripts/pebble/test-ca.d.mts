/** Types for test-ca.mjs (imported from the TypeScript e2e setup). */
export interface TestCaPaths {
  dir: string;
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}
export const REPO_ROOT: string;
export const PEBBLE_TMP: string;
export function testCaPaths(dir?: string): TestCaPaths;
export function ensureTestCa(): TestCaPaths;
