import 'reflect-metadata';
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpServer, HttpResponse, type HttpRequest, type SluiceError } from '@sluice/core';
import { ssePlugin, EventSourceRegistry, SseErrorCodes, type HttpRequestEventSource } from '@sluice/sse';
import { startHost, deferred, within, type StartedHost } from '../../../test/support/host.js';
import { destroyRawSockets, openRawStream, parseChunks, type RawConnection } from '../../../test/support/raw.js';
import { EventSourceClient, ParsedStream, closeClients } from './helpers/client.js';

// Behaviour about time: timeouts and intervals here are short (50-300 ms) and every
// assertion on them is about order (the stream was still open after several sends;
// it closed only after the sends stopped) with generous upper bounds (`generous`),
// never about precise timing.
const generous = 5000;

let server: StartedHost;
let registry: EventSourceRegistry;
let routeCount = 0;

function route(handler: (req: HttpRequest) => HttpResponse | Promise<HttpResponse>): string {
  const path = `/r${++routeCount}`;
  server.host.router.get(path, handler);
  return path;
}

beforeEach(async () => {
  server = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin()));
  registry = server.host.container.get(EventSourceRegistry);
});

afterEach(async () => {
  destroyRawSockets();
  closeClients();
  await server.stop();
});

/** Resolves with the stream once `registered` fires for `identifier` (or it is already there). */
function whenRegistered(identifier: string): Promise<HttpRequestEventSource> {
  const existing = registry.getByIdentifier(identifier);
  if (existing !== undefined) return Promise.resolve(existing);
  return new Promise((resolve) => {
    const listener = (source: HttpRequestEventSource): void => {
      if (source.identifier !== identifier) return;
      registry.off('registered', listener);
      resolve(source);
    };
    registry.on('registered', listener);
  });
}

/** Resolves once `unregistered` fired for `identifier`. */
function whenUnregistered(identifier: string): Promise<HttpRequestEventSource> {
  return new Promise((resolve) => {
    const listener = (source: HttpRequestEventSource): void => {
      if (source.identifier !== identifier) return;
      registry.off('unregistered', listener);
      resolve(source);
    };
    registry.on('unregistered', listener);
  });
}

/** The comment lines (`: text`) seen so far in a raw stream's body. */
function commentLines(connection: RawConnection): string[] {
  return (connection.stream?.body ?? '').split('\n').filter((line) => line.startsWith(':'));
}

