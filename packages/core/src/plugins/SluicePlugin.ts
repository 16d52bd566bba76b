import type { Container } from 'inversify';
import type { Logger } from 'pino';
import type { HttpRequest } from '../http/HttpRequest.js';
import type { HeaderValue } from '../http/HttpResponse.js';
import type { Router } from '../routing/Router.js';
import type { ServerConfiguration } from '../server/ServerConfiguration.js';
import type { HttpHost } from '../server/HttpHost.js';

/**
 * A package that extends a host: `@sluice/sse` is one. Plugins are registered
 * with `usePlugin(...)` and called in that order at `build()`, `start()` and
 * (in reverse order) `stop()`.
 *
 * ```ts
 * const healthPlugin: SluicePlugin = {
 *   name: 'health',
 *   register(ctx) { ctx.router.get('/health', () => ({ ok: true })); },
 * };
 * ```
 */
export interface SluicePlugin {
  /** Shown in logs and errors. */
  readonly name: string;
  /**
   * At `build()`, before controllers are resolved: bind services, add routes, decorate
   * requests. A throw fails `build()` (a `SluiceError` naming the plugin, the cause kept).
   */
  register?(context: PluginContext): void;
  /**
   * At `build()`, after every route is in the router (controllers, static files,
   * the routes plugins added in `register`): read the finished routing table
   * (`context.router.routes()`), e.g. to build an API document once. A throw fails `build()`.
   */
  ready?(context: PluginContext): void;
  /**
   * After the host is listening. A throw (or rejection) is logged with the plugin's
   * name, the host is stopped (nothing is left listening) and `start()` rejects with it.
   */
  start?(host: HttpHost): void | Promise<void>;
  /**
   * At `stop()`, once the host no longer accepts connections and before it waits
   * for in-flight requests: end long-lived responses (streams) here. A throw is
   * logged with the plugin's name; the other plugins still stop, and so does the host.
   */
  stop?(host: HttpHost): void | Promise<void>;
}

/** What a plugin can reach at `build()`. */
export interface PluginContext {
  /** The host's container: bind the plugin's services here. */
  readonly container: Container;
  readonly router: Router;
  readonly configuration: Readonly<ServerConfiguration>;
  /** The host's logger, undefined when logging is off. */
  readonly logger: Logger | undefined;
  /**
   * Adds a member to this host's requests (a method, usually). Type it for
   * users with declaration merging on `HttpRequest`:
   *
   * ```ts
   * declare module '@sluice/core' { interface HttpRequest { getEventSource(id?: string): EventSource } }
   * ```
   */
  decorateRequest<K extends keyof HttpRequest>(name: K, value: HttpRequest[K]): void;
  /**
   * Adds the host-wide response headers (CORS for allowed origins, `Connection:
   * close` while stopping) to headers a plugin writes itself.
   */
  applyHostHeaders(request: HttpRequest, headers: Record<string, HeaderValue>): void;
  /** True once `stop()` has begun. */
  isStopping(): boolean;
}
