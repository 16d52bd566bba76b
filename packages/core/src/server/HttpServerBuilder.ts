import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { Container, type Newable } from 'inversify';
import { SluiceError, ErrorCodes } from '../errors.js';
import { HttpRequest, type RequestSettings } from '../http/HttpRequest.js';
import type { HeaderValue } from '../http/HttpResponse.js';
import type { PluginContext, SluicePlugin } from '../plugins.js';
import { Router } from '../routing/Router.js';
import { RouteMethod } from '../routing/RouteMethod.js';
import { joinRoutePaths } from '../routing/parseRoutePath.js';
import { compileController, type ControllerClass } from '../pipeline/compileController.js';
import { ErrorResponder } from '../pipeline/ErrorResponder.js';
import { RequestDispatcher } from '../pipeline/RequestDispatcher.js';
import type { ErrorHandler, RequestHandler, RequestHandlerType } from '../pipeline/RequestHandler.js';
import { ResponseWriter } from '../pipeline/ResponseWriter.js';
import { createStaticFilesHandler, type StaticFilesOptions } from '../static/staticFiles.js';
import { createLogger } from './createLogger.js';
import { HttpHost } from './HttpHost.js';
import { ServerConfiguration } from './ServerConfiguration.js';

/**
 * Configures a host step by step; `build()` wires everything once (routes,
 * handler chains, DI resolution), so a request does no setup work.
 */
export class HttpServerBuilder {
  #port = 3000;
  #hostname = '127.0.0.1';
  readonly #controllers: ControllerClass[] = [];
  readonly #serviceConfigurators: Array<(container: Container) => void> = [];
  readonly #configurators: Array<(configuration: ServerConfiguration) => void> = [];
  readonly #plugins: SluicePlugin[] = [];
  readonly #handlers: RequestHandlerType[] = [];
  readonly #staticFiles: Array<{ urlPrefix: string; directory: string; options?: StaticFilesOptions }> = [];
  #container: Container | undefined;
  #errorHandler: ErrorHandler | undefined;
  #built = false;

