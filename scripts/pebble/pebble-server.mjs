/** One Pebble process on its own ports (dynamic unless given), restartable with a different environment. */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freeTcpPorts } from "./ports.mjs";
import { httpGet, spawnLogged, stopProcess, waitForHttp } from "./processes.mjs";

export class PebbleServer {
  /**
   * @param {object} options
   * @param {string} options.name        file prefix in runDir (config, log)
   * @param {string} options.runDir
   * @param {{ caCert: string, cert: string, key: string }} options.ca
   * @param {number} options.httpPort    where Pebble sends HTTP-01 validation requests (the Worker's port)
   * @param {string} options.dnsServer   challtestsrv's DNS, host:port
   * @param {string} options.binary      path of pebble
   * @param {Record<string, string>} [options.eabKeys] key id → base64url HMAC key: Pebble then requires External
   *   Account Binding (RFC 8555 §7.3.4) with one of them on every new account
   * @param {{ acme: number, management: number, tls: number }} [options.ports] fixed ports (free ones otherwise)
   */
  constructor({ name, runDir, ca, httpPort, dnsServer, binary, eabKeys, ports }) {
    Object.assign(this, { name, runDir, ca, httpPort, dnsServer, binary, eabKeys, ports });
    this.caPem = readFileSync(ca.caCert);
    this.logFile = join(runDir, `${name}.log`);
    this.configPath = join(runDir, `${name}-config.json`);
    this.process = undefined;
    this.nonceReject = undefined;
  }

  get directoryUrl() {
    return `https://localhost:${this.ports.acme}/dir`;
  }
  get managementUrl() {
    return `https://localhost:${this.ports.management}`;
  }
  get running() {
    return this.process !== undefined && this.process.exitCode === undefined;
  }

  /**
   * Starts Pebble; `nonceReject` sets PEBBLE_WFE_NONCEREJECT (percent, Pebble's default is 5) and
   * `alternateRoots` PEBBLE_ALTERNATE_ROOTS (extra chains, Link rel="alternate"). Ports stay across restarts.
   * `alwaysValid` sets PEBBLE_VA_ALWAYS_VALID=1: for a benchmark's baseline only (bench/acme-server-orders.mjs), never a test.
   */
  async start(options = {}) {
    // Free ports are free when chosen, not when Pebble binds them: another process of a parallel test lane may take
    // one in between, and Pebble then exits at once. Ports chosen here are chosen again (given or kept ones are not).
    const choosing = !this.ports;
    for (let attempt = 1; ; attempt++) {
      if (choosing) {
        const [acme, management, tls] = await freeTcpPorts(3);
        this.ports = { acme, management, tls };
      }
      try {
        return await this.startOnPorts(options);
      } catch (error) {
        const exitedEarly = this.process?.exitCode !== undefined && this.process?.exitCode !== null;
        if (!choosing || !exitedEarly || attempt === 3) throw error;
        this.process = undefined;
      }
    }
  }

  async startOnPorts({ nonceReject, alternateRoots, alwaysValid = false }) {
    this.nonceReject = nonceReject;
    this.alternateRoots = alternateRoots;
    writeFileSync(
      this.configPath,
      JSON.stringify(
        {
          pebble: {
            listenAddress: `127.0.0.1:${this.ports.acme}`,
            managementListenAddress: `127.0.0.1:${this.ports.management}`,
            certificate: this.ca.cert,
            privateKey: this.ca.key,
            httpPort: this.httpPort,
            tlsPort: this.ports.tls,
            ocspResponderURL: "",
            externalAccountBindingRequired: this.eabKeys !== undefined,
            ...(this.eabKeys ? { externalAccountMACKeys: this.eabKeys } : {}),
          },
        },
        null,
        2,
      ),
    );
    const env = { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_AUTHZREUSE: "0" };
    // Never validate without looking: the e2e tests must prove HTTP-01 and DNS-01 really work.
    delete env.PEBBLE_VA_ALWAYS_VALID;
    delete env.PEBBLE_WFE_NONCEREJECT;
    delete env.PEBBLE_ALTERNATE_ROOTS;
    if (nonceReject !== undefined) env.PEBBLE_WFE_NONCEREJECT = String(nonceReject);
    if (alternateRoots) env.PEBBLE_ALTERNATE_ROOTS = String(alternateRoots);
    if (alwaysValid) env.PEBBLE_VA_ALWAYS_VALID = "1";
    this.process = spawnLogged(this.name, this.binary, ["-config", this.configPath, "-dnsserver", this.dnsServer], { env, logFile: this.logFile });
    await waitForHttp(this.directoryUrl, { ca: this.caPem, handle: this.process, timeoutMs: 20_000 });
    await waitForHttp(`${this.managementUrl}/roots/0`, { ca: this.caPem, handle: this.process, timeoutMs: 10_000 });
  }

  async stop() {
    await stopProcess(this.process);
    this.process = undefined;
  }

  /** A new CA (new root, no accounts) on the same ports; keeps alternateRoots unless given. */
  async restart({ nonceReject, alternateRoots = this.alternateRoots, alwaysValid = false } = {}) {
    await this.stop();
    await this.start({ nonceReject, alternateRoots, alwaysValid });
  }

  /** How many orders this Pebble created (across restarts); a newOrder it refused (unknown account, bad nonce) does not count. */
  newOrderCount() {
    if (!existsSync(this.logFile)) return 0;
    return readFileSync(this.logFile, "utf8").split("\n").filter((line) => /Added order "/.test(line)).length;
  }

  /** How much this Pebble has logged (bytes, across restarts): it logs every request it takes, so a change is activity. */
  logBytes() {
    return existsSync(this.logFile) ? statSync(this.logFile).size : 0;
  }

  /** The current root certificate (PEM). */
  async rootPem() {
    return (await httpGet(`${this.managementUrl}/roots/0`, { ca: this.caPem })).body;
  }

  describe() {
    return { directoryUrl: this.directoryUrl, managementUrl: this.managementUrl, running: this.running, nonceReject: this.nonceReject ?? null, alternateRoots: this.alternateRoots ?? 0 };
  }
}
