import 'reflect-metadata';
import { HttpServer, type HttpHost } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';
import { EventsController } from './EventsController.js';
import { GreetingService } from './GreetingService.js';
import { Notifier } from './Notifier.js';
import { HelloController } from './HelloController.js';
import { UsersController } from './UsersController.js';

/** Builds the sample host; `main.ts` starts it, the tests start it on port 0. */
export function createApp(port: number, options: { accessLog?: boolean } = {}): HttpHost {
  return HttpServer.createBuilder()
    .useListeningPort(port, '127.0.0.1')
    .useControllers(HelloController, UsersController, EventsController)
    .useServices((c) => {
      c.bind(GreetingService).toSelf().inSingletonScope();
      c.bind(Notifier).toSelf().inSingletonScope();
    })
    .usePlugin(ssePlugin())
    .useConfiguration((c) => {
      c.accessLog = options.accessLog ?? false;
      if (!options.accessLog) c.logger = false;
    })
    .build();
}
