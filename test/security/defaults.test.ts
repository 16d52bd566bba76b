import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpError, HttpServer, type HttpServerBuilder } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';
import { startHost, type StartedHost } from '../support/host.js';
import { RawConnection, destroyRawSockets, rawRequest, splitHead } from '../support/raw.js';

// The security defaults docs/security.md promises, each checked over a real socket against a
// host built with no security configuration at all (except where a test opens something up).
const generous = 5_000;
const SECRET = 'TOPSECRET-7f3a9c';

const hosts: StartedHost[] = [];
async function start(builder: HttpServerBuilder): Promise<StartedHost> {
  const started = await startHost(builder);
  hosts.push(started);
  return started;
}

afterEach(() => destroyRawSockets());

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
});

/** One raw request; the parsed head and body of the answer (or the bytes when there was no HTTP answer). */
async function raw(
  host: StartedHost,
  text: string,
): Promise<{ status: number; headers: Record<string, string>; body: string; received: string }> {
  const received = await rawRequest(host.host, text, {
    timeoutMs: generous,
    until: (r) => {
      const stream = splitHead(r);
      if (stream === undefined) return false;
      const length = stream.headers['content-length'];
      return stream.chunked ? stream.ended : length !== undefined && stream.rest.length >= Number(length);
    },
  });
  const stream = splitHead(received);
  return { status: stream?.status ?? 0, headers: stream?.headers ?? {}, body: stream?.body ?? '', received };
}

