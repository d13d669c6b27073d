/** Types for config.mjs (imported by the Node-side tests). */
export const PRODUCTION_CONFIG: string;

export interface DeployConfig {
  raw: Record<string, any>;
  workerName: string;
  d1: { binding: string; name: string }[];
  kv: { binding: string; title: string }[];
  queues: string[];
}

export function readDeployConfig(configPath: string): DeployConfig;
export function kvTitle(workerName: string, binding: string): string;
export function withResourceIds(raw: Record<string, any>, ids: { d1Ids: Map<string, string>; kvIds: Map<string, string> }): Record<string, any>;
export function writeProductionConfig(path: string, config: Record<string, any>, sourcePath: string): void;
