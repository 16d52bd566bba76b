import { injectable } from 'inversify';
import { RouteGet, type HttpRequest, type HttpResponse } from '@sluice/core';

/** The app's routes. A controller is resolved from the DI container once, at build(). */
@injectable()
export class HelloController {
  /** JSON: `curl http://127.0.0.1:3000/` */
  @RouteGet('/')
  hello(): { message: string } {
    return { message: 'Hello from __APP_NAME__!' };
  }

  /**
   * Server-Sent Events: one event, then the end of the stream.
   * `curl -N http://127.0.0.1:3000/sse`
   */
  @RouteGet('/sse')
  events(req: HttpRequest): HttpResponse {
    const sse = req.getEventSource();
    sse.send({ message: 'Hello, world!', at: new Date().toISOString() }, { event: 'hello' });
    return sse.close();
  }
}
