import type { Logger } from 'pino';
import type { HostLifecycle, HttpHost } from '../server/HttpHost.js';
import type { SluicePlugin } from './SluicePlugin.js';

/**
 * The host's lifecycle hooks for its plugins: `start` in order after the host
 * listens, `stop` in reverse order when it stops. Failures are contained here:
 * logged with the plugin's name; a failed `start` fails `host.start()`, a failed
 * `stop` does not keep the others (or the host) from stopping.
 */
export function pluginLifecycle(plugins: readonly SluicePlugin[], logger: Logger | undefined): HostLifecycle {
  return {
    async started(host: HttpHost): Promise<void> {
      for (const plugin of plugins) {
        try {
          await plugin.start?.(host);
        } catch (error) {
          logger?.error({ err: error, plugin: plugin.name }, 'plugin failed to start');
          throw error;
        }
      }
    },
    async stopping(host: HttpHost): Promise<void> {
      for (const plugin of [...plugins].reverse()) {
        try {
          await plugin.stop?.(host);
        } catch (error) {
          logger?.error({ err: error, plugin: plugin.name }, 'plugin failed to stop');
        }
      }
    },
  };
}