describe('keepAlive', () => {
  it('keepAlive(timeoutMs) resolves after timeoutMs without a send; the handler resumes and closes the stream', async () => {
    const timeline: { opened?: number; resumed?: number; activeAfter?: boolean; reason?: string; endReason?: string } = {};
    const handlerReturned = deferred<void>();
    const path = route(async (req) => {
      const sse = req.getEventSource();
      timeline.opened = performance.now();
      timeline.reason = await sse.keepAlive(200);
      timeline.endReason = sse.endReason;
      timeline.resumed = performance.now();
      // As in Sisk, the idle timeout terminates the connection, then execution resumes.
      timeline.activeAfter = sse.isActive;
      const response = sse.close();
      handlerReturned.resolve();
      return response;
    });
    const stream = await ParsedStream.open(`${server.url}${path}`);
    expect(await stream.waitFor((s) => s.ended, generous)).toBe(true);
    await within(handlerReturned.promise, generous, 'the handler to resume and return close()');
    expect(stream.events).toEqual([]);
    expect(timeline.activeAfter).toBe(false);
    expect(timeline.reason).toBe('idle');
    expect(timeline.endReason).toBe('idle');
    const idle = timeline.resumed! - timeline.opened!;
    // Not before the timeout (a little slack for timer granularity), well within a generous bound.
    expect(idle).toBeGreaterThanOrEqual(190);
    expect(idle).toBeLessThan(generous);
  });

  it('each send restarts the idle clock: sends every 100 ms keep keepAlive(300) open; it closes after they stop', async () => {
    const handlerResumed = deferred<number>();
    const path = route(async (req) => {
      const sse = req.getEventSource('chatty');
      await sse.keepAlive(300);
      handlerResumed.resolve(performance.now());
      return sse.close();
    });
    const stream = await ParsedStream.open(`${server.url}${path}`);
    const source = registry.getByIdentifier('chatty')!;
    const startedAt = performance.now();
    let lastSendAt = startedAt;
    let sent = 0;
    const timer = setInterval(() => {
      if (source.send(`tick ${sent}`)) {
        sent++;
        lastSendAt = performance.now();
      }
    }, 100);
    try {
      // Keep sending for ~700 ms: more than twice the idle timeout.
      await sleep(700);
      expect(stream.ended).toBe(false);
      expect(source.isActive).toBe(true);
      expect(handlerResumed.settled).toBe(false);
    } finally {
      clearInterval(timer);
    }
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(await stream.waitFor((s) => s.ended, generous)).toBe(true);
    const resumedAt = await within(handlerResumed.promise, generous, 'keepAlive to resolve');
    expect(stream.events.length).toBe(sent);
    // It closed because the sends stopped: not sooner than ~the timeout after the last one.
    expect(resumedAt - lastSendAt).toBeGreaterThanOrEqual(250);
    expect(resumedAt - startedAt).toBeGreaterThan(600);
  });

  it('keepAlive() resolves when the client disconnects: the registry empties without any write', async () => {
    const resumed = deferred<string>();
    const path = route(async (req) => {
      const sse = req.getEventSource('quiet');
      resumed.resolve(await sse.keepAlive());
      return sse.close();
    });
    const connection = await openRawStream(server.host, path);
    const head = await connection.readHead(generous);
    expect(head.status).toBe(200);
    const source = await whenRegistered('quiet');
    expect(registry.count).toBe(1);
    const unregistered = whenUnregistered('quiet');

    connection.destroy();

    expect(await within(unregistered, generous, 'unregistered')).toBe(source);
    expect(await within(resumed.promise, generous, 'keepAlive to resolve')).toBe('client');
    expect(source.endReason).toBe('client');
    expect(registry.count).toBe(0);
    expect(registry.stats().open).toBe(0);
    expect(source.isActive).toBe(false);
    expect(source.sentContentLength).toBe(0); // nothing was ever written: no ping, no event
    expect(source.send('late')).toBe(false);
  });

  it('keepAlive() with a timeout that is not a positive number throws SLUICE_SSE_INVALID_OPTION before anything is written', async () => {
    const codes: unknown[] = [];
    const path = route((req) => {
      const sse = req.getEventSource();
      for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        try {
          void sse.keepAlive(bad);
        } catch (error) {
          codes.push((error as SluiceError).code);
        }
      }
      // Nothing was sent: the handler can still answer with an ordinary response.
      return HttpResponse.json({ ok: false }, 400);
    });
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ ok: false });
    expect(codes).toEqual([
      SseErrorCodes.InvalidOption,
      SseErrorCodes.InvalidOption,
      SseErrorCodes.InvalidOption,
      SseErrorCodes.InvalidOption,
    ]);
  });

  it('keepAlive() resolves when close() is called from elsewhere (through the registry)', async () => {
    const resumed = deferred<string>();
    const path = route(async (req) => {
      const sse = req.getEventSource('closable');
      const reason = await sse.keepAlive();
      resumed.resolve(`${sse.isActive ? 'active' : 'inactive'} ${reason}`);
      return sse.close();
    });
    const stream = await ParsedStream.open(`${server.url}${path}`);
    registry.getByIdentifier('closable')!.send('last words');
    registry.getByIdentifier('closable')!.close();
    expect(await within(resumed.promise, generous, 'keepAlive to resolve')).toBe('inactive closed');
    expect(await stream.waitFor((s) => s.ended, generous)).toBe(true);
    expect(stream.data).toEqual(['last words']);
  });
});