  /** Where to listen; port 0 picks a free port (read it from `host.url` after `start()`). Default `3000` on `127.0.0.1`. */
  useListeningPort(port: number, hostname = '127.0.0.1'): this {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new SluiceError(ErrorCodes.InvalidConfiguration, `Port must be an integer from 0 to 65535, got ${port}`);
    }
    this.#port = port;
    this.#hostname = hostname;
    return this;
  }

  /** Controller classes (`@injectable()`, with `@Route...` methods). */
  useControllers(...controllers: ControllerClass[]): this {
    this.#controllers.push(...controllers);
    return this;
  }

  /** Binds services in the host's inversify container. */
  useServices(configure: (container: Container) => void): this {
    this.#serviceConfigurators.push(configure);
    return this;
  }

  /** Uses your own inversify container instead of a new one. */
  useContainer(container: Container): this {
    this.#container = container;
    return this;
  }

  /** Adds a plugin (e.g. `ssePlugin()`). */
  usePlugin(plugin: SluicePlugin): this {
    this.#plugins.push(plugin);
    return this;
  }

  /** Changes limits, timeouts, CORS, logging... (see {@link ServerConfiguration}). */
  useConfiguration(configure: (configuration: ServerConfiguration) => void): this {
    this.#configurators.push(configure);
    return this;
  }

  /** Request handlers around every route of the host, outside the controllers' own. */
  useHandlers(...handlers: RequestHandlerType[]): this {
    this.#handlers.push(...handlers);
    return this;
  }

  /** Shapes error responses (404, 405, `HttpError`s, exceptions). */
  useErrorHandler(handler: ErrorHandler): this {
    this.#errorHandler = handler;
    return this;
  }

  /** Serves the files under `directory` at `urlPrefix` (GET and HEAD). */
  useStaticFiles(urlPrefix: string, directory: string, options?: StaticFilesOptions): this {
    this.#staticFiles.push({ urlPrefix, directory, options });
    return this;
  }

  /** Wires the host. Throws on a route conflict or a controller that cannot be resolved. */
  build(): HttpHost {
    if (this.#built)
      throw new SluiceError(ErrorCodes.HostState, 'build() was already called on this builder; create a new builder per host.');
    this.#built = true;

    const configuration = new ServerConfiguration();
    for (const configure of this.#configurators) configure(configuration);
    validate(configuration);

    const container = this.#container ?? new Container();
    for (const configure of this.#serviceConfigurators) configure(container);
    const logger = createLogger(configuration.logger);
    const state = { stopping: false };
    const isStopping = (): boolean => state.stopping;

    // Each host gets its own request class, so plugin decorations stay per host.
    const RequestClass = class SluiceRequest extends HttpRequest {};
    const writer = new ResponseWriter({ cors: configuration.cors, compression: configuration.compression, isStopping });

    const resolvedHandlers = new Map<Newable<RequestHandler>, RequestHandler>();
    const resolveHandlers = (types: readonly RequestHandlerType[]): RequestHandler[] =>
      types.map((type) => {
        if (typeof type !== 'function') return type;
        let handler: RequestHandler | undefined = resolvedHandlers.get(type);
        if (handler === undefined) {
          if (!container.isBound(type)) container.bind(type).toSelf().inSingletonScope();
          try {
            handler = container.get<RequestHandler>(type);
          } catch (error) {
            throw new SluiceError(
              ErrorCodes.UnresolvedDependency,
              `Cannot create request handler ${type.name}: ${(error as Error).message}`,
              {
                cause: error,
              },
            );
          }
          resolvedHandlers.set(type, handler);
        }
        return handler;
      });
    const router = new Router(resolveHandlers, resolveHandlers(this.#handlers));

    const context: PluginContext = {
      container,
      router,
      configuration,
      logger,
      decorateRequest(name, value) {
        if (Object.prototype.hasOwnProperty.call(RequestClass.prototype, name)) {
          throw new SluiceError(
            ErrorCodes.RequestDecoratorConflict,
            `HttpRequest already has a member named ${String(name)}; two plugins decorate it?`,
          );
        }
        Object.defineProperty(RequestClass.prototype, name, { value, writable: true, configurable: true });
      },
      applyHostHeaders(request, headers: Record<string, HeaderValue>) {
        writer.decorateHeaders(request, headers);
      },
      isStopping,
    };
    for (const plugin of this.#plugins) plugin.register?.(context);

    for (const controller of this.#controllers) compileController(controller, container, router, resolveHandlers);
    for (const { urlPrefix, directory, options } of this.#staticFiles) {
      const handler = createStaticFilesHandler(directory, options);
      router.route(RouteMethod.Get, joinRoutePaths(urlPrefix, '*'), handler, { name: `static files ${urlPrefix} → ${directory}` });
    }

    const settings: RequestSettings = {
      maxBodySize: configuration.maxBodySize,
      trustProxy: configuration.trustProxy,
      requestIdHeader: configuration.requestIdHeader?.toLowerCase(),
    };
    const dispatcher = new RequestDispatcher({
      router,
      requestClass: RequestClass,
      settings,
      writer,
      errors: new ErrorResponder(writer, logger, this.#errorHandler),
      cors: configuration.cors,
      requestTimeout: configuration.requestTimeout,
      accessLogger: configuration.accessLog ? logger : undefined,
    });

    const shortest = Math.min(configuration.headersTimeout || Infinity, configuration.requestTimeout || Infinity);
    const server = createServer(
      {
        maxHeaderSize: configuration.maxHeaderSize,
        headersTimeout: configuration.headersTimeout,
        requestTimeout: configuration.requestTimeout,
        keepAliveTimeout: configuration.keepAliveTimeout,
        // Node checks header/request timeouts on this interval (30 s by default): keep it
        // a fraction of the shortest timeout so a slowloris client is cut near its deadline.
        connectionsCheckingInterval: Number.isFinite(shortest) ? Math.max(25, Math.min(1000, Math.floor(shortest / 4))) : 30_000,
      },
      dispatcher.handle,
    );
    server.keepAliveTimeout = configuration.keepAliveTimeout;
    // Tracked per connection (not per request) so stop() can close sockets that never sent
    // a byte: node's closeIdleConnections() only sees connections that had a request.
    const connections = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      // node answers protocol errors itself (400, 408, 431) when we let it; log at debug only.
      logger?.debug({ err: error }, 'client error');
      if (!socket.writable || error.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const status =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });

    return new HttpHost({
      server,
      container,
      router,
      configuration,
      logger,
      plugins: [...this.#plugins],
      dispatcher,
      listen: { port: this.#port, hostname: this.#hostname },
      connections,
      state,
    });
  }
}

function validate(c: ServerConfiguration): void {
  const nonNegative: Array<keyof ServerConfiguration> = [
    'maxBodySize',
    'maxHeaderSize',
    'headersTimeout',
    'requestTimeout',
    'keepAliveTimeout',
    'shutdownGracePeriod',
  ];
  for (const key of nonNegative) {
    const value = c[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new SluiceError(
        ErrorCodes.InvalidConfiguration,
        `Configuration ${key} must be a non-negative number of ${key.endsWith('Size') ? 'bytes' : 'ms'}, got ${String(value)}`,
      );
    }
  }
  if (c.requestTimeout > 0 && c.headersTimeout > c.requestTimeout) {
    throw new SluiceError(
      ErrorCodes.InvalidConfiguration,
      `headersTimeout (${c.headersTimeout} ms) must not exceed requestTimeout (${c.requestTimeout} ms)`,
    );
  }
}
