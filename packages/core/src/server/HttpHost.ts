import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import type { Container } from 'inversify';
import type { Logger } from 'pino';
import { SluiceError, ErrorCodes } from '../errors.js';
import type { SluicePlugin } from '../plugins.js';
import type { Router } from '../routing/Router.js';
import type { RequestDispatcher } from '../pipeline/RequestDispatcher.js';
import type { ServerConfiguration } from './ServerConfiguration.js';
import { injectRequest, type InjectOptions, type InjectResponse } from '../testing/inject.js';

/** What the builder hands the host. */
export interface HttpHostParts {
  readonly server: Server;
  readonly container: Container;
  readonly router: Router;
  readonly configuration: ServerConfiguration;
  readonly logger: Logger | undefined;
  readonly plugins: readonly SluicePlugin[];
  readonly dispatcher: RequestDispatcher;
  readonly listen: { readonly port: number; readonly hostname: string };
  readonly state: { stopping: boolean };
  /** Open connections, for closing the ones that never sent a request. */
  readonly connections: ReadonlySet<Socket>;
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
  /** The underlying node:http server. */
  readonly server: Server;

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
    this.server = parts.server;
  }

  /** The base URL once started, e.g. `http://127.0.0.1:54321`. */
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
    const { server, listen } = this.#parts;
    server.listen(listen.port, listen.hostname);
    await once(server, 'listening');
    const address = server.address() as AddressInfo;
    this.#port = address.port;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `http://${host}:${address.port}`;
    for (const plugin of this.#parts.plugins) await plugin.start?.(this);
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

  async #stop(): Promise<void> {
    const { server, plugins, state, configuration } = this.#parts;
    state.stopping = true;
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.#closeIdle();
    for (const plugin of [...plugins].reverse()) {
      try {
        await plugin.stop?.(this);
      } catch (error) {
        this.logger?.error({ err: error, plugin: plugin.name }, 'plugin failed to stop');
      }
    }
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
        server.closeAllConnections();
        await closed;
      }
    } finally {
      clearInterval(sweep);
      clearTimeout(graceTimer);
    }
  }

  #closeIdle(): void {
    this.#parts.server.closeIdleConnections();
    for (const socket of this.#parts.connections) {
      if (socket.bytesRead === 0) socket.destroy();
    }
  }

  /**
   * Runs a request through the whole pipeline without a socket (for tests):
   *
   * ```ts
   * const res = await host.inject({ method: 'GET', url: '/users/42' });
   * expect(res.status).toBe(200);
   * expect(res.json()).toEqual({ id: '42' });
   * ```
   */
  inject(options: InjectOptions): Promise<InjectResponse> {
    return injectRequest(this.server, options);
  }
}
