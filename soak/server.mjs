// The soak's server process: a Sluice host built from the workspace's compiled packages
// (`npm run build` first), with the routes the scenarios need, driven by the runner over IPC.
// Argument: a JSON object of options (see `options` below).
import 'reflect-metadata';
import { setImmediate as nextMacrotask } from 'node:timers';
import { HttpServer } from '@sluice/core';
import { EventSourceRegistry, ssePlugin } from '@sluice/sse';
import { serve } from './lib/ipc.mjs';

const options = {
  sse: {}, // ssePlugin options
  headersTimeout: undefined,
  requestTimeout: undefined,
  throwIn: undefined, // 'registered' | 'unregistered': a registry listener that throws
  ...JSON.parse(process.argv[2] ?? '{}'),
};

const endReasons = {};
/** Bytes written to each stream whose identifier starts with `stalled-`, when it ended. */
const stalledWritten = {};
let pingConfigureCalls = 0;

const host = HttpServer.createBuilder()
  .useListeningPort(0, '127.0.0.1')
  .usePlugin(ssePlugin(options.sse))
  .useConfiguration((c) => {
    c.logger = false;
    if (options.headersTimeout !== undefined) c.headersTimeout = options.headersTimeout;
    if (options.requestTimeout !== undefined) c.requestTimeout = options.requestTimeout;
  })
  .build();

// An identified stream held open until the client leaves (or the host stops).
host.router.get('/sse', async (req) => {
  const id = req.query.get('id') ?? undefined;
  const sse = req.getEventSource(id);
  const reason = await sse.keepAlive();
  endReasons[reason] = (endReasons[reason] ?? 0) + 1;
  if (id?.startsWith('stalled-')) stalledWritten[id] = sse.sentContentLength;
  return sse.close();
});

// A stream whose withPing configure callback throws.
host.router.get('/ping-throws', async (req) => {
  const sse = req.getEventSource(req.query.get('id') ?? undefined);
  sse.withPing(() => {
    pingConfigureCalls++;
    throw new Error('soak: a withPing configure callback that throws');
  });
  await sse.keepAlive();
  return sse.close();
});

// Sends one event, then throws: the event was sent before the failure and must arrive.
host.router.get('/send-then-throw', (req) => {
  const sse = req.getEventSource();
  sse.send('sent before the throw', { event: 'before-throw' });
  throw new Error('soak: a handler that throws after send()');
});

host.router.get('/health', () => 'ok');

// Reads a whole body (the slowloris-body target).
host.router.post('/upload', async (req) => `${(await req.bytes()).length}`);

const registry = host.container.get(EventSourceRegistry);
if (options.throwIn !== undefined) {
  registry.on(options.throwIn, () => {
    throw new Error(`soak: a registry '${options.throwIn}' listener that throws`);
  });
}

await host.start();

function memory() {
  globalThis.gc?.();
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const resources = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  return { rss, heapUsed, resources, activeResources: process.getActiveResourcesInfo().length };
}

/** Resolves once `holds()` is true (checked every 5 ms), with the ms it took; rejects after timeoutMs. */
function waitUntil(holds, timeoutMs) {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (holds()) return resolve(performance.now() - start);
      if (performance.now() - start > timeoutMs) return reject(new Error(`condition not met within ${timeoutMs} ms`));
      setTimeout(check, 5);
    };
    check();
  });
}

let nextId = 1;
const padding = (size) => 'x'.repeat(Math.max(0, size));

serve({
  url: () => host.url,
  memory,
  stats: () => ({
    ...registry.stats(),
    count: registry.count,
    endReasons: { ...endReasons },
    stalledWritten: { ...stalledWritten },
    pingConfigureCalls,
  }),
  has: ({ id }) => registry.getByIdentifier(id) !== undefined,
  waitCount: ({ count, timeoutMs = 30_000 }) => waitUntil(() => registry.count === count, timeoutMs),
  waitOpen: ({ open, timeoutMs = 30_000 }) => waitUntil(() => registry.stats().open === open, timeoutMs),

  /**
   * Broadcasts `count` events of `size` bytes with ids continuing from the last broadcast:
   * all in one tick (`perTick` = count), or `perTick` per macrotask, `everyMs` apart.
   */
  async broadcast({ count, size = 16, perTick = count, everyMs = 0, untilGone, maxCount = count }) {
    const data = padding(size);
    const first = nextId;
    const start = performance.now();
    let sent = 0;
    // With `untilGone`, goes on past `count` (up to `maxCount`) while that identifier is connected.
    const target = () => (untilGone !== undefined && registry.getByIdentifier(untilGone) !== undefined ? maxCount : count);
    while (sent < target()) {
      for (let i = 0; i < perTick && sent < target(); i++, sent++) registry.broadcast(data, { id: nextId++ });
      if (sent < target()) await (everyMs > 0 ? new Promise((r) => setTimeout(r, everyMs)) : new Promise((r) => nextMacrotask(r)));
    }
    return { first, last: nextId - 1, ms: performance.now() - start };
  },

  /**
   * Broadcasts an event every `everyMs` for `runMs`, then, without waiting for anything,
   * stops the broadcasts and the host: returns the last id broadcast and how long stop() took.
   */
  async stopDuringBroadcast({ everyMs, runMs, size = 64 }) {
    const data = padding(size);
    const started = performance.now();
    const timer = setInterval(() => registry.broadcast(data, { id: nextId++ }), everyMs);
    await new Promise((r) => setTimeout(r, runMs));
    clearInterval(timer);
    const ranMs = performance.now() - started;
    const lastId = nextId - 1;
    const open = registry.stats().open;
    const start = performance.now();
    await host.stop();
    return { lastId, ranMs, openAtStop: open, stopMs: performance.now() - start };
  },

  async stop() {
    const start = performance.now();
    await host.stop();
    return { stopMs: performance.now() - start };
  },
});
