import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpServer, type HttpRequest, type HttpResponse } from '@sluice/core';
import { ssePlugin, EventSourceRegistry } from '@sluice/sse';
import { startHost, deferred, within, type StartedHost } from '../../../test/support/host.js';
import { EventSourceClient, ParsedStream, closeClients } from './helpers/client.js';

// Time bounds here are generous upper bounds for things that happen "at once" on
// localhost; no test asserts how fast anything is.
const generous = 5000;

let server: StartedHost;
let registry: EventSourceRegistry;
let routeCount = 0;

function route(handler: (req: HttpRequest) => HttpResponse | Promise<HttpResponse>, method: 'get' | 'post' = 'get'): string {
  const path = `/r${++routeCount}`;
  server.host.router[method](path, handler);
  return path;
}

beforeAll(async () => {
  server = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin()));
  registry = server.host.container.get(EventSourceRegistry);
});

afterEach(() => {
  closeClients();
});

afterAll(async () => {
  await server.stop();
});

/**
 * Compile-time check of typed event maps (tsconfig.spec.json type-checks it; it is
 * never run): with `getEventSource<{ chat: { text: string } }>()`, `send` takes a
 * chat message for `event: 'chat'` and nothing else.
 */
export function typedEventMapsCompile(req: HttpRequest): HttpResponse {
  const sse = req.getEventSource<{ chat: { text: string } }>();
  sse.send({ text: 'x' }, { event: 'chat' });
  sse.send({ text: 'y' }, { event: 'chat', id: '1', retry: 100 });
  // @ts-expect-error 42 is not a chat message
  sse.send(42, { event: 'chat' });
  // @ts-expect-error a chat message needs `text: string`
  sse.send({ text: 1 }, { event: 'chat' });
  // @ts-expect-error the map has no `other` event
  sse.send({ text: 'x' }, { event: 'other' });
  // @ts-expect-error the map has no unnamed (`message`) event
  sse.send('untyped');
  const open = req.getEventSource(); // the default map is open: anything goes
  open.send('text');
  open.send({ any: 'json' }, { event: 'whatever' });
  return sse.close();
}

describe('with the eventsource client', () => {
  it('the disposable pattern delivers its message', async () => {
    const path = route((req) => {
      const sse = req.getEventSource();
      sse.send('Hello, world!');
      return sse.close();
    });
    const client = new EventSourceClient(`${server.url}${path}`);
    expect(await client.waitForEvents(1, generous)).toBe(true);
    expect(client.events[0]).toEqual({ type: 'message', data: 'Hello, world!', lastEventId: '' });
  });

  it('multi-line data (CR, LF, CRLF) arrives joined with LF; unicode arrives intact; JSON parses back', async () => {
    const path = route((req) => {
      const sse = req.getEventSource();
      sse.send('a\rb');
      sse.send('c\nd');
      sse.send('e\r\nf');
      sse.send('🎉 你好，世界 👩‍💻 ١٢٣');
      sse.send({ user: 'ann', scores: [1, 2.5], nested: { ok: true } });
      sse.send(7);
      return sse.close();
    });
    const client = new EventSourceClient(`${server.url}${path}`);
    expect(await client.waitForEvents(6, generous)).toBe(true);
    const data = client.data;
    expect(data.slice(0, 4)).toEqual(['a\nb', 'c\nd', 'e\nf', '🎉 你好，世界 👩‍💻 ١٢٣']);
    expect(JSON.parse(data[4]!)).toEqual({ user: 'ann', scores: [1, 2.5], nested: { ok: true } });
    expect(JSON.parse(data[5]!)).toBe(7);
  });

  it('named events reach addEventListener(name), not onmessage; ids become lastEventId', async () => {
    const path = route((req) => {
      const sse = req.getEventSource();
      sse.send('plain', { id: 'p1' });
      sse.send({ text: 'hi' }, { event: 'chat', id: 'c1' });
      sse.send('after');
      return sse.close();
    });
    const client = new EventSourceClient(`${server.url}${path}`, ['message', 'chat']);
    expect(await client.waitForEvents(3, generous)).toBe(true);
    expect(client.events.slice(0, 2)).toEqual([
      { type: 'message', data: 'plain', lastEventId: 'p1' },
      { type: 'chat', data: '{"text":"hi"}', lastEventId: 'c1' },
    ]);
    // (The eventsource package puts only the event's own id on MessageEvent.lastEventId,
    // where the spec keeps the previous one; it still reconnects with the last id.)
    expect([client.events[2]?.type, client.events[2]?.data]).toEqual(['message', 'after']);
  });

  it('a typed stream delivers its typed events', async () => {
    const path = route((req) => {
      const sse = req.getEventSource<{ chat: { text: string }; message: string }>();
      sse.send({ text: 'typed' }, { event: 'chat' });
      sse.send('plain');
      return sse.close();
    });
    const client = new EventSourceClient(`${server.url}${path}`, ['message', 'chat']);
    expect(await client.waitForEvents(2, generous)).toBe(true);
    expect(client.events.map((e) => [e.type, e.data])).toEqual([
      ['chat', '{"text":"typed"}'],
      ['message', 'plain'],
    ]);
  });

  it('a client reconnecting after the server closed sends Last-Event-ID, which reaches sse.lastEventId', async () => {
    const seen: (string | undefined)[] = [];
    const path = route(async (req) => {
      const sse = req.getEventSource();
      seen.push(sse.lastEventId);
      if (sse.lastEventId === undefined) {
        // retry small so the client comes back at once.
        sse.send('first', { id: '42', retry: 20 });
        return sse.close();
      }
      sse.send(`resumed after ${sse.lastEventId}`, { id: '43' });
      await sse.keepAlive();
      return sse.close();
    });
    const client = new EventSourceClient(`${server.url}${path}`);
    expect(await client.waitForEvents(2, generous)).toBe(true);
    expect(seen).toEqual([undefined, '42']);
    expect(client.opens).toBe(2);
    expect(client.events).toEqual([
      { type: 'message', data: 'first', lastEventId: '42' },
      { type: 'message', data: 'resumed after 42', lastEventId: '43' },
    ]);
  });

  it('pings never fire onmessage (they are comments), though they are written', async () => {
    const path = route(async (req) => {
      const sse = req.getEventSource('pinged-es');
      sse.withPing((ping) => {
        ping.dataMessage = 'ping';
        ping.interval = 50;
        ping.start();
      });
      await sse.keepAlive();
      return sse.close();
    });
    const client = new EventSourceClient(`${server.url}${path}`);
    expect(await client.waitFor((c) => c.opens === 1, generous)).toBe(true);
    const source = registry.getByIdentifier('pinged-es')!;
    const pingBytes = Buffer.byteLength(': ping\n\n');
    // Wait until at least three pings were written (sentContentLength counts them).
    for (let i = 0; i < 100 && source.sentContentLength < 3 * pingBytes; i++) await sleep(20);
    expect(source.sentContentLength).toBeGreaterThanOrEqual(3 * pingBytes);
    expect(client.events).toEqual([]);
    source.send('real');
    expect(await client.waitForEvents(1, generous)).toBe(true);
    expect(client.data).toEqual(['real']);
  });
});

