import 'reflect-metadata';
import { HttpServer, type HttpHost } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';
import { ConnectionsController } from './ConnectionsController.js';
import { NotificationService } from './NotificationService.js';
import { NotifyController } from './NotifyController.js';
import { StreamsController } from './StreamsController.js';
import { defaultIdleTimeoutMs, defaultPingIntervalMs, StreamSettings } from './StreamSettings.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Time between pings on a quiet user stream, ms. Default 10 000. */
  pingIntervalMs?: number;
  /** Time without a notification after which a user stream ends, ms. Default 60 000. */
  idleTimeoutMs?: number;
  /** One log line per request (and pino logging); off by default. */
  accessLog?: boolean;
}

/** Builds the sample host; `main.ts` starts it, the tests start it on port 0. */
export function createApp(port: number, options: AppOptions = {}): HttpHost {
  const settings = new StreamSettings(options.pingIntervalMs ?? defaultPingIntervalMs, options.idleTimeoutMs ?? defaultIdleTimeoutMs);
  return HttpServer.createBuilder()
    .useListeningPort(port, '127.0.0.1')
    .useControllers(StreamsController, NotifyController, ConnectionsController)
    .useServices((c) => {
      c.bind(StreamSettings).toConstantValue(settings);
      c.bind(NotificationService).toSelf().inSingletonScope();
    })
    .usePlugin(ssePlugin())
    .useConfiguration((c) => {
      c.accessLog = options.accessLog ?? false;
      if (!options.accessLog) c.logger = false;
    })
    .build();
}
