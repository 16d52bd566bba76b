import { HttpRequest, type EventSchemas, type EventsOf, type SluicePlugin } from '@sluice/core';
import type { Container } from 'inversify';
import { SseErrorCodes, sseError } from './errors.js';
import { EventSourceHub } from './EventSourceHub.js';
import type { AnyEvents, EventMap } from './EventMap.js';
import type { HttpRequestEventSource } from './stream/HttpRequestEventSource.js';
import { ClusterEventSourceRegistry } from './registry/ClusterEventSourceRegistry.js';
import { EventSourceBackplane } from './registry/EventSourceBackplane.js';
import { EventSourceRegistry } from './registry/EventSourceRegistry.js';
import { LocalEventSourceRegistry } from './registry/LocalEventSourceRegistry.js';
import type { StreamIndex } from './registry/StreamIndex.js';
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

  // On an imperative route with `events`, `req.getEventSource()` defaults to their types.
  interface RouteEventsTyping<E extends EventSchemas> {
    getEventSource<TEvents extends EventMap = keyof E extends never ? AnyEvents : EventsOf<E>>(
      identifier?: string,
    ): HttpRequestEventSource<TEvents>;
  }
}

// The declaration above types `getEventSource` on every request; on a host without the plugin,
// this placeholder on the base class says what is missing instead of "not a function". Hosts with
// the plugin get their own member through `decorateRequest` (on their own request subclass).
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

/** One host's SSE state: one plugin object may serve several hosts. */
interface HostState {
  readonly hub: EventSourceHub;
  readonly container: Container;
}

/**
 * Server-Sent Events for a host: binds {@link EventSourceRegistry} in the
 * container, adds `req.getEventSource()`, and ends every stream with a final
 * event at `host.stop()`. When a plugin bound an {@link EventSourceBackplane}
 * (`@sluice/redis`), the registry reaches every node through it, and the
 * backplane starts and stops with the host.
 *
 * ```ts
 * HttpServer.createBuilder().usePlugin(ssePlugin({ maxBufferedBytes: 256 * 1024 }))
 * ```
 */
export function ssePlugin(options?: SsePluginOptions): SluicePlugin {
  const resolved = resolveSseOptions(options);
  const hosts = new WeakMap<object, HostState>();
  return {
    name: 'sse',
    register(context) {
      const { container } = context;
      const hub = new EventSourceHub(resolved, context, () => container.get(EventSourceRegistry) as unknown as StreamIndex);
      hosts.set(container, { hub, container });
      // Resolved on first use, after every plugin registered: a backplane bound by a later plugin counts.
      container
        .bind(EventSourceRegistry)
        .toDynamicValue(() =>
          container.isBound(EventSourceBackplane)
            ? new ClusterEventSourceRegistry(hub, container.get(EventSourceBackplane))
            : new LocalEventSourceRegistry(hub),
        )
        .inSingletonScope();
      context.decorateRequest('getEventSource', function getEventSource<TEvents extends EventMap>(this: HttpRequest, identifier?: string) {
        return hub.create<TEvents>(this, identifier);
      });
    },
    async start(host) {
      const state = hosts.get(host.container);
      if (state === undefined || !host.container.isBound(EventSourceBackplane)) return;
      const registry = host.container.get(EventSourceRegistry);
      await host.container.get(EventSourceBackplane).start(registry as ClusterEventSourceRegistry);
    },
    async stop(host) {
      const state = hosts.get(host.container);
      if (state === undefined) return;
      state.hub.shutdown();
      if (host.container.isBound(EventSourceBackplane)) await host.container.get(EventSourceBackplane).stop();
    },
  };
}
