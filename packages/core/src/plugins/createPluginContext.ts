import type { Container } from 'inversify';
import type { Logger } from 'pino';
import { SluiceError, ErrorCodes } from '../errors.js';
import type { HttpRequest } from '../http/HttpRequest.js';
import type { HeaderValue } from '../http/HttpResponse.js';
import type { Router } from '../routing/Router.js';
import type { ServerConfiguration } from '../server/ServerConfiguration.js';
import type { PluginContext } from './SluicePlugin.js';

/** What a host shares with its plugins at `build()`. */
export interface PluginContextParts {
  readonly container: Container;
  readonly router: Router;
  readonly configuration: ServerConfiguration;
  readonly logger: Logger | undefined;
  /** The host's own request class: decorations land on its prototype, so they stay per host. */
  readonly requestClass: abstract new (...args: never[]) => HttpRequest;
  /** Adds the host-wide response headers (CORS, `Connection: close` while stopping). */
  readonly applyHostHeaders: (request: HttpRequest, headers: Record<string, HeaderValue>) => void;
  readonly isStopping: () => boolean;
}

/** The {@link PluginContext} a host hands each plugin's `register`. */
export function createPluginContext(parts: PluginContextParts): PluginContext {
  const prototype = parts.requestClass.prototype as HttpRequest;
  return {
    container: parts.container,
    router: parts.router,
    configuration: parts.configuration,
    logger: parts.logger,
    decorateRequest(name, value) {
      if (Object.prototype.hasOwnProperty.call(prototype, name)) {
        throw new SluiceError(
          ErrorCodes.RequestDecoratorConflict,
          `HttpRequest already has a member named ${String(name)}; two plugins decorate it?`,
        );
      }
      Object.defineProperty(prototype, name, { value, writable: true, configurable: true });
    },
    applyHostHeaders: parts.applyHostHeaders,
    isStopping: parts.isStopping,
  };
}
