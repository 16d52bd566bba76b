import 'reflect-metadata';
import { describe, it, expect, afterEach } from '@jest/globals';
import { HttpServer, type HttpRequest, type HttpResponse } from '@sluice/core';
import { ssePlugin, EventSourceRegistry, type EventSourceEndReason, type SsePluginOptions } from '@sluice/sse';
import { SseTestClient } from '@sluice/sse/testing';
import { deferred, startHost, within, type StartedHost } from '../../../test/support/host.js';
import { destroyRawSockets, openRawStream } from '../../../test/support/raw.js';

const generous = 20_000;
const hosts: StartedHost[] = [];

afterEach(async () => {
  destroyRawSockets();
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

async function start(options: SsePluginOptions, route: (req: HttpRequest) => Promise<HttpResponse>): Promise<StartedHost> {
  const server = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin(options)));
  hosts.push(server);
  server.host.router.get('/export', route);
  return server;
}

const rowCount = 20_000;
const pad = 'r'.repeat(1000);

describe('sendAll at the client’s pace', () => {
  it('20,000 rows of 1 KiB from a synchronous generator reach a reading client whole and in order, with bounded queues', async () => {
    const maxBufferedBytes = 1024 * 1024;
    let maxQueued = 0;
    let pulled = 0;
    const result = deferred<number>();
    const server = await start({ maxBufferedBytes }, async (req) => {
      const sse = req.getEventSource('export');
      const registry = server.host.container.get(EventSourceRegistry);
      function* rows(): Generator<{ n: number; pad: string }> {
        for (let n = 0; n < rowCount; n++) {
          pulled++;
          // Sampled at every pull: what the server holds for this connection while it produces.
          maxQueued = Math.max(maxQueued, registry.stats().queuedBytes);
          yield { n, pad };
        }
      }
      result.resolve(await sse.sendAll(rows(), { event: 'row', id: (row) => row.n }));
      return sse.close();
    });
    const client = await SseTestClient.connect(server.url, '/export', { timeoutMs: generous });
    await within(client.closed, generous, 'the export to end');
    const rows = client.events.filter((e) => e.type === 'row');
    expect(rows.length).toBe(rowCount);
    expect(rows.every((e, i) => e.id === String(i) && e.json<{ n: number }>().n === i)).toBe(true);
    expect(await result.promise).toBe(rowCount);
    expect(pulled).toBe(rowCount);
    expect(maxQueued).toBeLessThanOrEqual(maxBufferedBytes);
  });

  it('an async source streams at the client’s pace too', async () => {
    const result = deferred<number>();
    const server = await start({}, async (req) => {
      const sse = req.getEventSource();
      async function* tokens(): AsyncGenerator<string> {
        for (let n = 0; n < 5_000; n++) yield `token ${n} ${pad}`;
      }
      result.resolve(await sse.sendAll(tokens()));
      return sse.close();
    });
    const client = await SseTestClient.connect(server.url, '/export', { timeoutMs: generous });
    await within(client.closed, generous, 'the stream to end');
    expect(client.events.length).toBe(5_000);
    expect(client.events[4_999]!.data.startsWith('token 4999 ')).toBe(true);
    expect(await result.promise).toBe(5_000);
  });

  it('a client that stops reading pauses the export, is dropped, the iterator is returned, and sendAll resolves to what was written', async () => {
    let pulled = 0;
    let finallyRan = false;
    const result = deferred<number>();
    const ended = deferred<EventSourceEndReason>();
    const server = await start({ slowClientTimeoutMs: 300 }, async (req) => {
      const sse = req.getEventSource('stalled');
      function* rows(): Generator<string> {
        try {
          for (let n = 0; n < rowCount * 10; n++) {
            pulled++;
            yield `${n} ${pad}`;
          }
        } finally {
          finallyRan = true;
        }
      }
      result.resolve(await sse.sendAll(rows()));
      ended.resolve(sse.endReason!);
      return sse.close();
    });
    const raw = await openRawStream(server.host, '/export');
    await raw.readHead(generous);
    raw.socket.pause();
    const written = await within(result.promise, generous, 'sendAll to resolve');
    expect(await ended.promise).toBe('slow-client');
    expect(finallyRan).toBe(true);
    // The source was not drained into memory: it stopped a little past what the socket buffers hold.
    expect(pulled).toBeLessThan(rowCount * 10);
    expect(written).toBeLessThanOrEqual(pulled);
    expect(written).toBeGreaterThan(0);
    expect(server.host.container.get(EventSourceRegistry).stats().slowClientsDropped).toBe(1);
  });

  it('a client that leaves ends the loop and returns the iterator', async () => {
    let finallyRan = false;
    const result = deferred<number>();
    const server = await start({}, async (req) => {
      const sse = req.getEventSource();
      async function* forever(): AsyncGenerator<string> {
        try {
          for (let n = 0; ; n++) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            yield `tick ${n}`;
          }
        } finally {
          finallyRan = true;
        }
      }
      result.resolve(await sse.sendAll(forever()));
      return sse.close();
    });
    const client = await SseTestClient.connect(server.url, '/export', { timeoutMs: generous });
    await client.next();
    await client.next();
    client.close();
    const sent = await within(result.promise, generous, 'sendAll to resolve');
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(finallyRan).toBe(true);
  });
});