describe('any method may open a stream', () => {
  async function* tokens(words: readonly string[]): AsyncGenerator<string> {
    for (const word of words) {
      await sleep(2);
      yield word;
    }
  }

  it('a POST route streams tokens with sendAll(asyncIterable)', async () => {
    const words = ['The', 'quick', 'brown', 'fox', '🦊'];
    const sentCount = deferred<number>();
    const bodies: string[] = [];
    const path = route(async (req) => {
      bodies.push(await req.text());
      const sse = req.getEventSource();
      sentCount.resolve(await sse.sendAll(tokens(words)));
      sse.send('[DONE]', { event: 'done' });
      return sse.close();
    }, 'post');
    const client = new EventSourceClient(`${server.url}${path}`, ['message', 'done'], {
      fetch: (url, init) => fetch(url, { ...init, method: 'POST', body: 'tell me a story' }),
    });
    expect(await client.waitForEvents(6, generous)).toBe(true);
    expect(client.events.map((e) => [e.type, e.data])).toEqual([...words.map((w) => ['message', w]), ['done', '[DONE]']]);
    expect(await within(sentCount.promise, generous, 'sendAll')).toBe(5);
    expect(bodies[0]).toBe('tell me a story');
  });

  it('sendAll also takes a plain iterable and send options', async () => {
    const path = route(async (req) => {
      const sse = req.getEventSource();
      await sse.sendAll(['x', 'y'], { id: 'batch' });
      return sse.close();
    }, 'post');
    const stream = await ParsedStream.open(`${server.url}${path}`, { method: 'POST', body: '' });
    expect(await stream.waitFor((s) => s.ended, generous)).toBe(true);
    expect(stream.events).toEqual([
      { data: 'x', id: 'batch', event: undefined },
      { data: 'y', id: 'batch', event: undefined },
    ]);
  });

  it('sendAll names every item with `event` and computes ids per item with a function', async () => {
    interface Progress {
      step: { n: number };
    }
    const path = route(async (req) => {
      const sse = req.getEventSource<Progress>();
      // Types only (never called): the event map types the items of a named sendAll.
      const _typeCheck = (): void => {
        // @ts-expect-error a 'step' item is { n: number }
        void sse.sendAll([1, 2], { event: 'step' });
        // @ts-expect-error 'stop' is not an event of the map
        void sse.sendAll([{ n: 1 }], { event: 'stop' });
      };
      await sse.sendAll([{ n: 1 }, { n: 2 }, { n: 3 }], { event: 'step', id: (item, index) => `s${item.n}-${index}` });
      return sse.close();
    }, 'post');
    const stream = await ParsedStream.open(`${server.url}${path}`, { method: 'POST', body: '' });
    expect(await stream.waitFor((s) => s.ended, generous)).toBe(true);
    expect(stream.events).toEqual([
      { data: '{"n":1}', id: 's1-0', event: 'step' },
      { data: '{"n":2}', id: 's2-1', event: 'step' },
      { data: '{"n":3}', id: 's3-2', event: 'step' },
    ]);
  });

  it('sendAll stops (and ends the source) when the client goes away', async () => {
    let produced = 0;
    const generatorFinished = deferred<number>();
    const sendAllResult = deferred<number>();
    async function* endless(): AsyncGenerator<string> {
      try {
        for (;;) {
          yield `token ${produced++}`;
          await sleep(10);
        }
      } finally {
        generatorFinished.resolve(produced);
      }
    }
    const path = route(async (req) => {
      const sse = req.getEventSource();
      sendAllResult.resolve(await sse.sendAll(endless()));
      return sse.close();
    }, 'post');
    const stream = await ParsedStream.open(`${server.url}${path}`, { method: 'POST', body: 'go' });
    expect(await stream.waitFor((s) => s.events.length >= 3, generous)).toBe(true);
    stream.close();
    const sent = await within(sendAllResult.promise, generous, 'sendAll to stop after the disconnect');
    const finishedAt = await within(generatorFinished.promise, generous, 'the generator to be returned');
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(finishedAt).toBeGreaterThanOrEqual(sent);
    const producedThen = produced;
    await sleep(60);
    expect(produced).toBe(producedThen); // nothing pulls from it any more
  });
});
