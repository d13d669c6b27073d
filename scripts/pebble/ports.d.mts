/** Types for ports.mjs. */
export function freeTcpPort(): Promise<number>;
export function freeTcpUdpPort(): Promise<number>;
export function freeTcpPorts(count: number): Promise<number[]>;
export function portIsFree(host: string, port: number): Promise<boolean>;
export function portInUseMessage(host: string, port: number): string;
export function udpFree(port: number): Promise<boolean>;
export function listening(host: string, port: number, timeoutMs?: number): Promise<boolean>;
