import { Container } from 'inversify';
import type { Logger } from 'pino';
import { SluiceError, ErrorCodes } from '../errors.js';
import { HttpRequest } from '../http/HttpRequest.js';
import type { ControllerClass } from '../contracts/ControllerClass.js';
import type { ErrorHandler, RequestHandlerType } from '../contracts/handlers.js';
import { Router } from '../routing/Router.js';
import { RouteMethod } from '../routing/RouteMethod.js';
import { joinRoutePaths } from '../routing/parseRoutePath.js';
import { createStaticFilesHandler, type StaticFilesOptions } from '../static/staticFiles.js';
import { compileController } from '../pipeline/compileController.js';
import { ErrorResponder } from '../pipeline/ErrorResponder.js';
import { RequestDispatcher, type RequestClass } from '../pipeline/RequestDispatcher.js';
import { ResponseWriter } from '../pipeline/ResponseWriter.js';
import { RouteChainCompiler } from '../pipeline/RouteChainCompiler.js';
import { createLogger } from '../server/createLogger.js';
import type { Http2Options } from '../contracts/Http2Options.js';
import { createHttp1Server } from '../server/http1Server.js';
import { createHttp2Server } from '../server/http2Server.js';
import { HttpHost } from '../server/HttpHost.js';
import { ServerConfiguration, validateConfiguration } from '../server/ServerConfiguration.js';
import type { SluicePlugin } from '../plugins/SluicePlugin.js';
import { createPluginContext } from '../plugins/createPluginContext.js';
import { pluginLifecycle } from '../plugins/pluginLifecycle.js';

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
  #http2: Http2Options | undefined;
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

  /**
   * Serves HTTP/2: over TLS with a certificate (`h2` by ALPN; HTTP/1.1 clients on
   * the same port too unless `allowHTTP1: false`), or `{ cleartext: true }` for h2c
   * with prior knowledge (tests, behind a TLS-terminating proxy). Every stream of
   * a session shares one connection, so a browser is not held to six event streams.
   *
   * ```ts
   * const tls = { key: readFileSync('dev-key.pem'), cert: readFileSync('dev-cert.pem') };
   * HttpServer.createBuilder().useListeningPort(8443).useHttp2(tls).build();
   * ```
   */
  useHttp2(options: Http2Options): this {
    if (options.cleartext !== true && (options.key === undefined || options.cert === undefined)) {
      throw new SluiceError(
        ErrorCodes.InvalidConfiguration,
        'useHttp2 needs a key and a cert (PEM) for HTTP/2 over TLS, or { cleartext: true } for h2c',
      );
    }
    const streams = options.maxConcurrentStreams;
    if (streams !== undefined && (!Number.isInteger(streams) || streams < 1 || streams > 2 ** 31 - 1)) {
      throw new SluiceError(ErrorCodes.InvalidConfiguration, `maxConcurrentStreams must be a positive integer, got ${String(streams)}`);
    }
    this.#http2 = options;
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

    const configuration = this.#configuration();
    const container = this.#container ?? new Container();
    for (const configure of this.#serviceConfigurators) configure(container);
    const logger = createLogger(configuration.logger);
    const state = { stopping: false };
    const isStopping = (): boolean => state.stopping;
    const writer = new ResponseWriter({ cors: configuration.cors, compression: configuration.compression, isStopping });
    // Each host gets its own request class, so plugin decorations stay per host.
    const requestClass: RequestClass = class SluiceRequest extends HttpRequest {};
    const router = new Router(new RouteChainCompiler(container, this.#handlers));

    const context = createPluginContext({
      container,
      router,
      configuration,
      logger,
      requestClass,
      applyHostHeaders: (request, headers) => writer.decorateHeaders(request, headers),
      isStopping,
    });
    for (const plugin of this.#plugins) plugin.register?.(context);
    this.#addRoutes(router, container);
    for (const plugin of this.#plugins) plugin.ready?.(context);

    const dispatcher = this.#dispatcher(configuration, router, requestClass, writer, logger);
    const nodeServer =
      this.#http2 === undefined
        ? createHttp1Server({ ...configuration, logger, handle: dispatcher.handle })
        : createHttp2Server({ ...configuration, http2: this.#http2, logger, handle: dispatcher.handle });
    return new HttpHost({
      nodeServer,
      container,
      router,
      configuration,
      logger,
      lifecycle: pluginLifecycle([...this.#plugins], logger),
      listen: { port: this.#port, hostname: this.#hostname },
      state,
    });
  }

  #configuration(): ServerConfiguration {
    const configuration = new ServerConfiguration();
    for (const configure of this.#configurators) configure(configuration);
    validateConfiguration(configuration);
    return configuration;
  }

  /** Controllers (resolved from the container once, here) and static file mounts. */
  #addRoutes(router: Router, container: Container): void {
    for (const controller of this.#controllers) compileController(controller, container, router);
    for (const { urlPrefix, directory, options } of this.#staticFiles) {
      const handler = createStaticFilesHandler(directory, options);
      router.route(RouteMethod.Get, joinRoutePaths(urlPrefix, '*'), handler, {
        name: `static files ${urlPrefix} → ${directory}`,
        hidden: true,
      });
    }
  }

  #dispatcher(
    configuration: ServerConfiguration,
    router: Router,
    requestClass: RequestClass,
    writer: ResponseWriter,
    logger: Logger | undefined,
  ): RequestDispatcher {
    return new RequestDispatcher({
      router,
      requestClass,
      settings: {
        maxBodySize: configuration.maxBodySize,
        trustProxy: configuration.trustProxy,
        requestIdHeader: configuration.requestIdHeader?.toLowerCase(),
      },
      writer,
      errors: new ErrorResponder(writer, logger, this.#errorHandler),
      cors: configuration.cors,
      requestTimeout: configuration.requestTimeout,
      accessLogger: configuration.accessLog ? logger : undefined,
    });
  }
}
