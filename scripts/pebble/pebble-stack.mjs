/** pebble-challtestsrv plus the main Pebble, and extra Pebbles on demand (nonce-reject and CA-down tests). */
import { randomBytes } from "node:crypto";
import { freeTcpPort, freeTcpUdpPort } from "./ports.mjs";
import { PebbleServer } from "./pebble-server.mjs";
import { spawnLogged, stopProcess, waitForHttp } from "./processes.mjs";
import { join } from "node:path";

export class PebbleStack {
  /**
   * @param {object} options
   * @param {string} options.runDir   per-run directory (configs, logs)
   * @param {{ caCert: string, cert: string, key: string }} options.ca
   * @param {number} options.httpPort where Pebble sends HTTP-01 validation requests (the Worker's port)
   * @param {{ pebble: string, challtestsrv: string }} options.binaries
   * @param {Record<string, string>} [options.eabKeys] External Account Binding keys every Pebble of the stack requires
   * @param {{ challtestsrv: number, dns: number, pebble: { acme: number, management: number, tls: number } }} [options.fixedPorts]
   *   fixed ports for challtestsrv (management, DNS) and the main Pebble (`npm run start:pebble`); free ones otherwise
   */
  constructor({ runDir, ca, httpPort, binaries, eabKeys, fixedPorts }) {
    Object.assign(this, { runDir, ca, httpPort, binaries, eabKeys, fixedPorts });
    this.challtestsrv = undefined;
    this.main = undefined;
    /** @type {Map<string, PebbleServer>} */
    this.extras = new Map();
  }

  get challtestsrvUrl() {
    return `http://127.0.0.1:${this.ports.challtestsrv}`;
  }
  get dnsServer() {
    return `127.0.0.1:${this.ports.dns}`;
  }

  /** Starts challtestsrv and the main Pebble, which `mainOptions` configures as PebbleServer.start's options do. */
  async start(mainOptions = {}) {
    this.ports = this.fixedPorts ?? { challtestsrv: await freeTcpPort(), dns: await freeTcpUdpPort() };
    // Every name resolves to 127.0.0.1 (so HTTP-01 reaches the Worker); TXT records come from /set-txt.
    this.challtestsrv = spawnLogged(
      "pebble-challtestsrv",
      this.binaries.challtestsrv,
      [
        "-defaultIPv4", "127.0.0.1",
        "-defaultIPv6", "",
        "-dns01", this.dnsServer,
        "-http01", "",
        "-https01", "",
        "-tlsalpn01", "",
        "-management", `127.0.0.1:${this.ports.challtestsrv}`,
      ],
      { logFile: join(this.runDir, "challtestsrv.log") },
    );
    await waitForHttp(`${this.challtestsrvUrl}/`, { handle: this.challtestsrv, timeoutMs: 15_000 });
    this.main = this.newServer("pebble", this.fixedPorts?.pebble);
    await this.main.start(mainOptions);
  }

  /** Another Pebble sharing challtestsrv and the Worker's HTTP-01 port; stop it with stopExtra. */
  async startExtra({ nonceReject, alternateRoots } = {}) {
    const id = randomBytes(4).toString("hex");
    const server = this.newServer(`pebble-extra-${id}`);
    this.extras.set(id, server);
    await server.start({ nonceReject, alternateRoots });
    return { id, ...server.describe() };
  }

  async stopExtra(id, { forget = true } = {}) {
    const server = this.extras.get(id);
    if (!server) return false;
    await server.stop();
    if (forget) this.extras.delete(id);
    return true;
  }

  async stop() {
    await Promise.all([...this.extras.values()].map((s) => s.stop()));
    this.extras.clear();
    await this.main?.stop();
    await stopProcess(this.challtestsrv);
    this.challtestsrv = undefined;
  }

  newServer(name, ports) {
    return new PebbleServer({ name, runDir: this.runDir, ca: this.ca, httpPort: this.httpPort, dnsServer: this.dnsServer, binary: this.binaries.pebble, eabKeys: this.eabKeys, ports });
  }
}
