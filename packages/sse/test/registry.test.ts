import 'reflect-metadata';
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { injectable, inject } from 'inversify';
import { HttpServer, HttpRequest, HttpResponse, RouteGet, RoutePost, RoutePrefix } from '@sluice/core';
import { ssePlugin, EventSourceRegistry, type EventSourceEndReason, type HttpRequestEventSource } from '@sluice/sse';
import { startHost, deferred, within, type StartedHost } from '../../../test/support/host.js';
import { EventSourceClient, ParsedStream, closeClients } from './helpers/client.js';

// Time bounds here are generous upper bounds for things that happen "at once" on
// localhost; no test asserts how fast anything is.
const generous = 5000;

let server: StartedHost;
let registry: EventSourceRegistry;
/** keepAlive() of each handler, by identifier ('' for anonymous), resolved when it returns. */
let resumed: Map<string, Promise<EventSourceEndReason>>;
/** The anonymous streams opened, in order (the registry does not hold them). */
let anonymousSources: HttpRequestEventSource[];

beforeEach(async () => {
  resumed = new Map();
  anonymousSources = [];
  server = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin()));
  registry = server.host.container.get(EventSourceRegistry);
  const hold = async (sse: HttpRequestEventSource): Promise<HttpResponse> => {
    const alive = sse.keepAlive();
    resumed.set(sse.identifier ?? '', alive);
    await alive;
    return sse.close();
  };
  server.host.router.get('/s/:id', (req) => hold(req.getEventSource(req.params.id)));
  server.host.router.get('/anonymous', (req) => {
    const sse = req.getEventSource();
    anonymousSources.push(sse);
    return hold(sse);
  });
});

afterEach(async () => {
  closeClients();
  await server.stop();
});

/** Opens a stream and waits until the registry holds it. */
async function connect(identifier: string): Promise<ParsedStream> {
  const stream = await ParsedStream.open(`${server.url}/s/${encodeURIComponent(identifier)}`);
  expect(stream.status).toBe(200);
  // The head came, so the stream is registered: the registry indexes it before writing anything.
  expect(registry.getByIdentifier(identifier)).toBeDefined();
  return stream;
}

describe('EventSourceRegistry lookups', () => {
  it('getByIdentifier returns the open stream, and undefined when absent', async () => {
    expect(registry.getByIdentifier('user-ann')).toBeUndefined();
    await connect('user-ann');
    const source = registry.getByIdentifier('user-ann');
    expect(source?.identifier).toBe('user-ann');
    expect(source?.isActive).toBe(true);
    expect(source?.request).toBeInstanceOf(HttpRequest);
    expect(source?.request.path).toBe('/s/user-ann');
    expect(registry.getByIdentifier('user-bob')).toBeUndefined();
  });

  it('find(predicate) and all() return arrays of the matching / all identified streams; count is a property', async () => {
    expect(registry.count).toBe(0);
    expect(registry.all()).toEqual([]);
    await connect('user-ann');
    await connect('user-bob');
    await connect('room-1');
    const anonymous = await ParsedStream.open(`${server.url}/anonymous`);
    expect(anonymous.status).toBe(200);

    expect(typeof registry.count).toBe('number');
    expect(registry.count).toBe(3);
    const users = registry.find((id) => id.startsWith('user-'));
    expect(Array.isArray(users)).toBe(true);
    expect(users.map((s) => s.identifier).sort()).toEqual(['user-ann', 'user-bob']);
    expect(registry.find(() => false)).toEqual([]);
    const all = registry.all();
    expect(Array.isArray(all)).toBe(true);
    expect(all.map((s) => s.identifier).sort()).toEqual(['room-1', 'user-ann', 'user-bob']);
    expect(registry.stats().open).toBe(4); // the anonymous stream is open, not indexed
  });

  it('a stream that closes leaves the registry at once', async () => {
    await connect('user-ann');
    const source = registry.getByIdentifier('user-ann')!;
    source.close();
    expect(source.isActive).toBe(false);
    expect(registry.getByIdentifier('user-ann')).toBeUndefined();
    expect(registry.count).toBe(0);
    expect(source.send('too late')).toBe(false);
  });
});

