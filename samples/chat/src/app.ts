import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { HttpServer, type Http2Options, type HttpHost } from '@sluice/core';
import { openApi } from '@sluice/openapi';
import { ssePlugin } from '@sluice/sse';
import { ChatController } from './ChatController.js';
import { ChatService } from './ChatService.js';
import { ChatSettings } from './ChatSettings.js';

/** Options of {@link createApp}: an access log, and any of the chat's limits and timings. */
export interface ChatAppOptions extends Partial<ChatSettings> {
  /** One log line per request (`main.ts` turns it on; tests leave logging off). */
  accessLog?: boolean;
  /** Serve HTTP/2 (`main.ts` sets it when started with `HTTP2=1`); HTTP/1.1 otherwise. */
  http2?: Http2Options;
}

/** The page and its assets, next to `src/` and `dist/` alike. */
export const publicDirectory = fileURLToPath(new URL('../public/', import.meta.url));

/** Builds the chat host; `main.ts` starts it, the tests start it on port 0. */
export function createApp(port: number, options: ChatAppOptions = {}): HttpHost {
  const { accessLog = false, http2, ...overrides } = options;
  const settings = new ChatSettings();
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) Object.assign(settings, { [key]: value });
  const builder = HttpServer.createBuilder();
  if (http2 !== undefined) builder.useHttp2(http2);
  return (
    builder
      .useListeningPort(port, '127.0.0.1')
      .useControllers(ChatController)
      .useServices((c) => {
        c.bind(ChatSettings).toConstantValue(settings);
        c.bind(ChatService).toSelf().inSingletonScope();
      })
      .usePlugin(ssePlugin({ retry: settings.retryMs }))
      // The API document at /openapi.json, built from the routes' schemas; its reference page at /docs.
      .usePlugin(
        openApi({
          info: { title: 'Sluice chat', version: '0.1.0', description: 'A chat room over Server-Sent Events.' },
          path: '/openapi.json',
          docsPath: '/docs',
        }),
      )
      .useStaticFiles('/', publicDirectory)
      .useConfiguration((c) => {
        c.maxBodySize = settings.maxBodyBytes;
        c.accessLog = accessLog;
        if (!accessLog) c.logger = false;
      })
      .build()
  );
}
