import 'reflect-metadata';
import { describe, it, expect, afterEach } from '@jest/globals';
import { HttpServer, HttpResponse, SluiceError, type HttpRequest } from '@sluice/core';
import { ssePlugin, EventSourceRegistry, SseErrorCodes, type HttpRequestEventSource, type SsePluginOptions } from '@sluice/sse';
import { startHost, within, thrownBy, deferred, type StartedHost } from '../../../test/support/host.js';
import { destroyRawSockets, openRawStream } from '../../../test/support/raw.js';
import { EventSourceClient, ParsedStream, closeClients } from './helpers/client.js';
import { SseTestClient } from '@sluice/sse/testing';

// Time bounds here are generous upper bounds ("it happens"), never speed assertions.
const generous = 10_000;

const hosts: StartedHost[] = [];

async function start(options: SsePluginOptions): Promise<{ server: StartedHost; registry: EventSourceRegistry }> {
  const server = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin(options)));
  hosts.push(server);
  const hold = async (req: HttpRequest, identifier?: string): Promise<HttpResponse> => {
    const sse = req.getEventSource(identifier);
    await sse.keepAlive();
    return sse.close();
  };
  server.host.router.get('/s/:id', (req) => hold(req, req.params.id));
  server.host.router.get('/anonymous', (req) => hold(req));
  return { server, registry: server.host.container.get(EventSourceRegistry) };
}

