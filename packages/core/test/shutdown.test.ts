import 'reflect-metadata';
import { describe, it, expect, afterEach } from '@jest/globals';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpServer, type HostServer, type HttpRequest, type HttpHost, type SluicePlugin, type PluginContext } from '@sluice/core';
import { startHost, deferred, within, type StartedHost } from '../../../test/support/host.js';
import { RawConnection, destroyRawSockets } from '../../../test/support/raw.js';

// A plugin's request decoration, typed as plugins type theirs (declaration merging).
declare module '@sluice/core' {
  interface HttpRequest {
    shutdownTestGreeting?: (this: HttpRequest) => string;
  }
}

// Bounds here are generous upper bounds on behaviour that is about time (a socket
// is closed "at once" when that happens long before keepAliveTimeout = 60 s).
const generous = 5000;

/** Resolves with the connect error code (ECONNREFUSED), or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Waits until the server has accepted `count` connections (so a test's socket is really in). */
async function waitForConnections(server: HostServer, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const n = await new Promise<number>((resolve, reject) =>
      server.getConnections((error, value) => (error ? reject(error) : resolve(value))),
    );
    if (n >= count) return;
    await sleep(10);
  }
  throw new Error(`the server never had ${count} connections`);
}

describe('graceful shutdown', () => {
  const hosts: StartedHost[] = [];
  const start = async (configure?: (host: HttpHost) => void, builder = HttpServer.createBuilder()): Promise<StartedHost> => {
    const started = await startHost(
      builder.useConfiguration((c) => {
        c.keepAliveTimeout = 60_000;
        c.headersTimeout = 30_000;
        c.requestTimeout = 30_000;
      }),
    );
    hosts.push(started);
    configure?.(started.host);
    return started;
  };

  afterEach(async () => {
    destroyRawSockets();
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  it('after stop() the host accepts no new connections', async () => {
    const { host } = await start((h) => h.router.get('/', () => 'ok'));
    const port = host.port;
    expect(await tryConnect(port)).toBe('connected');
    await host.stop();
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    expect(host.isStopping).toBe(true);
  });

  it('stop() closes an idle keep-alive connection at once', async () => {
    const { host } = await start((h) => h.router.get('/', () => 'ok'));
    const keptAlive = await RawConnection.open(host);
    keptAlive.send('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const res = await keptAlive.readResponse(generous);
    expect(res.status).toBe(200);
    expect(res.headers['connection']).not.toBe('close');
    expect(keptAlive.closed).toBe(false);

    const stopping = host.stop();
    expect(await keptAlive.waitForClose(generous)).toBe(true);
    await within(stopping, generous, 'stop() to resolve');
  });

  it('stop() closes a connection that never sent a request at once', async () => {
    const { host } = await start((h) => h.router.get('/', () => 'ok'));
    const silent = await RawConnection.open(host);
    await waitForConnections(host.server, 1);
    expect(silent.closed).toBe(false);

    const stopping = host.stop();
    expect(await silent.waitForClose(generous)).toBe(true);
    await within(stopping, generous, 'stop() to resolve');
  });

  it('stop() lets an in-flight request finish with 200 and Connection: close, and refuses new connections meanwhile', async () => {
    const entered = deferred();
    const { host } = await start((h) =>
      h.router.get('/slow', async () => {
        entered.resolve();
        await sleep(300);
        return 'done';
      }),
    );
    const port = host.port;
    const connection = await RawConnection.open(host);
    connection.send('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await within(entered.promise, generous, 'the handler to start');

    let stopped = false;
    const stopping = host.stop().then(() => {
      stopped = true;
    });
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    const res = await connection.readResponse(generous);
    expect(res.status).toBe(200);
    expect(res.body).toBe('done');
    expect(res.headers['connection']).toBe('close');
    expect(await connection.waitForClose(generous)).toBe(true);
    await within(stopping, generous, 'stop() to resolve');
    expect(stopped).toBe(true);
  });

  it('stop() resolves only after the in-flight response has been written', async () => {
    const entered = deferred();
    const order: string[] = [];
    const { host, url } = await start((h) =>
      h.router.get('/slow', async (req) => {
        req.rawResponse.once('finish', () => order.push('response written'));
        entered.resolve();
        await sleep(300);
        return 'done';
      }),
    );
    const request = fetch(`${url}/slow`);
    await within(entered.promise, generous, 'the handler to start');
    await host.stop();
    order.push('stopped');
    const res = await request;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('done');
    expect(order).toEqual(['response written', 'stopped']);
  });

  it('stop() destroys a request still running after shutdownGracePeriod, aborting its signal', async () => {
    const entered = deferred();
    const aborted = deferred<boolean>();
    const { host } = await start(
      (h) =>
        h.router.get('/stuck', async (req) => {
          const signal = req.signal;
          entered.resolve();
          // Does not settle on its own; only the connection going away ends it.
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          aborted.resolve(signal.aborted);
          return 'never sent';
        }),
      HttpServer.createBuilder().useConfiguration((c) => {
        c.shutdownGracePeriod = 300;
      }),
    );
    const connection = await RawConnection.open(host);
    connection.send('GET /stuck HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await within(entered.promise, generous, 'the handler to start');

    const stopping = host.stop();
    expect(await connection.waitForClose(generous)).toBe(true);
    expect(connection.received).toBe('');
    await within(stopping, generous, 'stop() to resolve');
    expect(await within(aborted.promise, generous, 'the handler signal to abort')).toBe(true);
  });
});

describe('plugins', () => {
  const hosts: StartedHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  function recordingPlugin(name: string, events: string[]): SluicePlugin {
    return {
      name,
      register(context: PluginContext) {
        events.push(`${name} register`);
        context.router.get(`/plugin/${name}`, () => ({ from: name }));
      },
      async start(host: HttpHost) {
        await sleep(1);
        events.push(`${name} start ${host.port > 0 ? 'listening' : 'not listening'}`);
      },
      async stop(host: HttpHost) {
        await sleep(1);
        events.push(`${name} stop ${host.isStopping ? 'stopping' : 'running'}`);
      },
    };
  }

  it('register and start hooks run in order, stop hooks in reverse order', async () => {
    const events: string[] = [];
    const builder = HttpServer.createBuilder().usePlugin(recordingPlugin('first', events)).usePlugin(recordingPlugin('second', events));
    const started = await startHost(builder);
    hosts.push(started);
    expect(events).toEqual(['first register', 'second register', 'first start listening', 'second start listening']);
    expect(await (await fetch(`${started.url}/plugin/second`)).json()).toEqual({ from: 'second' });

    await started.stop();
    expect(events.slice(4)).toEqual(['second stop stopping', 'first stop stopping']);
  });

  it('a plugin binds services in the host container at register time', async () => {
    const Token = Symbol('PluginService');
    const plugin: SluicePlugin = {
      name: 'binder',
      register(context) {
        context.container.bind<string>(Token).toConstantValue('bound by plugin');
      },
    };
    const started = await startHost(HttpServer.createBuilder().usePlugin(plugin));
    hosts.push(started);
    expect(started.host.container.get<string>(Token)).toBe('bound by plugin');
  });

  it('decorateRequest adds a member to the requests of that host only', async () => {
    const plugin: SluicePlugin = {
      name: 'greeting',
      register(context) {
        context.decorateRequest('shutdownTestGreeting', function (this: HttpRequest) {
          return `hello from ${this.path}`;
        });
      },
    };
    const route = (req: HttpRequest): string => (typeof req.shutdownTestGreeting === 'function' ? req.shutdownTestGreeting() : 'absent');

    const withPlugin = await startHost(HttpServer.createBuilder().usePlugin(plugin));
    hosts.push(withPlugin);
    withPlugin.host.router.get('/greet', route);
    const without = await startHost(HttpServer.createBuilder());
    hosts.push(without);
    without.host.router.get('/greet', route);

    expect(await (await fetch(`${withPlugin.url}/greet`)).text()).toBe('hello from /greet');
    expect(await (await fetch(`${without.url}/greet`)).text()).toBe('absent');
  });

  it('two plugins decorating the same name fail at build() with SLUICE_REQUEST_DECORATOR_CONFLICT', () => {
    const decorate = (name: string): SluicePlugin => ({
      name,
      register(context) {
        context.decorateRequest('shutdownTestGreeting', () => name);
      },
    });
    const builder = HttpServer.createBuilder()
      .useConfiguration((c) => {
        c.logger = false;
      })
      .usePlugin(decorate('one'))
      .usePlugin(decorate('two'));
    let code: unknown;
    try {
      builder.build();
    } catch (error) {
      code = (error as { code?: unknown }).code;
    }
    expect(code).toBe('SLUICE_REQUEST_DECORATOR_CONFLICT');
  });
});