describe('withPing', () => {
  it('sends comment lines `: <dataMessage>` at the interval', async () => {
    const path = route(async (req) => {
      const sse = req.getEventSource('pinged');
      sse.withPing((ping) => {
        ping.dataMessage = 'heartbeat';
        ping.interval = 100;
        ping.start();
      });
      await sse.keepAlive();
      return sse.close();
    });
    const connection = await openRawStream(server.host, path);
    await connection.readHead(generous);
    const startedAt = performance.now();
    expect(await connection.waitForBody((body) => body.split(': heartbeat\n\n').length - 1 >= 3, generous)).toBe(true);
    const elapsed = performance.now() - startedAt;
    // Three pings at a 100 ms interval cannot come sooner than ~3 intervals.
    expect(elapsed).toBeGreaterThanOrEqual(250);
    const stream = connection.stream!;
    expect(stream.body).toMatch(/^(: heartbeat\n\n)+$/);
    // Each ping leaves as its own chunk: comments only, never a data line.
    expect(stream.chunks.every((c) => c === ': heartbeat\n\n')).toBe(true);
  });

  it('skips pings while real messages flow: a send every 50 ms for 600 ms with a 200 ms interval shows no ping', async () => {
    const path = route(async (req) => {
      const sse = req.getEventSource('busy');
      sse.withPing((ping) => {
        ping.dataMessage = 'idle-ping';
        ping.interval = 200;
        ping.start();
      });
      await sse.keepAlive();
      return sse.close();
    });
    const connection = await openRawStream(server.host, path);
    await connection.readHead(generous);
    const source = registry.getByIdentifier('busy')!;
    let sent = 0;
    source.send(`m${sent++}`);
    const timer = setInterval(() => source.send(`m${sent++}`), 50);
    try {
      await sleep(600);
    } finally {
      clearInterval(timer);
    }
    // Let the last send be flushed, then look at the window.
    expect(await connection.waitForBody((body) => body.includes(`data: m${sent - 1}\n\n`), generous)).toBe(true);
    expect(commentLines(connection)).toEqual([]);
    expect(connection.stream!.body.split('\n\n').filter((e) => e.startsWith('data: m'))).toHaveLength(sent);
    // Once the messages stop, pings resume: proves pinging was on all along.
    expect(await connection.waitForBody((body) => body.includes(': idle-ping\n\n'), generous)).toBe(true);
  });

  it('pings use the dataMessage at start(); ping.stop() stops them', async () => {
    const policy = deferred<{ stop(): void }>();
    const path = route(async (req) => {
      const sse = req.getEventSource('stoppable');
      sse.withPing((ping) => {
        ping.dataMessage = 'p';
        ping.interval = 50;
        ping.start();
        policy.resolve(ping);
      });
      await sse.keepAlive();
      return sse.close();
    });
    const connection = await openRawStream(server.host, path);
    await connection.readHead(generous);
    expect(await connection.waitForBody((body) => body.includes(': p\n\n'), generous)).toBe(true);
    (await policy.promise).stop();
    await sleep(20); // a ping already queued in this turn may still leave
    const count = commentLines(connection).length;
    await sleep(250); // five intervals
    expect(commentLines(connection).length).toBe(count);
  });

  it('a failed ping write closes the connection and frees it', async () => {
    const resumed = deferred<void>();
    const path = route(async (req) => {
      const sse = req.getEventSource('ping-victim');
      sse.withPing((ping) => {
        ping.interval = 50;
        ping.start();
      });
      await sse.keepAlive();
      resumed.resolve();
      return sse.close();
    });
    const connection = await openRawStream(server.host, path);
    await connection.readHead(generous);
    expect(await connection.waitForBody((body) => body.includes(': ping\n\n'), generous)).toBe(true);
    const source = registry.getByIdentifier('ping-victim')!;
    const unregistered = whenUnregistered('ping-victim');
    connection.destroy();
    expect(await within(unregistered, generous, 'the entry to go away')).toBe(source);
    await within(resumed.promise, generous, 'keepAlive to resolve');
    expect(registry.getByIdentifier('ping-victim')).toBeUndefined();
    expect(source.isActive).toBe(false);
    expect(registry.stats().open).toBe(0);
  });
});

