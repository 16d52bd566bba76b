// A Sluice node with the Redis backplane, for scripts/redis-fanout.mjs. Without REDIS_URL it is
// the same host on the in-process registry (the single-process reference of the same run).
// POST /broadcast?n=&size=&gap= sends n events, one per macrotask, each carrying the publish time
// (ms since the epoch, µs precision) so the load client can measure publish → client latency.
import 'reflect-metadata';
import { HttpServer } from '@sluice/core';
import { EventSourceRegistry, ssePlugin } from '@sluice/sse';
import { redisBackplane } from '@sluice/redis';

const builder = HttpServer.createBuilder()
  .useListeningPort(Number(process.env.PORT ?? 0), '127.0.0.1')
  .usePlugin(ssePlugin())
  .useConfiguration((c) => {
    c.logger = false;
  });
if (process.env.REDIS_URL) builder.usePlugin(redisBackplane({ url: process.env.REDIS_URL, channelPrefix: 'bench' }));
const host = builder.build();
const registry = () => host.container.get(EventSourceRegistry);

host.router.get('/sse', async (req) => {
  const sse = req.getEventSource(req.query.get('id') ?? undefined);
  await sse.keepAlive();
  return sse.close();
});
host.router.get('/count', () => ({ count: registry().count }));
host.router.post('/broadcast', (req) => {
  const n = Number(req.query.get('n') ?? 100);
  const size = Number(req.query.get('size') ?? 64);
  const gapMs = Number(req.query.get('gap') ?? 0); // 0: one per macrotask (a burst); else one every gapMs
  let i = 0;
  const next = () => {
    i++;
    const stamp = (performance.timeOrigin + performance.now()).toFixed(3);
    registry().broadcast(`${i} ${stamp} `.padEnd(size, 'x'));
    if (i < n) {
      if (gapMs > 0) setTimeout(next, gapMs);
      else setImmediate(next);
    }
  };
  next();
  return { accepted: n };
});

await host.start();
process.stdout.write(`READY ${host.port}\n`);
process.once('SIGTERM', () => void host.stop());
