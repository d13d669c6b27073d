/** Types for ports.mjs (imported from TypeScript tests). */
export function freeTcpPort(): Promise<number>;
export function freeTcpUdpPort(): Promise<number>;
export function freeTcpPorts(count: number): Promise<number[]>;