describe('broadcast', () => {
  it('reaches only the streams whose identifier matches and returns how many', async () => {
    const ann = await connect('user-ann');
    const bob = await connect('user-bob');
    const room = await connect('room-1');
    const anonymous = await ParsedStream.open(`${server.url}/anonymous`);

    expect(registry.broadcast('to users', { event: 'note', id: 'n1' }, (id) => id.startsWith('user-'))).toBe(2);
    expect(registry.broadcast({ to: 'everyone' })).toBe(3);
    expect(registry.broadcast('nobody', undefined, (id) => id === 'user-zed')).toBe(0);

    for (const stream of [ann, bob]) {
      expect(await stream.waitFor((s) => s.events.length >= 2, generous)).toBe(true);
      expect(stream.events).toEqual([
        { event: 'note', id: 'n1', data: 'to users' },
        { event: undefined, id: undefined, data: '{"to":"everyone"}' },
      ]);
    }
    expect(await room.waitFor((s) => s.events.length >= 1, generous)).toBe(true);
    // Give stray events a moment to arrive, had they been sent.
    registry.getByIdentifier('room-1')!.send('marker');
    expect(await room.waitFor((s) => s.data.includes('marker'), generous)).toBe(true);
    expect(room.data).toEqual(['{"to":"everyone"}', 'marker']);
    // Broadcasts go to identified streams only: the anonymous one got nothing before its own marker.
    anonymousSources[0]!.send('anonymous marker');
    expect(await anonymous.waitFor((s) => s.events.length >= 1, generous)).toBe(true);
    expect(anonymous.data).toEqual(['anonymous marker']);
  });

  it('direct sends and broadcasts made in the same tick arrive in the order they were made', async () => {
    const ann = await connect('user-ann');
    const bob = await connect('user-bob');
    const source = registry.getByIdentifier('user-ann')!;
    source.send('a1');
    registry.broadcast('all-1');
    source.send('a2');
    registry.broadcast('users-1', undefined, (id) => id.startsWith('user-'));
    registry.broadcast('all-2');
    source.send('a3');
    expect(await ann.waitFor((s) => s.events.length >= 6, generous)).toBe(true);
    expect(await bob.waitFor((s) => s.events.length >= 3, generous)).toBe(true);
    expect(ann.data).toEqual(['a1', 'all-1', 'a2', 'users-1', 'all-2', 'a3']);
    registry.getByIdentifier('user-bob')!.send('end');
    expect(await bob.waitFor((s) => s.data.includes('end'), generous)).toBe(true);
    expect(bob.data).toEqual(['all-1', 'users-1', 'all-2', 'end']);
  });

  it('a stream closed right after a broadcast still gets that event before its end', async () => {
    const ann = await connect('user-ann');
    const bob = await connect('user-bob');
    registry.broadcast('last words', { id: 'lw' });
    registry.getByIdentifier('user-ann')!.close();
    expect(registry.dropAll()).toBe(1);
    for (const stream of [ann, bob]) {
      expect(await stream.waitFor((s) => s.ended, generous)).toBe(true);
      expect(stream.events).toEqual([{ event: undefined, id: 'lw', data: 'last words' }]);
    }
  });

  it('a stream that opens after a broadcast (in the same tick) does not get it', async () => {
    const early = await connect('early');
    server.host.router.get('/late', async (req) => {
      registry.broadcast('before you came');
      const sse = req.getEventSource('late');
      sse.send('welcome');
      await sse.keepAlive();
      return sse.close();
    });
    const late = await ParsedStream.open(`${server.url}/late`);
    expect(await early.waitFor((s) => s.events.length >= 1, generous)).toBe(true);
    expect(await late.waitFor((s) => s.events.length >= 1, generous)).toBe(true);
    registry.broadcast('for both');
    expect(await late.waitFor((s) => s.events.length >= 2, generous)).toBe(true);
    expect(await early.waitFor((s) => s.events.length >= 2, generous)).toBe(true);
    expect(late.data).toEqual(['welcome', 'for both']);
    expect(early.data).toEqual(['before you came', 'for both']);
  });

  it('host.stop() right after a broadcast delivers the broadcast, then the shutdown event', async () => {
    const ann = await connect('user-ann');
    registry.broadcast('breaking news');
    await within(server.stop(), generous, 'host.stop()');
    expect(await ann.waitFor((s) => s.ended, generous)).toBe(true);
    expect(ann.events.map((e) => [e.event, e.data])).toEqual([
      [undefined, 'breaking news'],
      ['shutdown', 'server shutting down'],
    ]);
  });

  it('stats() counts one message and its bytes per connection reached', async () => {
    await connect('a');
    await connect('b');
    const before = registry.stats();
    expect(before).toEqual({ open: 2, identified: 2, queuedBytes: 0, slowClientsDropped: 0, messagesSent: 0, bytesSent: 0 });
    expect(registry.broadcast('hello')).toBe(2);
    const frameBytes = Buffer.byteLength('data: hello\n\n');
    await within(
      (async () => {
        while (registry.stats().messagesSent < 2) await new Promise((resolve) => setImmediate(resolve));
      })(),
      generous,
      'the broadcast to be flushed',
    );
    const after = registry.stats();
    expect(after.messagesSent).toBe(2);
    expect(after.bytesSent).toBe(2 * frameBytes);
    expect(after.open).toBe(2);
    expect(after.identified).toBe(2);
    expect(after.slowClientsDropped).toBe(0);
    expect(after.queuedBytes).toBeGreaterThanOrEqual(0);
    expect(registry.getByIdentifier('a')?.sentContentLength).toBe(frameBytes);
  });
});