describe('write failure', () => {
  it('a write to a client that reset the connection frees it', async () => {
    const resumed = deferred<void>();
    const path = route(async (req) => {
      const sse = req.getEventSource('reset-victim');
      await sse.keepAlive();
      resumed.resolve();
      return sse.close();
    });
    const connection = await openRawStream(server.host, path);
    await connection.readHead(generous);
    const source = registry.getByIdentifier('reset-victim')!;
    const unregistered = whenUnregistered('reset-victim');
    // RST instead of FIN, and a write queued before the server can notice.
    connection.socket.resetAndDestroy();
    source.send('into the void');
    source.send('x'.repeat(64 * 1024));
    expect(await within(unregistered, generous, 'the entry to go away')).toBe(source);
    await within(resumed.promise, generous, 'keepAlive to resolve');
    expect(source.isActive).toBe(false);
    expect(source.send('after')).toBe(false);
    expect(registry.count).toBe(0);
    expect(registry.stats().open).toBe(0);
    expect(registry.stats().queuedBytes).toBe(0);
  });
});

describe('host.stop()', () => {
  it('ends every stream, identified or anonymous: a final shutdown event with a retry field, then the end of the body', async () => {
    const resumed: string[] = [];
    const hold = async (sse: HttpRequestEventSource): Promise<HttpResponse> => {
      const reason = await sse.keepAlive();
      resumed.push(`${sse.identifier ?? 'anonymous'} ${reason}`);
      return sse.close();
    };
    server.host.router.get('/id/:id', (req) => hold(req.getEventSource(req.params.id)));
    server.host.router.get('/anon', (req) => hold(req.getEventSource()));

    const identified = await openRawStream(server.host, '/id/user-1');
    const anonymous = await openRawStream(server.host, '/anon');
    const parsed = await ParsedStream.open(`${server.url}/id/user-2`);
    const client = new EventSourceClient(`${server.url}/anon`, ['message', 'shutdown']);
    await identified.readHead(generous);
    await anonymous.readHead(generous);
    expect(await client.waitFor((c) => c.opens === 1, generous)).toBe(true);
    expect(registry.stats().open).toBe(4);

    await within(server.stop(), generous, 'host.stop()');

    for (const connection of [identified, anonymous]) {
      expect(await connection.waitFor(() => connection.stream?.ended === true, generous)).toBe(true);
      const body = connection.stream!.body;
      expect(body).toMatch(/^event: shutdown\nretry: \d+\ndata: server shutting down\n\n$/);
      const retry = Number(/retry: (\d+)/.exec(body)![1]);
      // Default shutdown retry 1000 ms plus a jitter of 0..4000 ms.
      expect(retry).toBeGreaterThanOrEqual(1000);
      expect(retry).toBeLessThanOrEqual(5000);
      // The zero-size chunk is the last thing on the wire.
      expect(parseChunks(connection.stream!.rest).ended).toBe(true);
      expect(connection.stream!.rest.endsWith('0\r\n\r\n')).toBe(true);
    }
    expect(await parsed.waitFor((s) => s.ended, generous)).toBe(true);
    expect(parsed.events).toEqual([{ event: 'shutdown', id: undefined, data: 'server shutting down' }]);
    expect(parsed.retries).toHaveLength(1);
    expect(await client.waitForEvents(1, generous)).toBe(true);
    expect(client.events[0]).toMatchObject({ type: 'shutdown', data: 'server shutting down' });
    expect(resumed.sort()).toEqual(['anonymous shutdown', 'anonymous shutdown', 'user-1 shutdown', 'user-2 shutdown']);
    expect(registry.count).toBe(0);
    expect(registry.stats().open).toBe(0);
  });

  it("one ssePlugin() object on two hosts: each host.stop() ends its own streams, not the other host's", async () => {
    const plugin = ssePlugin();
    const hosts = await Promise.all([
      startHost(HttpServer.createBuilder().usePlugin(plugin)),
      startHost(HttpServer.createBuilder().usePlugin(plugin)),
    ]);
    try {
      for (const h of hosts) {
        h.host.router.get('/s', async (req) => {
          const sse = req.getEventSource('only');
          await sse.keepAlive();
          return sse.close();
        });
      }
      const [a, b] = await Promise.all(hosts.map((h) => ParsedStream.open(`${h.url}/s`)));
      const registries = hosts.map((h) => h.host.container.get(EventSourceRegistry));
      expect(registries[0]).not.toBe(registries[1]);
      await within(hosts[0]!.stop(), generous, 'the first host to stop');
      expect(await a!.waitFor((s) => s.ended, generous)).toBe(true);
      expect(a!.events.map((e) => e.event)).toEqual(['shutdown']);
      expect(b!.ended).toBe(false);
      expect(registries[1]!.getByIdentifier('only')?.isActive).toBe(true);
      await within(hosts[1]!.stop(), generous, 'the second host to stop');
      expect(await b!.waitFor((s) => s.ended, generous)).toBe(true);
      expect(b!.events.map((e) => e.event)).toEqual(['shutdown']);
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });

  it('a stream created before stop() but opened after the others were ended gets the shutdown event too', async () => {
    const release = deferred<void>();
    const entered = deferred<void>();
    const resumed = deferred<string>();
    server.host.router.get('/late', async (req) => {
      const sse = req.getEventSource('late');
      entered.resolve();
      await release.promise; // the head goes out only after the host began to stop
      resumed.resolve(await sse.keepAlive());
      return sse.close();
    });
    server.host.router.get('/witness', async (req) => {
      const sse = req.getEventSource();
      await sse.keepAlive();
      return sse.close();
    });
    const witness = await ParsedStream.open(`${server.url}/witness`);
    const response = fetch(`${server.url}/late`);
    await within(entered.promise, generous, 'the handler to create its stream');
    const stopped = server.stop();
    // The plugin has ended the open streams (the witness got its shutdown event): only now does /late open.
    expect(await witness.waitFor((w) => w.ended, generous)).toBe(true);
    release.resolve();
    const res = await within(response, generous, 'the late stream head');
    expect(res.status).toBe(200);
    // Ends with the shutdown event at once, not when the grace period (10 s) runs out.
    expect(await within(res.text(), generous, 'the late stream to end')).toMatch(
      /^event: shutdown\nretry: \d+\ndata: server shutting down\n\n$/,
    );
    expect(await within(resumed.promise, generous, 'keepAlive to resolve')).toBe('shutdown');
    await within(stopped, generous, 'host.stop()');
    expect(registry.count).toBe(0);
  });

  it('shutdown event, data and retry are configurable', async () => {
    const custom = await startHost(
      HttpServer.createBuilder().usePlugin(ssePlugin({ shutdown: { event: 'bye', data: 'maintenance', retry: 250, jitter: 0 } })),
    );
    try {
      custom.host.router.get('/s', async (req) => {
        const sse = req.getEventSource();
        await sse.keepAlive();
        return sse.close();
      });
      const stream = await ParsedStream.open(`${custom.url}/s`);
      await within(custom.stop(), generous, 'host.stop()');
      expect(await stream.waitFor((s) => s.ended, generous)).toBe(true);
      expect(stream.events).toEqual([{ event: 'bye', id: undefined, data: 'maintenance' }]);
      expect(stream.retries).toEqual([250]);
    } finally {
      await custom.stop();
    }
  });
});
