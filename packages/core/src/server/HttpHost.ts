import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Container } from 'inversify';
import type { Logger } from 'pino';
import { SluiceError, ErrorCodes } from '../errors.js';
import type { Router } from '../routing/Router.js';
import type { ServerConfiguration } from './ServerConfiguration.js';
import type { HostServer, NodeServer } from './NodeServer.js';
import type { InjectOptions, InjectResponse } from './inject.js';

/**
 * What runs beside the host's own start and stop (the plugins' hooks). Each
 * contains and logs its callbacks' failures; `started` rejects to fail `start()`.
 */
export interface HostLifecycle {
  /** After the host listens; a rejection makes `start()` stop the host and reject. */
  started(host: HttpHost): Promise<void>;
  /** Once the host stopped accepting, before it waits for in-flight requests; never rejects. */
  stopping(host: HttpHost): Promise<void>;
}

/** What the builder hands the host. */
export interface HttpHostParts {
  readonly nodeServer: NodeServer;
  readonly container: Container;
  readonly router: Router;
  readonly configuration: ServerConfiguration;
  readonly logger: Logger | undefined;
  readonly lifecycle: HostLifecycle;
  readonly listen: { readonly port: number; readonly hostname: string };
  readonly state: { stopping: boolean };
}

/**
 * A built server: `start()` it, read `url`, `stop()` it gracefully.
 * Made by `HttpServer.createBuilder()...build()`.
 */
export class HttpHost {
  /** The host's inversify container. */
  readonly container: Container;
  /** The routing table; imperative routes can be added at any time. */
  readonly router: Router;
  readonly configuration: Readonly<ServerConfiguration>;
  /** The host's pino logger (undefined when logging is off). */
  readonly logger: Logger | undefined;
  /**
   * The underlying node server: node:http's `Server`, or with `useHttp2(...)`
   * node:http2's `Http2SecureServer` (TLS) or `Http2Server` (h2c).
   */
  readonly server: HostServer;

  readonly #parts: HttpHostParts;
  #url: string | undefined;
  #port: number | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(parts: HttpHostParts) {
    this.#parts = parts;
    this.container = parts.container;
    this.router = parts.router;
    this.configuration = parts.configuration;
    this.logger = parts.logger;
    this.server = parts.nodeServer.server;
  }

  /** The base URL once started, e.g. `http://127.0.0.1:54321` (`https://...` for HTTP/2 over TLS). */
  get url(): string {
    if (this.#url === undefined) throw new SluiceError(ErrorCodes.HostState, 'host.url is known once start() has resolved.');
    return this.#url;
  }

  /** The port listened on (the real one when 0 was asked for). */
  get port(): number {
    if (this.#port === undefined) throw new SluiceError(ErrorCodes.HostState, 'host.port is known once start() has resolved.');
    return this.#port;
  }

  /** True once `stop()` has begun. */
  get isStopping(): boolean {
    return this.#parts.state.stopping;
  }

  /**
   * Listens, then starts the plugins. Calling it again while the host runs
   * returns the same promise; after `stop()` it rejects with `SLUICE_HOST_STATE`.
   */
  start(): Promise<void> {
    if (this.#stopping)
      return Promise.reject(new SluiceError(ErrorCodes.HostState, 'A stopped host cannot be started again; build a new one.'));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#stopping) throw new SluiceError(ErrorCodes.HostState, 'A stopped host cannot be started again; build a new one.');
    const { nodeServer, listen } = this.#parts;
    const server = nodeServer.server;
    server.listen(listen.port, listen.hostname);
    await once(server, 'listening');
    const address = server.address() as AddressInfo;
    this.#port = address.port;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `${nodeServer.scheme}://${host}:${address.port}`;
    try {
      await this.#parts.lifecycle.started(this);
    } catch (error) {
      // A failed start leaves nothing listening: stop what was started, then reject.
      this.#stopping ??= this.#stop(false);
      await this.#stopping;
      throw error;
    }
    this.logger?.info({ url: this.#url }, 'listening');
  }

  /**
   * Graceful shutdown: stop accepting, close idle keep-alive connections (also
   * ones that never sent a request), let plugins end their streams, wait for
   * in-flight requests up to `shutdownGracePeriod`, then destroy what is left.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(waitForStart = true): Promise<void> {
    const { nodeServer, lifecycle, state, configuration } = this.#parts;
    const server = nodeServer.server;
    state.stopping = true;
    if (waitForStart && this.#starting) await this.#starting.catch(() => undefined);
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.#closeIdle();
    await lifecycle.stopping(this);
    // Connections finish their current response and then fall idle; closing the
    // idle ones as they appear lets `closed` resolve without waiting for keep-alive timeouts.
    const sweep = setInterval(() => this.#closeIdle(), 20);
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<'grace'>((resolve) => {
      graceTimer = setTimeout(resolve, configuration.shutdownGracePeriod, 'grace');
    });
    try {
      this.#closeIdle();
      if ((await Promise.race([closed, grace])) === 'grace') {
        this.logger?.warn('shutdown grace period over: closing the remaining connections');
        nodeServer.closeAllConnections();
        await closed;
      }
    } finally {
      clearInterval(sweep);
      clearTimeout(graceTimer);
    }
  }

  #closeIdle(): void {
    this.#parts.nodeServer.closeIdleConnections();
  }

  /**
   * Runs a request through the whole pipeline without a socket (for tests), in
   * the host's protocol (HTTP/2 for a `useHttp2` host, over h2c in memory):
   *
   * ```ts
   * const res = await host.inject({ method: 'GET', url: '/users/42' });
   * expect(res.status).toBe(200);
   * expect(res.json()).toEqual({ id: '42' });
   * ```
   */
  inject(options: InjectOptions): Promise<InjectResponse> {
    return this.#parts.nodeServer.inject(options);
  }
}