afterEach(async () => {
  destroyRawSockets();
  closeClients();
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

describe('slow clients', () => {
  it('a client that never reads is dropped past maxBufferedBytes while a reading client gets every event in order', async () => {
    const maxBufferedBytes = 64 * 1024;
    const maxBacklogBytes = 16 * maxBufferedBytes;
    const { server, registry } = await start({ maxBufferedBytes, maxBacklogBytes, slowClientTimeoutMs: 500 });

    // The slow client: a raw socket that stops reading right after the head.
    const slow = await openRawStream(server.host, '/s/slow');
    await slow.readHead(generous);
    slow.socket.pause();
    // The reader: a real eventsource client.
    const reader = new EventSourceClient(`${server.url}/s/reader`);
    expect(await reader.waitFor((c) => c.opens === 1, generous)).toBe(true);
    expect(registry.count).toBe(2);
    const slowSource = registry.getByIdentifier('slow')!;

    const payload = 'x'.repeat(1024);
    let maxQueued = 0;
    let reachedAtEnd = 0;
    let id = 0;
    // Broadcast 1 KiB events in small batches, one batch per loop turn, as a live app
    // would: 16 KiB per turn is well under the bound for a client that keeps up.
    // The kernel's socket buffers on localhost swallow several MiB for a client that
    // does not read (~4 MiB measured here, more with larger autotuning limits), so
    // instead of a fixed 2,000 events this goes on until the slow client is dropped
    // (at least 2,000 events, at most a 32 MiB cap), then 200 more.
    const cap = 32 * 1024;
    let after = -1;
    while (id < cap && (after < 0 || id < after)) {
      for (let n = 0; n < 16; n++, id++) reachedAtEnd = registry.broadcast(payload, { id: String(id) });
      maxQueued = Math.max(maxQueued, registry.stats().queuedBytes);
      await new Promise((resolve) => setImmediate(resolve));
      maxQueued = Math.max(maxQueued, registry.stats().queuedBytes);
      if (after < 0 && !slowSource.isActive && id >= 2000) after = id + 200;
    }
    const total = id;

    expect(await reader.waitForEvents(total, generous)).toBe(true);
    const ids = reader.events.map((e) => Number(e.lastEventId));
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(reader.data.every((d) => d === payload)).toBe(true);

    const stats = registry.stats();
    expect(stats.slowClientsDropped).toBeGreaterThanOrEqual(1);
    expect(registry.getByIdentifier('slow')).toBeUndefined();
    expect(slowSource.isActive).toBe(false);
    expect(registry.getByIdentifier('reader')).toBeDefined();
    expect(reachedAtEnd).toBe(1); // the last broadcasts reached only the reader
    // Memory stayed bounded: the non-reader is cut at its hard limit (or its drain timeout), and the
    // reader's own backlog stays under the bound it keeps draining.
    expect(maxQueued).toBeLessThanOrEqual(maxBacklogBytes + 4 * maxBufferedBytes);
    // The slow client's socket was cut.
    slow.socket.resume();
    expect(await slow.waitForClose(generous)).toBe(true);
  });

  it('a slow anonymous stream is dropped too (the bound is per connection, not per registry entry)', async () => {
    const maxBufferedBytes = 32 * 1024;
    const { server, registry } = await start({ maxBufferedBytes });
    let source: HttpRequestEventSource | undefined;
    server.host.router.get('/flood', async (req) => {
      const sse = req.getEventSource();
      source = sse;
      const chunk = 'y'.repeat(4096);
      // Write until the stream is dropped (or a generous cap); yield a turn between writes.
      for (let i = 0; i < 20_000 && sse.send(chunk); i++) await new Promise((resolve) => setImmediate(resolve));
      return sse.close();
    });
    const slow = await openRawStream(server.host, '/flood');
    await slow.readHead(generous);
    slow.socket.pause();
    await within(
      (async () => {
        while (source === undefined || source.isActive) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      generous,
      'the flooding stream to be dropped',
    );
    expect(registry.stats().slowClientsDropped).toBe(1);
    expect(source!.endReason).toBe('slow-client');
    expect(registry.stats().open).toBe(0);
    expect(registry.stats().queuedBytes).toBe(0);
  });
});

describe('connection cap', () => {
  it('with maxConnections: 2 the third stream is refused with 503 and Retry-After before it opens', async () => {
    // `mode: 'status'`: this raw client asks for an event stream, which by default gets the refusal
    // as a retrying event stream instead (refusal.test.ts); the cap itself is what is tested here.
    const { server, registry } = await start({ maxConnections: 2, refusal: { mode: 'status' } });
    const first = await ParsedStream.open(`${server.url}/s/one`);
    const second = await ParsedStream.open(`${server.url}/anonymous`);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(registry.stats().open).toBe(2);

    const third = await openRawStream(server.host, '/s/three');
    const res = await third.readResponse(generous);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.headers['content-type'] ?? '').not.toMatch(/event-stream/);
    expect(registry.getByIdentifier('three')).toBeUndefined();
    expect(registry.stats().open).toBe(2);

    // A slot frees when a stream ends; the next one opens.
    first.close();
    await within(
      (async () => {
        while (registry.stats().open > 1) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      generous,
      'the first stream to close',
    );
    const fourth = await ParsedStream.open(`${server.url}/s/four`);
    expect(fourth.status).toBe(200);
    expect(registry.getByIdentifier('four')).toBeDefined();
  });

  it('a stream not yet open holds its slot: no burst of opens overshoots the cap; one answered otherwise frees it', async () => {
    const { server } = await start({ maxConnections: 1 });
    const release = deferred<void>();
    const entered = deferred<void>();
    server.host.router.get('/slow-open', async (req) => {
      const sse = req.getEventSource();
      entered.resolve();
      await release.promise; // the head is not sent yet
      sse.send('late head');
      return sse.close();
    });
    server.host.router.get('/refuse', (req) => {
      req.getEventSource();
      return new HttpResponse(401); // never opens
    });
    const slow = fetch(`${server.url}/slow-open`);
    await within(entered.promise, generous, 'the first stream to be created');
    const second = await fetch(`${server.url}/anonymous`);
    expect(second.status).toBe(503);
    await second.body?.cancel();
    release.resolve();
    expect(await (await slow).text()).toBe('data: late head\n\n');
    // Five streams created and answered with 401 leave no slot taken behind them.
    for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/refuse`)).status).toBe(401);
    const next = await ParsedStream.open(`${server.url}/s/after`);
    expect(next.status).toBe(200);
  });

  it('at the cap, a reconnect that takes over its own identifier is let in (it replaces the old stream)', async () => {
    const { server, registry } = await start({ maxConnections: 1, refusal: { mode: 'status' } });
    const first = await ParsedStream.open(`${server.url}/s/tab`);
    const before = registry.getByIdentifier('tab')!;
    const stranger = await openRawStream(server.host, '/s/other');
    expect((await stranger.readResponse(generous)).status).toBe(503);
    const again = await ParsedStream.open(`${server.url}/s/tab`);
    expect(again.status).toBe(200);
    expect(await first.waitFor((s) => s.ended, generous)).toBe(true);
    expect(before.endReason).toBe('replaced');
    expect(registry.getByIdentifier('tab')).not.toBe(before);
    expect(registry.stats().open).toBe(1);
  });
});

describe('options', () => {
  it('bad ssePlugin options are refused with SLUICE_SSE_INVALID_OPTION', () => {
    for (const options of [
      { maxBufferedBytes: 0 },
      { maxConnections: -1 },
      { flushWindowMs: -5 },
      { ping: { interval: 0 } },
      { ping: { interval: Infinity } },
      { retry: 1.5 },
      { retry: -1 },
      { shutdown: { retry: 2.5 } },
      { shutdown: { jitter: Number.NaN } },
      { shutdown: { event: 'bye\nevent: other' } },
      { shutdown: { event: 'a\rb' } },
    ] as SsePluginOptions[]) {
      const error = thrownBy(() => ssePlugin(options));
      expect(error).toBeInstanceOf(SluiceError);
      expect([JSON.stringify(options), (error as SluiceError).code]).toEqual([JSON.stringify(options), SseErrorCodes.InvalidOption]);
    }
    // Good values still pass, Infinity included where it means "no limit".
    expect(() => ssePlugin({ retry: 0, maxConnections: Infinity, shutdown: { event: 'bye', retry: 0, jitter: 0 } })).not.toThrow();
  });

  it('retry: every stream starts with that retry field', async () => {
    const { server } = await start({ retry: 1234 });
    const stream = await ParsedStream.open(`${server.url}/anonymous`);
    expect(await stream.waitFor((s) => s.retries.length === 1, generous)).toBe(true);
    expect(stream.retries).toEqual([1234]);
    expect(stream.events).toEqual([]);
  });

  it('stats().messagesSent counts events only: not pings, not the retry line', async () => {
    const { server, registry } = await start({ retry: 1000, ping: { enabled: true, interval: 20 } });
    const stream = await ParsedStream.open(`${server.url}/s/counted`);
    expect(await stream.waitFor((s) => s.retries.length === 1 && s.comments.length >= 2, generous)).toBe(true);
    registry.getByIdentifier('counted')!.send('one');
    registry.broadcast('two');
    expect(await stream.waitFor((s) => s.events.length === 2, generous)).toBe(true);
    expect(registry.stats().messagesSent).toBe(2);
    expect(registry.stats().bytesSent).toBeGreaterThan(Buffer.byteLength('data: one\n\ndata: two\n\n'));
  });

  it('retry: the field comes first, even before what a `registered` listener sends', async () => {
    const { server, registry } = await start({ retry: 1234 });
    registry.on('registered', (source) => source.send('welcome'));
    const connection = await openRawStream(server.host, '/s/user-ann');
    await connection.readHead(generous);
    expect(await connection.waitFor(() => (connection.stream?.body ?? '').includes('data: welcome\n\n'), generous)).toBe(true);
    expect(connection.stream!.body.startsWith('retry: 1234\n')).toBe(true);
  });
});

describe('bursts larger than maxBufferedBytes', () => {
  for (const flushWindowMs of [0, 10]) {
    it(`readers that keep up get every event of a 4 MiB burst while a non-reader is dropped (flushWindowMs ${flushWindowMs})`, async () => {
      // The readers share this process with the server (parsing 4 MiB each): the default drain timeout.
      const { server, registry } = await start({ maxBufferedBytes: 1024 * 1024, flushWindowMs });
      const idle = await openRawStream(server.host, '/s/idle');
      await idle.readHead(generous);
      idle.socket.pause();
      const readers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => SseTestClient.connect(server.url, `/s/reader-${i}`, { timeoutMs: generous })),
      );
      await within(
        (async () => {
          while (registry.count < 21) await new Promise((resolve) => setTimeout(resolve, 5));
        })(),
        generous,
        'all streams registered',
      );
      const payload = 'z'.repeat(4096);
      if (flushWindowMs === 0) {
        // 1,000 × 4 KiB in one tick: 4 MiB, four times the bound.
        for (let i = 0; i < 1000; i++) registry.broadcast(payload, { id: i });
      } else {
        // One message per loop turn, joined by the flush window.
        for (let i = 0; i < 1000; i++) {
          registry.broadcast(payload, { id: i });
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      for (const reader of readers) {
        await reader.waitFor((e) => e.id === '999');
        expect(reader.events.length).toBe(1000);
        expect(reader.events.every((e, i) => e.id === String(i) && e.data === payload)).toBe(true);
      }
      // Loopback's kernel buffers can swallow the whole burst for the non-reader; keep the stream
      // going until it is past its bound and cut (at most 64 MiB more).
      for (let sent = 0; registry.getByIdentifier('idle') !== undefined && sent < 16_384; sent += 16) {
        for (let n = 0; n < 16; n++) registry.broadcast(payload);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(registry.getByIdentifier('idle')).toBeUndefined();
      expect(registry.stats().slowClientsDropped).toBe(1);
      expect(readers.every((reader) => reader.closedBy === undefined)).toBe(true);
      idle.socket.resume();
      expect(await idle.waitForClose(generous)).toBe(true);
      for (const reader of readers) reader.close();
    });
  }
});
