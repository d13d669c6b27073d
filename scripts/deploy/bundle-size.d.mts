/** Types for bundle-size.mjs (imported by the Node-side tests). */
export const WORKER_SIZE_LIMITS: { free: number; paid: number };

export interface BundleModule {
  name: string;
  bytes: number;
  gzipBytes: number;
}

export interface DryRunBundle {
  ok: boolean;
  output: string;
  total: number;
  gzip: number;
  modules: BundleModule[];
}

export function dryRunBundle(options: { root: string; outdir: string; configFile?: string }): DryRunBundle;
export function formatBytes(bytes: number): string;
