import { HttpServerBuilder } from './HttpServerBuilder.js';

/**
 * The entry point: `HttpServer.createBuilder()` starts a host's configuration.
 *
 * ```ts
 * const host = HttpServer.createBuilder().useListeningPort(0).useControllers(UsersController).build();
 * await host.start();
 * ```
 */
export class HttpServer {
  private constructor() {}

  static createBuilder(): HttpServerBuilder {
    return new HttpServerBuilder();
  }
}
