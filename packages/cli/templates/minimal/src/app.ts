import 'reflect-metadata';
import { HttpServer, type HttpHost } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';
import { HelloController } from './HelloController.js';

/** Where the app listens, and whether it logs. */
export interface AppOptions {
  /** 0 (the default) picks a free port: read it from `host.url` after `start()`. */
  port?: number;
  hostname?: string;
  /** Access log and pino logging on stdout. Off by default, for tests. */
  logging?: boolean;
}

/** Builds the app's host: `main.ts` starts it, the tests start their own. */
export function createApp({ port = 0, hostname = '127.0.0.1', logging = false }: AppOptions = {}): HttpHost {
  return HttpServer.createBuilder()
    .useListeningPort(port, hostname)
    .useControllers(HelloController)
    .usePlugin(ssePlugin())
    .useConfiguration((c) => {
      c.accessLog = logging;
      if (!logging) c.logger = false;
    })
    .build();
}