describe('dropAll, registered and unregistered', () => {
  it('dropAll() closes every identified stream, returns how many, and their clients see the end', async () => {
    const ann = await connect('user-ann');
    const bob = await connect('user-bob');
    const anonymous = await ParsedStream.open(`${server.url}/anonymous`);
    expect(registry.dropAll()).toBe(2);
    expect(registry.count).toBe(0);
    expect(await ann.waitFor((s) => s.ended, generous)).toBe(true);
    expect(await bob.waitFor((s) => s.ended, generous)).toBe(true);
    expect(await within(resumed.get('user-ann')!, generous, "ann's keepAlive to resolve")).toBe('closed');
    expect(anonymous.ended).toBe(false);
    expect(registry.stats().open).toBe(1);
  });

  it('emits registered and unregistered with the stream', async () => {
    const log: string[] = [];
    registry.on('registered', (source) => log.push(`+${source.identifier}`));
    registry.on('unregistered', (source) => log.push(`-${source.identifier}`));
    const ann = await connect('user-ann');
    expect(log).toEqual(['+user-ann']);
    const anonymous = await ParsedStream.open(`${server.url}/anonymous`);
    expect(anonymous.status).toBe(200);
    expect(log).toEqual(['+user-ann']); // anonymous streams are not registered
    ann.close();
    const gone = deferred<string | undefined>();
    if (registry.count === 0) gone.resolve('already');
    else registry.once('unregistered', (source) => gone.resolve(source.identifier));
    await within(gone.promise, generous, 'unregistered');
    expect(log).toEqual(['+user-ann', '-user-ann']);
  });

  it('a second connection with an identifier in use replaces the first, which is closed', async () => {
    const log: string[] = [];
    const first = await connect('user-ann');
    const firstSource = registry.getByIdentifier('user-ann')!;
    const firstResumed = resumed.get('user-ann')!;
    registry.on('registered', (source) => log.push(`+${source === firstSource ? 'first' : 'second'}`));
    registry.on('unregistered', (source) => log.push(`-${source === firstSource ? 'first' : 'second'} ${source.endReason}`));

    const second = await connect('user-ann');
    const secondSource = registry.getByIdentifier('user-ann')!;
    expect(secondSource).not.toBe(firstSource);
    expect(firstSource.isActive).toBe(false);
    expect(registry.count).toBe(1);
    // The old stream has left (and says why) before the new one is announced.
    expect(log).toEqual(['-first replaced', '+second']);
    expect(await first.waitFor((s) => s.ended, generous)).toBe(true);
    expect(await within(firstResumed, generous, "the first stream's keepAlive to resolve")).toBe('replaced');
    expect(firstSource.endReason).toBe('replaced');
    expect(secondSource.endReason).toBeUndefined();

    secondSource.send('to the newer one');
    expect(await second.waitFor((s) => s.events.length === 1, generous)).toBe(true);
    expect(second.data).toEqual(['to the newer one']);
    expect(first.events).toEqual([]);
    expect(second.ended).toBe(false);
  });
});

