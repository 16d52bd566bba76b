// Sluice SSE as a user writes it: a controller, a service injected with the registry.
import 'reflect-metadata';
import { inject, injectable } from 'inversify';
import { HttpResponse, HttpServer, RouteGet, RoutePost, type HttpRequest } from '@sluice/core';
import { EventSourceRegistry, ssePlugin } from '@sluice/sse';

@injectable()
class Broadcaster {
  constructor(@inject(EventSourceRegistry) private readonly sources: EventSourceRegistry) {}

  send(n: number, size: number, spread: boolean): void {
    const payload = 'x'.repeat(Math.max(0, size - 4));
    let i = 0;
    const one = (): void => {
      i++;
      this.sources.broadcast(i === n ? 'end' : payload, { id: i });
    };
    if (!spread) {
      while (i < n) one();
      return;
    }
    const next = (): void => {
      one();
      if (i < n) setImmediate(next);
    };
    next();
  }
}

@injectable()
class StreamController {
  constructor(
    @inject(Broadcaster) private readonly broadcaster: Broadcaster,
    @inject(EventSourceRegistry) private readonly sources: EventSourceRegistry,
  ) {}

  @RouteGet('/sse')
  async stream(req: HttpRequest): Promise<HttpResponse> {
    const sse = req.getEventSource(req.query.get('id') ?? undefined);
    await sse.keepAlive();
    return sse.close();
  }

  @RoutePost('/broadcast')
  broadcast(req: HttpRequest): HttpResponse {
    this.broadcaster.send(Number(req.query.get('n') ?? 1), Number(req.query.get('size') ?? 64), req.query.get('spread') === '1');
    return new HttpResponse(202);
  }

  @RouteGet('/stats')
  stats(): object {
    return { connections: this.sources.count, rss: process.memoryUsage().rss };
  }
}

// HTTP2=h2c: the same app over HTTP/2 with prior knowledge (scripts/http2.mjs); streams per session unbounded here.
const builder = HttpServer.createBuilder();
if (process.env.HTTP2 === 'h2c') builder.useHttp2({ cleartext: true, maxConcurrentStreams: 100_000 });
const host = builder
  .useListeningPort(Number(process.env.PORT ?? 3203), '127.0.0.1')
  .useControllers(StreamController)
  .useServices((c) => {
    c.bind(Broadcaster).toSelf().inSingletonScope();
  })
  .usePlugin(ssePlugin({ flushWindowMs: Number(process.env.FLUSH_WINDOW_MS ?? 0) }))
  .useConfiguration((c) => {
    c.logger = false;
  })
  .build();
await host.start();
console.log(`sluice-sse listening on ${host.url}`);
