import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { constants } from 'node:http2';
import { HttpServer, type HttpRequest, type HttpServerBuilder } from '@sluice/core';
import { ssePlugin, EventSourceRegistry, type EventSourceEndReason, type HttpRequestEventSource, type SsePluginOptions } from '@sluice/sse';
import { startHost, type StartedHost } from '../../../test/support/host.js';
import {
  closeHttp2Clients,
  destroyRawH2c,
  devCertificate,
  H2Client,
  http1OverTls,
  RawH2c,
  type H2EventStream,
} from '../../../test/support/http2.js';

const generous = 5000;
const forbidden = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

interface Started extends StartedHost {
  readonly registry: EventSourceRegistry;
  /** Why each identified stream ended, by identifier. */
  readonly ended: Map<string, EventSourceEndReason>;
}

const hosts: Started[] = [];
afterEach(async () => {
  closeHttp2Clients();
  destroyRawH2c();
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

const protocols: Array<[string, () => HttpServerBuilder]> = [
  ['h2c', () => HttpServer.createBuilder().useHttp2({ cleartext: true })],
  ['h2 over TLS', () => HttpServer.createBuilder().useHttp2(devCertificate())],
];

/** A host with `GET /sse/:id`: an identified stream kept alive until the client leaves. */
async function start(builder: HttpServerBuilder, options: SsePluginOptions = {}): Promise<Started> {
  const ended = new Map<string, EventSourceEndReason>();
  const started = await startHost(builder.usePlugin(ssePlugin(options)));
  started.host.router.get('/sse/:id', async (req: HttpRequest) => {
    const sse = req.getEventSource(req.params.id);
    sse.appendHeader('Connection', 'keep-alive'); // a user's header RFC 9113 forbids: dropped on HTTP/2
    sse.send('hello');
    const reason = await sse.keepAlive();
    ended.set(req.params.id!, reason);
    return sse.close();
  });
  const result = { ...started, registry: started.host.container.get(EventSourceRegistry), ended };
  hosts.push(result);
  return result;
}

async function waitUntil(condition: () => boolean, ms = generous): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

describe.each(protocols)('event streams over %s', (_name, builder) => {
  it('a stream opens with the SSE head and no connection-specific header, and gets its events', async () => {
    const { url, registry } = await start(builder());
    const client = await H2Client.connect(url);
    const stream = client.eventStream('/sse/ada');
    expect(await stream.waitFor((s) => s.events.length === 1, generous)).toBe(true);
    expect(stream.status).toBe(200);
    expect(stream.headers!['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers!['cache-control']).toBe('no-cache, no-transform');
    for (const name of forbidden) expect(stream.headers![name]).toBeUndefined();
    expect(registry.getByIdentifier('ada')?.request.httpVersion).toBe('2.0');
    registry.getByIdentifier('ada')!.send({ n: 1 }, { event: 'update', id: '7' });
    expect(await stream.waitFor((s) => s.events.length === 2, generous)).toBe(true);
    expect(stream.events[1]).toEqual({ event: 'update', data: '{"n":1}', id: '7' });
  });

  it('100 streams on one session each receive a broadcast', async () => {
    const { url, registry } = await start(builder());
    const client = await H2Client.connect(url);
    const streams: H2EventStream[] = Array.from({ length: 100 }, (_, i) => client.eventStream(`/sse/s${i}`));
    expect(await waitUntil(() => registry.count === 100)).toBe(true);
    expect(registry.broadcast('to everyone', { event: 'news' })).toBe(100);
    const all = await Promise.all(streams.map((s) => s.waitFor((x) => x.events.some((e) => e.event === 'news'), generous)));
    expect(all.every(Boolean)).toBe(true);
    for (const s of streams) expect(s.events.map((e) => e.data)).toEqual(['hello', 'to everyone']);
  });

  it('a client that resets its stream ends the event source with endReason client; it leaves the registry at once', async () => {
    const { url, registry, ended } = await start(builder());
    const client = await H2Client.connect(url);
    const stream = client.eventStream('/sse/leaver');
    const sibling = client.eventStream('/sse/stayer');
    expect(await waitUntil(() => registry.count === 2)).toBe(true);
    const left = new Promise<HttpRequestEventSource>((resolve) => registry.once('unregistered', resolve));
    stream.reset(constants.NGHTTP2_CANCEL);
    expect((await left).identifier).toBe('leaver');
    expect(registry.getByIdentifier('leaver')).toBeUndefined();
    expect(await waitUntil(() => ended.get('leaver') === 'client')).toBe(true);
    // The session and its other stream go on.
    registry.getByIdentifier('stayer')!.send('still here');
    expect(await sibling.waitFor((s) => s.events.some((e) => e.data === 'still here'), generous)).toBe(true);
  });

  it('a client that resets its stream before the head is sent never enters the registry', async () => {
    const started = await start(builder());
    const opened: string[] = [];
    started.host.router.get('/late/:id', async (req: HttpRequest) => {
      await new Promise((r) => setTimeout(r, 150));
      const sse = req.getEventSource(req.params.id);
      opened.push(req.params.id!);
      const reason = await sse.keepAlive();
      started.ended.set(req.params.id!, reason);
      return sse.close();
    });
    const client = await H2Client.connect(started.url);
    const stream = client.eventStream('/late/gone');
    await new Promise((r) => setTimeout(r, 30));
    stream.reset();
    expect(await waitUntil(() => started.ended.get('gone') === 'client')).toBe(true);
    expect(opened).toEqual(['gone']);
    expect(started.registry.count).toBe(0);
  });

  it('stop() sends the final event on each stream and ends it (END_STREAM), then closes every session with GOAWAY', async () => {
    const started = await start(builder());
    const { url, registry, host } = started;
    const busy = await H2Client.connect(url);
    const idle = await H2Client.connect(url);
    const streams = [busy.eventStream('/sse/a'), busy.eventStream('/sse/b')];
    expect(await waitUntil(() => registry.count === 2)).toBe(true);
    await host.stop();
    for (const stream of streams) {
      expect(await stream.waitFor((s) => s.closed, generous)).toBe(true);
      expect(stream.events.at(-1)?.event).toBe('shutdown');
      expect(stream.ended).toBe(true); // END_STREAM
      expect(stream.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
    }
    expect(started.ended.get('a')).toBe('shutdown');
    for (const client of [busy, idle]) {
      expect(await client.waitForGoaway(generous)).toBe(true);
      expect(client.goawayCode).toBe(constants.NGHTTP2_NO_ERROR);
      expect(await client.waitForClose(generous)).toBe(true);
    }
  });

  it('a quiet stream keeps its session past keepAliveTimeout (only a session without streams is idle)', async () => {
    const { url, registry } = await start(builder().useConfiguration((c) => (c.keepAliveTimeout = 100)));
    const client = await H2Client.connect(url);
    const stream = client.eventStream('/sse/quiet');
    expect(await waitUntil(() => registry.count === 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(client.goawayCode).toBeUndefined();
    registry.getByIdentifier('quiet')!.send('still there');
    expect(await stream.waitFor((s) => s.events.some((e) => e.data === 'still there'), generous)).toBe(true);
  });

  it('a stream whose window is closed is a slow reader: dropped past the bound while its siblings on the session keep up', async () => {
    const { url, registry, ended } = await start(builder(), { maxBufferedBytes: 8 * 1024, slowClientTimeoutMs: 300 });
    // A 1 KiB stream window: a stream the client stops reading closes its window almost at once.
    const client = await H2Client.connect(url, { settings: { initialWindowSize: 1024 } });
    const slow = client.eventStream('/sse/slow');
    const fast = client.eventStream('/sse/fast');
    expect(await waitUntil(() => registry.count === 2)).toBe(true);
    slow.stream.pause();
    const payload = 'x'.repeat(512);
    let sent = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 10; i++) registry.broadcast(payload, { id: String(++sent) });
    }, 10);
    try {
      expect(await waitUntil(() => ended.get('slow') === 'slow-client', generous)).toBe(true);
      expect(registry.getByIdentifier('slow')).toBeUndefined();
      const target = sent + 50;
      expect(await fast.waitFor((s) => s.events.length > target, generous)).toBe(true);
    } finally {
      clearInterval(timer);
    }
    // Every event reached the reading stream, in order.
    const ids = fast.events.slice(1).map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(registry.getByIdentifier('fast')).toBeDefined();
  });
});

describe('event streams on the TLS port over the HTTP/1.1 fallback', () => {
  it('keep their HTTP/1.1 head (Connection: keep-alive, chunked)', async () => {
    const { url } = await start(HttpServer.createBuilder().useHttp2(devCertificate()));
    const head = await http1OverTls(`${url}/sse/h1`, { firstChunkOnly: true });
    expect(head.status).toBe(200);
    expect(head.headers['connection']).toBe('keep-alive');
    expect(head.headers['transfer-encoding']).toBe('chunked');
    expect(head.body).toBe('data: hello\n\n');
  });
});

describe('a session that never reads', () => {
  it('has its event stream dropped as a slow client; the host keeps serving', async () => {
    const { host, url, registry, ended } = await start(HttpServer.createBuilder().useHttp2({ cleartext: true }), {
      maxBufferedBytes: 16 * 1024,
      slowClientTimeoutMs: 300,
    });
    const raw = await RawH2c.connect(host.port);
    raw.socket.write(RawH2c.get(1, '/sse/deaf'));
    expect(await waitUntil(() => registry.count === 1)).toBe(true);
    raw.socket.pause();
    const payload = 'y'.repeat(4096);
    const timer = setInterval(() => registry.broadcast(payload), 5);
    try {
      expect(await waitUntil(() => ended.get('deaf') === 'slow-client', generous)).toBe(true);
    } finally {
      clearInterval(timer);
    }
    expect(registry.count).toBe(0);
    const client = await H2Client.connect(url);
    const stream = client.eventStream('/sse/other');
    expect(await stream.waitFor((s) => s.events.length === 1, generous)).toBe(true);
  });
});
