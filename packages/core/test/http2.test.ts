import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { constants } from 'node:http2';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { injectable } from 'inversify';
import { pino } from 'pino';
import { HttpResponse, HttpServer, RouteGet, RoutePost, RoutePrefix, type HttpRequest, type HttpServerBuilder } from '@sluice/core';
import { startHost, deferred, within, type StartedHost } from '../../../test/support/host.js';
import {
  closeHttp2Clients,
  destroyRawH2c,
  devCertificate,
  FrameType,
  H2Client,
  http1OverTls,
  RawH2c,
} from '../../../test/support/http2.js';

const forbidden = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

@injectable()
@RoutePrefix('/users')
class UsersController {
  @RouteGet('/:id')
  get(req: HttpRequest) {
    return { id: req.params.id, version: req.httpVersion, protocol: req.protocol, requestId: req.id };
  }

  @RoutePost('/')
  async create(req: HttpRequest) {
    return HttpResponse.json(await req.json(), 201);
  }
}

const hosts: StartedHost[] = [];
afterEach(async () => {
  closeHttp2Clients();
  destroyRawH2c();
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

async function start(builder: HttpServerBuilder): Promise<StartedHost> {
  const started = await startHost(builder);
  hosts.push(started);
  return started;
}

const h2c = () => HttpServer.createBuilder().useHttp2({ cleartext: true });
const h2 = (allowHTTP1?: boolean) => HttpServer.createBuilder().useHttp2({ ...devCertificate(), allowHTTP1 });

/** Writes `text` over TLS negotiated as `http/1.1` and resolves with what came back before the server closed. */
function tlsExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () =>
      socket.write(text),
    );
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** A TCP connection that never starts its TLS handshake. */
async function silentConnection(port: number): Promise<Socket> {
  const socket = netConnect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

describe('HTTP/2 (h2c and h2 over TLS)', () => {
  it.each([
    ['h2c', h2c, 'http'],
    ['h2 over TLS', () => h2(), 'https'],
  ])('%s: controllers answer on an HTTP/2 session; host.url has the scheme', async (_name, builder, scheme) => {
    const { url } = await start(builder().useControllers(UsersController));
    expect(url.startsWith(`${scheme}://127.0.0.1:`)).toBe(true);
    const client = await H2Client.connect(url);
    if (scheme === 'https') expect(client.session.alpnProtocol).toBe('h2');

    const got = await client.request('/users/42');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.text)).toMatchObject({ id: '42', version: '2.0', protocol: scheme });

    const created = await client.request('/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"Ada"}',
    });
    expect(created.status).toBe(201);
    expect(JSON.parse(created.text)).toEqual({ name: 'Ada' });

    const missing = await client.request('/nothing');
    expect(missing.status).toBe(404);
    const wrongMethod = await client.request('/users/1', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET, HEAD, OPTIONS');
  });

  it('a session allows at least 100 concurrent streams by default; the 129th waits for a free one', async () => {
    const release = deferred();
    let running = 0;
    let peak = 0;
    const { url } = await start(
      h2c()
        .useConfiguration((c) => (c.requestTimeout = 0))
        .useHandlers(),
    );
    hosts[0]!.host.router.get('/slow', async () => {
      running++;
      peak = Math.max(peak, running);
      await release.promise;
      running--;
      return 'done';
    });
    const client = await H2Client.connect(url);
    expect(client.session.remoteSettings.maxConcurrentStreams).toBe(128);
    const answers = Array.from({ length: 129 }, () => client.request('/slow'));
    for (let i = 0; i < 100 && running < 128; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(running).toBe(128);
    release.resolve();
    const statuses = (await Promise.all(answers)).map((a) => a.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(peak).toBe(128);
  });

  it('maxConcurrentStreams is configurable', async () => {
    const { url } = await start(HttpServer.createBuilder().useHttp2({ cleartext: true, maxConcurrentStreams: 300 }));
    const client = await H2Client.connect(url);
    expect(client.session.remoteSettings.maxConcurrentStreams).toBe(300);
    expect(() => HttpServer.createBuilder().useHttp2({ cleartext: true, maxConcurrentStreams: 0 })).toThrow(/maxConcurrentStreams/);
  });

  it('an HTTP/2 response carries no connection-specific header, even when the handler sets them', async () => {
    const { url, host } = await start(h2());
    host.router.get(
      '/hop',
      () =>
        new HttpResponse(200, 'hop', {
          Connection: 'close',
          'Keep-Alive': 'timeout=5',
          'proxy-connection': 'keep-alive',
          'transfer-encoding': 'chunked',
          upgrade: 'websocket',
          'x-kept': 'yes',
        }),
    );
    const client = await H2Client.connect(url);
    for (let i = 0; i < 2; i++) {
      const got = await client.request('/hop');
      expect(got.status).toBe(200);
      expect(got.text).toBe('hop');
      expect(got.headers['x-kept']).toBe('yes');
      for (const name of forbidden) expect(got.headers[name]).toBeUndefined();
    }
  });

  it('the TLS port serves HTTP/1.1 clients (ALPN http/1.1) by default', async () => {
    const { url } = await start(h2().useControllers(UsersController));
    const got = await http1OverTls(`${url}/users/7`);
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body)).toMatchObject({ id: '7', version: '1.1', protocol: 'https' });
  });

  it('the HTTP/1.1 fallback keeps the HTTP/1.1 limits: 431 for an oversized head, 408 for a slow one', async () => {
    const { host } = await start(
      h2().useConfiguration((c) => {
        c.maxHeaderSize = 2048;
        c.headersTimeout = 300;
      }),
    );
    const oversized = await tlsExchange(host.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`);
    expect(oversized.startsWith('HTTP/1.1 431')).toBe(true);
    const slow = await tlsExchange(host.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
    expect(slow.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('allowHTTP1: false refuses HTTP/1.1 clients: the TLS handshake fails for lack of a common protocol', async () => {
    const { url } = await start(h2(false).useControllers(UsersController));
    await expect(http1OverTls(`${url}/users/7`)).rejects.toThrow(/alert|protocol|socket hang up|ECONNRESET/i);
    // An HTTP/2 client is still served.
    const client = await H2Client.connect(url);
    expect((await client.request('/users/7')).status).toBe(200);
  });

  it('allowHTTP1: false answers a client that negotiated no protocol with 505', async () => {
    const { host } = await start(h2(false));
    const text = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: host.port, rejectUnauthorized: false }, () => {
        socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(text.startsWith('HTTP/1.1 505')).toBe(true);
  });

  it('static files, CORS and compression work over HTTP/2', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-h2-static-'));
    try {
      await writeFile(path.join(dir, 'app.js'), 'console.log("hi");\n'.repeat(200));
      const { url } = await start(
        h2()
          .useStaticFiles('/assets', dir)
          .useConfiguration((c) => {
            c.cors = { origins: ['https://app.example'] };
            c.compression = { threshold: 100 };
          }),
      );
      const client = await H2Client.connect(url);
      const file = await client.request('/assets/app.js', { headers: { origin: 'https://app.example', 'accept-encoding': 'gzip' } });
      expect(file.status).toBe(200);
      expect(file.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(file.headers['etag']).toBeDefined();
      const notModified = await client.request('/assets/app.js', { headers: { 'if-none-match': String(file.headers['etag']) } });
      expect(notModified.status).toBe(304);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a streamed response body and a body read as a stream work over HTTP/2', async () => {
    const { url, host } = await start(h2c());
    host.router.get('/stream', () => HttpResponse.stream(Readable.from(['a', 'b', 'c']), 'text/plain'));
    host.router.post('/echo', async (req) => {
      let total = 0;
      for await (const chunk of req.raw) total += (chunk as Buffer).length;
      return { total };
    });
    const client = await H2Client.connect(url);
    const streamed = await client.request('/stream');
    expect(streamed.text).toBe('abc');
    expect(streamed.headers['transfer-encoding']).toBeUndefined();
    const echoed = await client.request('/echo', { method: 'POST', body: Buffer.alloc(100_000) });
    expect(JSON.parse(echoed.text)).toEqual({ total: 100_000 });
  });

  it('compresses a compressible response over HTTP/2', async () => {
    const { url, host } = await start(h2c().useConfiguration((c) => (c.compression = { threshold: 100 })));
    host.router.get('/big', () => ({ items: Array.from({ length: 200 }, (_, i) => `item-${i}`) }));
    const client = await H2Client.connect(url);
    const got = await client.request('/big', { headers: { 'accept-encoding': 'gzip' } });
    expect(got.headers['content-encoding']).toBe('gzip');
  });

  it('an oversized body gets 413 on its stream and the session keeps serving', async () => {
    const { url, host } = await start(h2c().useConfiguration((c) => (c.maxBodySize = 1024)));
    host.router.post('/upload', async (req) => ({ size: (await req.bytes()).length }));
    const client = await H2Client.connect(url);
    const refused = await client.request('/upload', { method: 'POST', body: Buffer.alloc(256 * 1024) });
    expect(refused.status).toBe(413);
    for (const name of forbidden) expect(refused.headers[name]).toBeUndefined();
    const small = await client.request('/upload', { method: 'POST', body: 'abc' });
    expect(JSON.parse(small.text)).toEqual({ size: 3 });
  });

  it('a handler past requestTimeout gets 503 over HTTP/2 without a Connection header', async () => {
    const { url, host } = await start(
      h2c().useConfiguration((c) => {
        c.requestTimeout = 200;
        c.headersTimeout = 100;
      }),
    );
    host.router.get('/stuck', () => new Promise(() => undefined));
    const client = await H2Client.connect(url);
    const got = await client.request('/stuck');
    expect(got.status).toBe(503);
    expect(got.headers['connection']).toBeUndefined();
    expect((await client.request('/stuck2')).status).toBe(404);
  });

  it('a header list over maxHeaderSize resets the stream; the session keeps serving', async () => {
    const { url, host } = await start(h2c().useConfiguration((c) => (c.maxHeaderSize = 4096)));
    host.router.get('/', () => 'ok');
    const client = await H2Client.connect(url);
    expect(client.session.remoteSettings.maxHeaderListSize).toBe(4096);
    await expect(client.request('/', { headers: { 'x-big': 'a'.repeat(8000) } })).rejects.toThrow();
    expect((await client.request('/')).text).toBe('ok');
  });

  it('host.inject() runs a request through an HTTP/2 host, in HTTP/2', async () => {
    const host = h2()
      .useControllers(UsersController)
      .useConfiguration((c) => (c.logger = false))
      .build();
    hosts.push({ host, url: '', stop: () => host.stop() });
    const res = await host.inject({ url: '/users/9' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ id: '9', version: '2.0' });
    host.router.get('/hop', () => new HttpResponse(204, null, { connection: 'close' }));
    const hop = await host.inject({ url: '/hop' });
    expect(hop.status).toBe(204);
    expect(hop.headers['connection']).toBeUndefined();
    const posted = await host.inject({ method: 'POST', url: '/users', body: { a: 1 } });
    expect(posted.json()).toEqual({ a: 1 });
  });

  it('a client resetting its stream aborts request.signal; the session goes on', async () => {
    const aborted = deferred<string>();
    const { url, host } = await start(h2c());
    host.router.get('/wait', (req) => {
      return new Promise((resolve) =>
        req.signal.addEventListener('abort', () => {
          aborted.resolve(String((req.signal.reason as Error).name));
          resolve('gone');
        }),
      );
    });
    host.router.get('/', () => 'ok');
    const client = await H2Client.connect(url);
    const stream = client.session.request({ ':path': '/wait' });
    stream.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 50));
    stream.close(constants.NGHTTP2_CANCEL);
    expect(await aborted.promise).toBe('AbortError');
    expect((await client.request('/')).text).toBe('ok');
  });

  it('a client resetting its stream mid-upload fails the body read at once (SLUICE_BODY_ABORTED)', async () => {
    const failed = deferred<string>();
    const { url, host } = await start(h2c());
    host.router.post('/upload', async (req) => {
      try {
        await req.bytes();
        failed.resolve('read');
      } catch (error) {
        failed.resolve(String((error as { code?: string }).code));
      }
      return 'done';
    });
    // Raw frames: node's own client ends its side (END_STREAM) before a reset, as if the body were whole.
    const raw = await RawH2c.connect(host.port);
    raw.socket.write(RawH2c.headers(1, 'POST', '/upload', false));
    raw.socket.write(RawH2c.frame(FrameType.Data, 0, 1, Buffer.alloc(1000)));
    await new Promise((r) => setTimeout(r, 50));
    raw.socket.write(RawH2c.rstStream(1));
    expect(await within(failed.promise, 2000, 'the body read to fail')).toBe('SLUICE_BODY_ABORTED');
    // The host goes on serving.
    const client = await H2Client.connect(url);
    expect((await client.request('/upload', { method: 'POST', body: 'abc' })).text).toBe('done');
  });

  it('request ids come from the configured header over HTTP/2', async () => {
    const { url } = await start(
      h2c()
        .useControllers(UsersController)
        .useConfiguration((c) => (c.requestIdHeader = 'x-request-id')),
    );
    const client = await H2Client.connect(url);
    const got = await client.request('/users/1', { headers: { 'x-request-id': 'abc-123' } });
    expect(JSON.parse(got.text).requestId).toBe('abc-123');
  });

  it('the access log has one line per HTTP/2 request, with the error code of an error answer', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    const host = h2c()
      .useListeningPort(0)
      .useConfiguration((c) => {
        c.accessLog = true;
        c.logger = pino({ level: 'info' }, sink);
      })
      .build();
    host.router.get('/ok', () => 'ok');
    await host.start();
    hosts.push({ host, url: host.url, stop: () => host.stop() });
    const client = await H2Client.connect(host.url);
    await client.request('/ok');
    await client.request('/nowhere');
    client.session.close();
    await host.stop();
    const access = lines.filter((line) => line.msg === 'request');
    expect(access.map((line) => [line.path, line.status, line.code])).toEqual([
      ['/ok', 200, undefined],
      ['/nowhere', 404, 'SLUICE_NOT_FOUND'],
    ]);
  });

  it('headersTimeout bounds the TLS handshake: a connection that sends nothing is closed', async () => {
    const { host } = await start(
      h2().useConfiguration((c) => {
        c.headersTimeout = 300;
      }),
    );
    const socket = await silentConnection(host.port);
    const started = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stop() closes a connection still in its TLS handshake at once', async () => {
    const { host } = await start(h2());
    const socket = await silentConnection(host.port);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const started = Date.now();
    await host.stop();
    await closed;
    expect(Date.now() - started).toBeLessThan(5000); // the grace period is 10 s
  });

  it('a session with no open stream is closed with GOAWAY after keepAliveTimeout', async () => {
    const { url, host } = await start(h2c().useConfiguration((c) => (c.keepAliveTimeout = 200)));
    host.router.get('/', () => 'ok');
    const client = await H2Client.connect(url);
    await client.request('/');
    expect(await client.waitForGoaway(3000)).toBe(true);
    expect(client.goawayCode).toBe(constants.NGHTTP2_NO_ERROR);
  });

  it('stop() closes idle sessions at once with GOAWAY, and a request in flight finishes first', async () => {
    const release = deferred();
    const { url, host } = await start(h2());
    host.router.get('/slow', async () => {
      await release.promise;
      return HttpResponse.text('late');
    });
    host.router.get('/', () => 'ok');
    const idle = await H2Client.connect(url);
    await idle.request('/');
    const busy = await H2Client.connect(url);
    const answer = busy.request('/slow');
    await new Promise((r) => setTimeout(r, 50));
    const stopped = host.stop();
    expect(await idle.waitForGoaway(2000)).toBe(true);
    expect(await idle.waitForClose(2000)).toBe(true);
    release.resolve();
    const late = await answer;
    expect(late.text).toBe('late');
    for (const name of forbidden) expect(late.headers[name]).toBeUndefined();
    await stopped;
    expect(await busy.waitForClose(2000)).toBe(true);
    expect(host.server.listening).toBe(false);
  });
});
