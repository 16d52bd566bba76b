import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { HttpServer, type HttpHost } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';
import { MessageBoard } from './MessageBoard.js';
import { MessagesController } from './MessagesController.js';

/** The page, beside `src/` and `dist/`. */
const publicDirectory = fileURLToPath(new URL('../public', import.meta.url));

/** Where the app listens, and whether it logs. */
export interface AppOptions {
  /** 0 (the default) picks a free port: read it from `host.url` after `start()`. */
  port?: number;
  hostname?: string;
  /**
   * Access log and pino logging on stdout: `json` (one JSON object a line, for log
   * collectors), `pretty` (readable, through pino-pretty, a dev dependency), or `false`
   * (the default, for tests).
   */
  logging?: 'json' | 'pretty' | false;
}

/** Builds the app's host: `main.ts` starts it, the tests start their own. */
export function createApp({ port = 0, hostname = '127.0.0.1', logging = false }: AppOptions = {}): HttpHost {
  return HttpServer.createBuilder()
    .useListeningPort(port, hostname)
    .useControllers(MessagesController)
    .useServices((c) => {
      c.bind(MessageBoard).toSelf().inSingletonScope();
    })
    .usePlugin(ssePlugin())
    .useStaticFiles('/', publicDirectory)
    .useConfiguration((c) => {
      c.accessLog = logging !== false;
      if (logging === false) c.logger = false;
      else if (logging === 'pretty') c.logger = { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname' } } };
    })
    .build();
}
