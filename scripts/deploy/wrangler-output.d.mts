/** Types for wrangler-output.mjs (imported by the Node-side tests). */
export class WranglerOutputError extends Error {}
export function withoutAnsi(text: string): string;
export function parseJsonList(stdout: string, command: string): any[];
export function parseD1List(stdout: string): Map<string, string>;
export function parseKvList(stdout: string): Map<string, string>;
export function parseSecretList(stdout: string): Set<string>;
export function parseQueueTable(stdout: string): string[];
export function isWorkerNotFound(stderr: string): boolean;
