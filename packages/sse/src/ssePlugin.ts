import { HttpRequest, type SluicePlugin } from '@sluice/core';
import { SseErrorCodes, sseError } from './errors.js';
import { EventSourceHub } from './EventSourceHub.js';
import { EventSourceRegistry } from './EventSourceRegistry.js';
import type { AnyEvents, EventMap, HttpRequestEventSource } from './HttpRequestEventSource.js';
import { resolveSseOptions, type SsePluginOptions } from './SsePluginOptions.js';

declare module '@sluice/core' {
  interface HttpRequest {
    /**
     * Turns this request into a Server-Sent Events stream. With an identifier,
     * the stream is reachable through `EventSourceRegistry.getByIdentifier` once
     * its head is sent. Needs `usePlugin(ssePlugin())`.
     */
    getEventSource<TEvents extends EventMap = AnyEvents>(identifier?: string): HttpRequestEventSource<TEvents>;
  }
}

// On a host without the plugin, say what is missing instead of "not a function".
if (!Object.prototype.hasOwnProperty.call(HttpRequest.prototype, 'getEventSource')) {
  Object.defineProperty(HttpRequest.prototype, 'getEventSource', {
    value: function getEventSource(): never {
      throw sseError(
        SseErrorCodes.PluginMissing,
        'req.getEventSource() needs the SSE plugin: add .usePlugin(ssePlugin()) to the host builder.',
      );
    },
    writable: true,
    configurable: true,
  });
}

/**
 * Server-Sent Events for a host: binds {@link EventSourceRegistry} in the
 * container, adds `req.getEventSource()`, and ends every stream with a final
 * event at `host.stop()`.
 *
 * ```ts
 * HttpServer.createBuilder().usePlugin(ssePlugin({ maxBufferedBytes: 256 * 1024 }))
 * ```
 */
export function ssePlugin(options?: SsePluginOptions): SluicePlugin {
  const resolved = resolveSseOptions(options);
  // One hub per host (keyed by its container), so one plugin object can serve several hosts.
  const hubs = new WeakMap<object, EventSourceHub>();
  return {
    name: 'sse',
    register(context) {
      const hub = new EventSourceHub(resolved, context);
      hubs.set(context.container, hub);
      const registry = new EventSourceRegistry(hub);
      context.container.bind(EventSourceRegistry).toConstantValue(registry);
      const owner = hub;
      context.decorateRequest('getEventSource', function getEventSource<TEvents extends EventMap>(this: HttpRequest, identifier?: string) {
        return owner.create<TEvents>(this, identifier);
      });
    },
    stop(host) {
      hubs.get(host.container)?.shutdown();
    },
  };
}
