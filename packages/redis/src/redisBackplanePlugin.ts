import type { SluicePlugin } from '@sluice/core';
import { EventSourceBackplane } from '@sluice/sse';
import { RedisBackplane } from './RedisBackplane.js';
import { resolveRedisOptions, type RedisBackplaneOptions } from './RedisBackplaneOptions.js';

/**
 * Carries a host's Server-Sent Events between nodes through Redis: with it, the
 * injected `EventSourceRegistry` broadcasts, sends and tells presence across the
 * cluster, and streams resume on any node with `Last-Event-ID`. Add it beside
 * `ssePlugin()`; it connects at `host.start()` and leaves at `host.stop()`.
 *
 * ```ts
 * HttpServer.createBuilder().usePlugin(ssePlugin()).usePlugin(redisBackplane({ url: 'redis://127.0.0.1:6379' }))
 * ```
 */
export function redisBackplane(options: RedisBackplaneOptions): SluicePlugin {
  const resolved = resolveRedisOptions(options);
  return {
    name: 'redis',
    register(context) {
      // One backplane per host: a plugin object used for several hosts gives each its own node.
      context.container.bind(EventSourceBackplane).toConstantValue(new RedisBackplane(resolved));
    },
  };
}