describe('a default host', () => {
  let server: StartedHost;

  beforeAll(async () => {
    server = await start(HttpServer.createBuilder().usePlugin(ssePlugin()));
    const router = server.host.router;
    router.get('/throws', () => {
      throw new Error(`database password is ${SECRET}`);
    });
    router.get('/rejects', async () => {
      await Promise.resolve();
      throw new TypeError(`Cannot read properties of undefined (reading '${SECRET}')`);
    });
    router.get('/throws-string', () => {
      throw SECRET;
    });
    router.get('/http-error', () => {
      throw new HttpError(409, 'That name is taken');
    });
    router.get('/ok', () => 'ok');
    router.get('/id', (req) => ({ id: req.id, remoteAddress: req.remoteAddress }));
    router.post('/upload', async (req) => ({ length: (await req.bytes()).length }));
    router.get('/sse', (req) => {
      const sse = req.getEventSource();
      sse.send('hi');
      return sse.close();
    });
  });

  describe('errors', () => {
    it.each(['/throws', '/rejects', '/throws-string'])(
      '%s: a throwing handler answers 500 with no message or stack trace',
      async (route) => {
        const res = await raw(server, `GET ${route} HTTP/1.1\r\nHost: x\r\n\r\n`);
        expect(res.status).toBe(500);
        expect(res.received).not.toContain(SECRET);
        expect(res.received).not.toMatch(/\bat .+:\d+:\d+|\.ts\b|\.js\b|node:internal|Error:/);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
      },
    );

    it('an HttpError shows the message its code chose to show, and its status', async () => {
      const res = await fetch(`${server.url}/http-error`);
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('That name is taken');
    });

    it('an error answer is JSON, never HTML, so a reflected path cannot become markup', async () => {
      const res = await raw(server, 'GET /%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).not.toContain('<script>');
    });
  });

  describe('headers', () => {
    it.each(['/ok', '/nowhere', '/throws', '/sse'])('%s: no X-Powered-By, no Server banner', async (route) => {
      const connection = await RawConnection.open(server.host);
      connection.send(`GET ${route} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
      const head = await connection.readHead(generous);
      expect(head.headers['x-powered-by']).toBeUndefined();
      expect(head.headers['server']).toBeUndefined();
    });

    it('CORS is closed: a cross-origin request gets no Access-Control-* header', async () => {
      const res = await raw(server, 'GET /ok HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n');
      expect(res.status).toBe(200);
      expect(Object.keys(res.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    });

    it('CORS is closed: a preflight gets no Access-Control-* header', async () => {
      const res = await raw(
        server,
        'OPTIONS /upload HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n',
      );
      expect(res.status).toBeLessThan(500);
      expect(Object.keys(res.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    });

    it('a client-sent X-Request-Id is not taken as the request id', async () => {
      const res = await fetch(`${server.url}/id`, { headers: { 'x-request-id': 'forged-by-client' } });
      const body = (await res.json()) as { id: string };
      expect(body.id).not.toBe('forged-by-client');
      expect(res.headers.get('x-request-id')).not.toBe('forged-by-client');
    });

    it('X-Forwarded-For is not believed: remoteAddress is the socket peer', async () => {
      const res = await fetch(`${server.url}/id`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(((await res.json()) as { remoteAddress: string }).remoteAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    });
  });

  describe('limits', () => {
    it('a request head over 16 KiB gets 431', async () => {
      const res = await raw(server, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
      expect(res.status).toBe(431);
    });

    it('a URL over 16 KiB gets 431 (it counts against the head)', async () => {
      const res = await raw(server, `GET /ok?q=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(res.status).toBe(431);
    });

    it('many small headers adding up past 16 KiB get 431', async () => {
      const headers = Array.from({ length: 600 }, (_, i) => `X-H${i}: ${'v'.repeat(24)}\r\n`).join('');
      const res = await raw(server, `GET /ok HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
      expect(res.status).toBe(431);
    });

    it('a declared body over 1 MiB gets 413 without the server reading it', async () => {
      const res = await raw(server, `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`);
      expect(res.status).toBe(413);
    });

    it('a chunked body that grows past 1 MiB gets 413', async () => {
      const connection = await RawConnection.open(server.host);
      connection.send('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 17 && !connection.closed; i++) connection.send(`${(64 * 1024).toString(16)}\r\n${chunk}\r\n`);
      const res = await connection.readResponse(generous);
      expect(res.status).toBe(413);
    });

    it('a body of exactly 1 MiB is accepted', async () => {
      const res = await fetch(`${server.url}/upload`, { method: 'POST', body: new Uint8Array(1024 * 1024) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ length: 1024 * 1024 });
    });
  });
});

describe('configured limits and trust', () => {
  it('maxBodySize and maxHeaderSize are enforced as set', async () => {
    const server = await start(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.maxBodySize = 1000;
        c.maxHeaderSize = 2048;
      }),
    );
    server.host.router.post('/upload', async (req) => ({ length: (await req.bytes()).length }));
    expect((await fetch(`${server.url}/upload`, { method: 'POST', body: 'x'.repeat(1000) })).status).toBe(200);
    expect((await raw(server, `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n${'x'.repeat(1001)}`)).status).toBe(413);
    expect((await raw(server, `GET /upload HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2100)}\r\n\r\n`)).status).toBe(431);
  });

  it('with requestIdHeader set, a printable client id becomes the request id; anything else is replaced', async () => {
    const server = await start(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.requestIdHeader = 'X-Request-Id';
      }),
    );
    server.host.router.get('/id', (req) => ({ id: req.id }));
    const idFor = async (value: string) =>
      ((await (await fetch(`${server.url}/id`, { headers: { 'x-request-id': value } })).json()) as { id: string }).id;
    expect(await idFor('edge-4f2a')).toBe('edge-4f2a');
    expect(await idFor('a'.repeat(201))).not.toBe('a'.repeat(201));
    expect(await idFor('has space')).not.toBe('has space');
  });

  it('CORS opened for one origin answers that origin only', async () => {
    const server = await start(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.cors = { origins: ['https://app.example'] };
      }),
    );
    server.host.router.get('/ok', () => 'ok');
    const allowed = await raw(server, 'GET /ok HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n\r\n');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const refused = await raw(server, 'GET /ok HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('static files never leave their folder', () => {
  let server: StartedHost;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sluice-security-'));
    const site = path.join(dir, 'site');
    const publicDir = path.join(site, 'public');
    mkdirSync(path.join(publicDir, 'sub'), { recursive: true });
    writeFileSync(path.join(publicDir, 'index.html'), '<h1>public</h1>');
    writeFileSync(path.join(publicDir, 'sub', 'a.txt'), 'public a');
    writeFileSync(path.join(publicDir, '.env'), `TOKEN=${SECRET}`);
    writeFileSync(path.join(site, 'secret.txt'), SECRET);
    writeFileSync(path.join(dir, 'secret.txt'), SECRET);
    // A sibling whose name starts with the folder's: a naive prefix check would let it through.
    mkdirSync(path.join(site, 'public-private'));
    writeFileSync(path.join(site, 'public-private', 'secret.txt'), SECRET);
    symlinkSync(path.join(site, 'secret.txt'), path.join(publicDir, 'link.txt'));
    symlinkSync(site, path.join(publicDir, 'up'));
    server = await start(HttpServer.createBuilder().useStaticFiles('/static', publicDir));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves what is inside', async () => {
    const res = await raw(server, 'GET /static/sub/a.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(res.status).toBe(200);
    expect(res.body).toBe('public a');
  });

  it.each([
    '/static/../secret.txt',
    '/static/../../secret.txt',
    '/static/%2e%2e/secret.txt',
    '/static/%2E%2E/secret.txt',
    '/static/.%2e/secret.txt',
    '/static/%2e%2e%2fsecret.txt',
    '/static/..%2fsecret.txt',
    '/static/..%2F..%2Fsecret.txt',
    '/static/sub/..%2f..%2fsecret.txt',
    '/static/..%5csecret.txt',
    '/static/%5c..%5csecret.txt',
    '/static/%252e%252e/secret.txt',
    '/static/%c0%ae%c0%ae/secret.txt',
    '/static/..%c0%afsecret.txt',
    `/static/%2f${encodeURIComponent(path.join(tmpdir()))}/secret.txt`,
    '/static//etc/passwd',
    '/static/%2fetc%2fpasswd',
    '/static/%00',
    '/static/sub/a.txt%00.html',
    '/static/.env',
    '/static/%2eenv',
    '/static/link.txt',
    '/static/up/secret.txt',
    '/static/../public-private/secret.txt',
    '/static/%2e%2e/public-private/secret.txt',
    '/static/sub/../../secret.txt',
  ])('%s is refused (400/403/404) without the file', async (target) => {
    const res = await raw(server, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect([400, 403, 404]).toContain(res.status);
    expect(res.received).not.toContain(SECRET);
    expect(res.received).not.toMatch(/root:.*:0:0:/);
  });

  it.each([
    ['/static/%2e%2e/secret.txt', 403],
    ['/static/..%5csecret.txt', 403],
    ['/static/%2fetc%2fpasswd', 403],
    ['/static/link.txt', 403],
    ['/static/%00', 400],
    ['/static/%c0%ae%c0%ae/secret.txt', 400],
    ['/static/.env', 404],
    ['/static/%252e%252e/secret.txt', 404],
  ])('%s is answered %i, as docs/security.md says', async (target, status) => {
    expect((await raw(server, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)).status).toBe(status);
  });

  it('random traversal attempts never get a file from outside, nor a 5xx (300 runs)', async () => {
    const piece = fc.constantFrom(
      '..',
      '.',
      '%2e',
      '%2E',
      '%2e%2e',
      '.%2e',
      '%2f',
      '%2F',
      '%5c',
      '\\',
      '/',
      '%00',
      '%252e',
      '%c0%ae',
      '%c0%af',
      'secret.txt',
      'public-private',
      'up',
      'link.txt',
      'sub',
      '.env',
      'etc',
      'passwd',
      '~',
      ';',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 8 }), async (pieces) => {
        const res = await raw(server, `GET /static/${pieces.join('')} HTTP/1.1\r\nHost: x\r\n\r\n`);
        expect(res.status).toBeGreaterThan(0);
        expect(res.status).toBeLessThan(500);
        expect(res.received).not.toContain(SECRET);
        expect(res.received).not.toMatch(/root:.*:0:0:/);
      }),
      { numRuns: 300 },
    );
  });
});
