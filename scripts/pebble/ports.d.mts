/** Types for ports.mjs. */
export function freeTcpPort(): Promise<number>;
export function freeTcpUdpPort(): Promise<number>;
export function freeTcpPorts(count: number): Promise<number[]>;
