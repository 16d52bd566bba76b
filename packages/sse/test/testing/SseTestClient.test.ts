import 'reflect-metadata';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpError, HttpResponse, HttpServer, type HttpHost } from '@sluice/core';
import { EventSourceRegistry, ssePlugin } from '@sluice/sse';
import { SseEvent, SseTestClient } from '@sluice/sse/testing';

/** A host on a free port with the SSE plugin and the routes these tests talk to. */
async function startHost(): Promise<HttpHost> {
  const host = HttpServer.createBuilder()
    .useListeningPort(0)
    .useConfiguration((c) => {
      c.logger = false;
    })
    .usePlugin(ssePlugin())
    .build();
  const router = host.router;

  // An identified stream that greets with the Last-Event-ID it was opened with, then stays open.
  router.get('/events/:user', async (req) => {
    const sse = req.getEventSource(`user-${req.params.user}`);
    sse.send({ user: req.params.user, lastEventId: sse.lastEventId ?? null }, { event: 'hello', id: 'hello-1' });
    await sse.keepAlive();
    return sse.close();
  });

  // A finite stream: three events, then the server ends it.
  router.get('/countdown', (req) => {
    const sse = req.getEventSource();
    for (const n of [3, 2, 1]) sse.send(String(n), { id: n });
    sse.send('liftoff', { event: 'done' });
    return sse.close();
  });

  router.get('/private', () => {
    throw new HttpError(401, 'Sign in first');
  });

  router.get('/gone', () => HttpResponse.empty(204));

  router.get('/pinged', async (req) => {
    const sse = req.getEventSource();
    sse.withPing((ping) => {
      ping.dataMessage = 'keep-alive';
      ping.interval = 40;
      ping.start();
    });
    await sse.keepAlive();
    return sse.close();
  });

  router.post('/echo', async (req) => {
    const body = await req.text();
    const sse = req.getEventSource();
    sse.send(body, { event: 'body' });
    sse.send(req.header('x-token') ?? '', { event: 'token' });
    return sse.close();
  });

  // One event, then the socket is cut without ending the body.
  router.get('/broken', async (req) => {
    const sse = req.getEventSource();
    sse.send('last words');
    setTimeout(() => req.rawResponse.destroy(), 30);
    await sse.keepAlive();
    return sse.close();
  });

  // Never answers until the client goes away.
  router.get('/silent', async (req) => {
    await new Promise((resolve) => req.signal.addEventListener('abort', resolve, { once: true }));
    return HttpResponse.empty();
  });

  await host.start();
  return host;
}

