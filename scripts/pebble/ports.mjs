/**
 * Local ports: free ones picked by the OS, so that concurrent test runs on one machine do not collide, and the check
 * that a given port can be bound now (a fixed port: `npm run start:pebble`, the worker launcher).
 */
import { createSocket } from "node:dgram";
import { connect, createServer } from "node:net";

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A port free for both TCP and UDP (a DNS server listens on both). */
export async function freeTcpUdpPort() {
  for (let tries = 0; tries < 50; tries++) {
    const port = await freeTcpPort();
    if (await udpFree(port)) return port;
  }
  throw new Error("could not find a port free for both TCP and UDP");
}

/** `count` distinct free TCP ports. */
export async function freeTcpPorts(count) {
  const ports = new Set();
  while (ports.size < count) ports.add(await freeTcpPort());
  return [...ports];
}

/** Whether `port` can be bound on `host` now (TCP). */
export function portIsFree(host, port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Whether something accepts TCP connections on `host`:`port` now (a bind probe misses a server on the other loopback). */
export function listening(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** The words for a port that is taken, the same wherever a fixed port is checked. */
export function portInUseMessage(host, port) {
  return `Address already in use (${host}:${port})`;
}

/** Whether `port` can be bound on 127.0.0.1 now for UDP (a DNS server's). */
export function udpFree(port) {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}