// The contract's example (DESIGN.md, "The user's view"), as written there.
@injectable()
class Notifier {
  // a service: the registry comes through DI
  constructor(@inject(EventSourceRegistry) private readonly sources: EventSourceRegistry) {}
  notify(user: string, text: string) {
    this.sources.getByIdentifier(`user-${user}`)?.send(text);
  }
  announce(text: string) {
    for (const s of this.sources.find((id) => id.startsWith('user-'))) s.send(text);
  }
}

@RoutePrefix('/events')
@injectable()
class EventsController {
  constructor(@inject(Notifier) private readonly notifier: Notifier) {}

  @RouteGet('/hello') // disposable connection: send, then close
  hello(req: HttpRequest): HttpResponse {
    const sse = req.getEventSource();
    sse.send('Hello, world!');
    return sse.close();
  }

  @RouteGet('/:user') // persistent, identified connection
  async stream(req: HttpRequest): Promise<HttpResponse> {
    const sse = req.getEventSource(`user-${req.params.user}`);
    sse.appendHeader('X-Stream', 'v1'); // only before the first send
    sse.withPing((ping) => {
      ping.dataMessage = 'ping';
      ping.interval = 5_000;
      ping.start();
    });
    await sse.keepAlive(15_000); // resolves on disconnect, close(), or 15 s without a send
    return sse.close();
  }

  @RoutePost('/:user')
  async post(req: HttpRequest): Promise<HttpResponse> {
    this.notifier.notify(req.params.user, await req.text());
    return new HttpResponse(202);
  }
}

describe('the registry through DI (the DESIGN.md example)', () => {
  let app: StartedHost;

  afterEach(async () => {
    closeClients();
    await app?.stop();
  });

  it('a service injected with the registry notifies one user from a POST route', async () => {
    app = await startHost(
      HttpServer.createBuilder()
        .useControllers(EventsController)
        .useServices((c) => {
          c.bind(Notifier).toSelf().inSingletonScope();
        })
        .usePlugin(ssePlugin()),
    );
    const appRegistry = app.host.container.get(EventSourceRegistry);

    const hello = new EventSourceClient(`${app.url}/events/hello`);
    expect(await hello.waitForEvents(1, generous)).toBe(true);
    expect(hello.data).toEqual(['Hello, world!']);
    hello.close();

    const ann = new EventSourceClient(`${app.url}/events/ann`);
    const bob = new EventSourceClient(`${app.url}/events/bob`);
    const head = await ParsedStream.open(`${app.url}/events/carol`);
    expect(head.headers['x-stream']).toBe('v1');
    expect(await ann.waitFor((c) => c.opens === 1, generous)).toBe(true);
    expect(await bob.waitFor((c) => c.opens === 1, generous)).toBe(true);
    expect(appRegistry.count).toBe(3);

    const posted = await fetch(`${app.url}/events/ann`, { method: 'POST', body: 'hi ann' });
    expect(posted.status).toBe(202);
    expect(await ann.waitForEvents(1, generous)).toBe(true);
    expect(ann.data).toEqual(['hi ann']);

    app.host.container.get(Notifier).announce('to everyone');
    expect(await bob.waitForEvents(1, generous)).toBe(true);
    expect(await ann.waitForEvents(2, generous)).toBe(true);
    expect(bob.data).toEqual(['to everyone']); // bob never got ann's message
    expect(ann.data).toEqual(['hi ann', 'to everyone']);
    expect(await head.waitFor((s) => s.events.length === 1, generous)).toBe(true);
    expect(head.data).toEqual(['to everyone']);

    // The service and the plugin share one registry: the container's singleton.
    expect(app.host.container.get(EventSourceRegistry)).toBe(appRegistry);
  });
});