describe('SseTestClient', () => {
  let host: HttpHost;
  let registry: EventSourceRegistry;
  const clients: SseTestClient[] = [];

  /** Connects and remembers the client, so afterAll closes it whatever a test did. */
  async function connect(...args: Parameters<typeof SseTestClient.connect>): Promise<SseTestClient> {
    const client = await SseTestClient.connect(...args);
    clients.push(client);
    return client;
  }

  /** The server side of an identified stream. */
  function source(identifier: string) {
    const found = registry.getByIdentifier(identifier);
    if (found === undefined) throw new Error(`no open stream ${identifier}`);
    return found;
  }

  beforeAll(async () => {
    host = await startHost();
    registry = host.container.get(EventSourceRegistry);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await host.stop();
  });

  it('connects to a host and reads the head of the stream', async () => {
    const client = await connect(host, '/events/alice');
    expect(client.status).toBe(200);
    expect(client.isEventStream).toBe(true);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.url).toBe(`${host.url}/events/alice`);
    expect(client.closedBy).toBeUndefined();
  });

  it('accepts a base URL string and a URL as the target', async () => {
    const fromString = await connect(`${host.url}/`, 'countdown');
    const fromUrl = await connect(new URL(host.url), '/countdown');
    expect((await fromString.next()).data).toBe('3');
    expect((await fromUrl.next()).data).toBe('3');
  });

  it('returns the events in order with their type, data and last event ID', async () => {
    const client = await connect(host, '/events/bob');
    const hello = await client.next();
    expect(hello).toBeInstanceOf(SseEvent);
    expect(hello.type).toBe('hello');
    expect(hello.json()).toEqual({ user: 'bob', lastEventId: null });
    expect(hello.id).toBe('hello-1');

    source('user-bob').send('line one\nline two');
    source('user-bob').send({ n: 2 }, { event: 'count', id: 'c-2' });
    const text = await client.next();
    expect(text).toEqual({ type: 'message', data: 'line one\nline two', id: 'hello-1' });
    const count = await client.next();
    expect(count.json<{ n: number }>().n).toBe(2);
    expect(count.id).toBe('c-2');
    expect(client.events).toHaveLength(3);
    expect(client.lastEventId).toBe('c-2');
  });

  it('hands events to waits made at the same time in the order they were made', async () => {
    const client = await connect(host, '/events/bea');
    await client.next();
    const both = Promise.all([client.next(), client.next()]);
    source('user-bea').send('first');
    source('user-bea').send('second');
    expect((await both).map((e) => e.data)).toEqual(['first', 'second']);
  });

  it('waits for a matching event, passing over the others', async () => {
    const client = await connect(host, '/events/carol');
    const chat = client.waitFor((e) => e.type === 'chat' && e.data.includes('hi'));
    const carol = source('user-carol');
    carol.send('noise');
    carol.send('bye', { event: 'chat' });
    carol.send('hi there', { event: 'chat' });
    carol.send('after');
    expect((await chat).data).toBe('hi there');
    // The events passed over were taken: next() continues after the match.
    expect((await client.next()).data).toBe('after');
  });

  it('finds a matching event that arrived before the wait', async () => {
    const client = await connect(host, '/countdown');
    await client.closed;
    expect((await client.waitFor((e) => e.type === 'done')).data).toBe('liftoff');
  });

  it('fails a wait with an error that lists what was received', async () => {
    const client = await connect(host, '/events/dave');
    await client.next();
    source('user-dave').send('only this', { event: 'note' });
    await client.next();
    const failure = client.next({ timeoutMs: 100 });
    await expect(failure).rejects.toThrow(/no event within 100 ms from http:\/\/127\.0\.0\.1:\d+\/events\/dave/);
    await expect(failure).rejects.toThrow(
      /2 events \(2 already taken\): hello "\{.*\}" \(id hello-1\), note "only this"; no comments; the stream is open\./,
    );
    await expect(client.waitFor((e) => e.type === 'never', { timeoutMs: 50 })).rejects.toThrow(
      /no event matching \(?e\)? => e\.type === 'never' within 50 ms/,
    );
    // The client keeps working after a timed-out wait.
    source('user-dave').send('late');
    expect((await client.next()).data).toBe('late');
  });

  it('fails the wait, not the connection, when a predicate throws', async () => {
    const client = await connect(host, '/events/dora');
    await expect(
      client.waitFor(() => {
        throw new Error('bad predicate');
      }),
    ).rejects.toThrow('bad predicate');
    source('user-dora').send('still here');
    expect((await client.next()).data).toBe('still here');
  });

  it('resolves closed when the server ends the stream, and then fails waits at once', async () => {
    const client = await connect(host, '/countdown');
    await client.closed;
    expect(client.closedBy).toBe('server');
    expect(client.events.map((e) => [e.type, e.data, e.id])).toEqual([
      ['message', '3', '3'],
      ['message', '2', '2'],
      ['message', '1', '1'],
      ['done', 'liftoff', '1'],
    ]);
    expect(client.body).toBe('id: 3\ndata: 3\n\nid: 2\ndata: 2\n\nid: 1\ndata: 1\n\nevent: done\ndata: liftoff\n\n');
    await client.waitFor((e) => e.type === 'done');
    await expect(client.next({ timeoutMs: 5_000 })).rejects.toThrow(/no event will come .*the server ended the stream\./s);
  });

  it('reports a broken connection as closed by an error', async () => {
    const client = await connect(host, '/broken');
    expect((await client.next()).data).toBe('last words');
    await client.closed;
    expect(client.closedBy).toBe('error');
    expect(client.error?.message).toMatch(/aborted|ECONNRESET|before the response was complete/);
  });

  it('reconnects with Last-Event-ID set to the last id seen, which the server reads as sse.lastEventId', async () => {
    const first = await connect(host, '/events/erin');
    await first.next();
    source('user-erin').send('more', { id: 'e-7' });
    source('user-erin').send('no id of its own');
    expect((await first.next()).id).toBe('e-7');
    expect((await first.next()).id).toBe('e-7');

    const second = await first.reconnect();
    clients.push(second);
    expect(first.closedBy).toBe('client');
    const hello = await second.next();
    expect(hello.json()).toEqual({ user: 'erin', lastEventId: 'e-7' });

    // A finished stream reconnects the same way.
    const countdown = await connect(host, '/countdown');
    await countdown.closed;
    const again = await countdown.reconnect({ headers: { 'x-attempt': '2' } });
    expect(again.status).toBe(200);
    expect(again.lastEventId).toBe('1');
  });

  it('sends lastEventId, headers and a body on connect', async () => {
    const resumed = await connect(host, '/events/frank', { lastEventId: '41' });
    expect((await resumed.next()).json()).toEqual({ user: 'frank', lastEventId: '41' });

    const echo = await connect(host, '/echo', { body: { q: 'ping' }, headers: { 'x-token': 't0k' }, lastEventId: 'x-9' });
    const body = await echo.waitFor((e) => e.type === 'body');
    expect(body.json()).toEqual({ q: 'ping' });
    // Events without an id of their own carry the one the client started with, as in a browser.
    expect(body.id).toBe('x-9');
    expect((await echo.next()).data).toBe('t0k');
  });

  it('resolves a non-200 answer with its status, headers and body, and no events', async () => {
    const client = await connect(host, '/private');
    expect(client.status).toBe(401);
    expect(client.isEventStream).toBe(false);
    expect(client.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(client.body)).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Sign in first' });
    expect(client.events).toEqual([]);
    await client.closed;
    await expect(client.next()).rejects.toThrow(/no event will come.*answered 401 application\/json; charset=utf-8, not an event stream/s);

    const gone = await connect(host, '/gone');
    expect(gone.status).toBe(204);
    expect(gone.body).toBe('');
  });

  it('collects the comment lines of withPing as comments, not events', async () => {
    const client = await connect(host, '/pinged');
    expect(await client.nextComment()).toBe('keep-alive');
    expect(await client.nextComment()).toBe('keep-alive');
    expect(client.comments.length).toBeGreaterThanOrEqual(2);
    expect(client.events).toEqual([]);
  });

  it('disconnects on close(), which the server sees', async () => {
    const client = await connect(host, '/events/gina');
    await client.next();
    const left = once(registry, 'unregistered');
    client.close();
    const [gone] = (await left) as [{ identifier: string }];
    expect(gone.identifier).toBe('user-gina');
    await client.closed;
    expect(client.closedBy).toBe('client');
    await expect(client.next()).rejects.toThrow(/the client closed the connection/);
  });

  it('rejects connect when no response head comes in time', async () => {
    await expect(SseTestClient.connect(host, '/silent', { timeoutMs: 100 })).rejects.toThrow(
      /no response head within 100 ms from GET http:\/\/127\.0\.0\.1:\d+\/silent/,
    );
  });

  it('rejects connect when nothing listens', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    await expect(SseTestClient.connect(`http://127.0.0.1:${port}`, '/events')).rejects.toThrow(/failed: connect ECONNREFUSED/);
  });
});

describe('SseTestClient and host shutdown', () => {
  it('sees the final shutdown event with its retry, then the end of the stream', async () => {
    const host = await startHost();
    const client = await SseTestClient.connect(host, '/events/hal');
    await client.next();
    const stopped = host.stop();
    const last = await client.waitFor((e) => e.type === 'shutdown');
    expect(last.retry).toBeGreaterThanOrEqual(1_000);
    expect(last.retry).toBeLessThanOrEqual(5_000);
    expect(client.retry).toBe(last.retry);
    await client.closed;
    expect(client.closedBy).toBe('server');
    await stopped;
  });
});
