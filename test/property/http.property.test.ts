import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import fc from 'fast-check';
import { HttpServer, RouteMethod } from '@sluice/core';
import { startHost, type StartedHost } from '../support/host.js';
import { RawConnection, destroyRawSockets } from '../support/raw.js';

// Property tests of request parsing and routing over real sockets: random request lines,
// paths (percent-escapes valid and not), methods, headers and bodies, written byte for byte
// with node:net. Whatever arrives, the server answers (or closes) within a bound, and never
// with a 5xx. Time bounds are generous upper bounds for "at once" on localhost.
const generous = 5_000;

let server: StartedHost;

beforeAll(async () => {
  // Compression on (for every size), so random Accept-Encoding values go through the negotiation too.
  server = await startHost(
    HttpServer.createBuilder().useConfiguration((c) => {
      c.compression = { threshold: 1 };
    }),
  );
  const router = server.host.router;
  router.get('/static/a/b', () => 'static');
  router.get('/users/:id', (req) => ({ id: req.params.id }));
  router.get('/users/:id/posts/:post', (req) => ({ id: req.params.id, post: req.params.post }));
  router.get('/files/*', (req) => ({ rest: req.params['*'] }));
  router.post('/echo', async (req) => ({ length: (await req.bytes()).length, query: [...req.query.keys()].length }));
  router.route(RouteMethod.Any, '/any/:x', (req) => ({ method: req.method, x: req.params.x }));
});

afterEach(() => destroyRawSockets());

afterAll(async () => {
  await server.stop();
});

/** Writes `bytes` on a fresh connection; the status of the first response head, or 'closed' when the server hung up without one. */
async function exchange(bytes: string): Promise<number | 'closed'> {
  const connection = await RawConnection.open(server.host);
  try {
    connection.send(bytes);
    const answered = await connection.waitFor((text) => /^HTTP\/1\.[01] \d{3}/.test(text) && text.includes('\r\n\r\n'), generous);
    if (!answered) {
      if (connection.closed) return 'closed';
      throw new Error(`no answer within ${generous} ms to ${JSON.stringify(bytes.slice(0, 300))}`);
    }
    return Number(/^HTTP\/1\.[01] (\d{3})/.exec(connection.received)![1]);
  } finally {
    connection.destroy();
  }
}

const methods = fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PURGE', 'M-SEARCH', 'get', 'TRACE');
const segmentPiece = fc.constantFrom(
  'a',
  'users',
  'files',
  'static',
  'any',
  'posts',
  '42',
  '-',
  '.',
  '..',
  '_',
  '~',
  '%20',
  '%2F',
  '%2f',
  '%25',
  '%00',
  '%zz',
  '%',
  '%c3%a9',
  '%c3',
  '%ff',
  '%E2%82%AC',
  ';',
  '=',
  '@',
  '+',
  "'",
  '!',
  '$',
  '(',
  '*',
);
const segment = fc.array(segmentPiece, { maxLength: 4 }).map((parts) => parts.join(''));
const prefix = fc.constantFrom('', '/users', '/users/1/posts', '/files', '/static/a', '/any', '/echo');
const query = fc.option(fc.array(fc.constantFrom('a=1', 'b', '%zz=%', 'c=%c3', '=', '&', 'd=%E2%82%AC'), { maxLength: 4 }), {
  nil: undefined,
});
const path = fc
  .tuple(prefix, fc.array(segment, { maxLength: 4 }), fc.boolean(), query)
  .map(([start, segments, slash, q]) => `${start}/${segments.join('/')}${slash ? '/' : ''}${q === undefined ? '' : `?${q.join('&')}`}`);
const headerName = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/)
  .filter((name) => !/^(host|content-length|transfer-encoding|expect|upgrade|connection)$/i.test(name));
const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}$/);
const body = fc.constantFrom(
  { headers: '', payload: '' },
  { headers: 'Content-Length: 5\r\n', payload: 'hello' },
  { headers: 'Content-Type: application/json\r\nContent-Length: 9\r\n', payload: '{"a":[1]}' },
  { headers: 'Content-Type: application/json\r\nContent-Length: 6\r\n', payload: '{"a":[' },
  { headers: 'Transfer-Encoding: chunked\r\n', payload: '5\r\nhello\r\n0\r\n\r\n' },
  { headers: 'Content-Encoding: gzip\r\nContent-Length: 4\r\n', payload: 'junk' },
  { headers: 'Content-Encoding: br\r\nTransfer-Encoding: chunked\r\n', payload: '3\r\nabc\r\n0\r\n\r\n' },
  { headers: 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n', payload: 'a=%zz&b=%c3' },
);
const coding = fc.constantFrom(
  'gzip',
  'br',
  'deflate',
  'identity',
  '*',
  'GZIP',
  'x-gzip',
  'zstd',
  '',
  'br;q=0',
  'gzip;q=1.0',
  'gzip;q=0.001',
  'br;q=2',
  'gzip;q=abc',
  ';q=0.5',
  'gzip;;q=1',
);
const acceptEncoding = fc.array(coding, { maxLength: 4 }).map((codings) => `Accept-Encoding: ${codings.join(', ')}\r\n`);
const extraHeaders = fc.array(
  fc.oneof(
    acceptEncoding,
    fc.tuple(headerName, headerValue).map(([name, value]) => `${name}: ${value}\r\n`),
    fc.constantFrom(
      'Accept-Encoding: gzip, br;q=0.5, *;q=0\r\n',
      'Accept-Encoding: identity;q=0\r\n',
      'Accept: text/event-stream\r\n',
      'Cookie: a=%zz; b=1; =; c\r\n',
      'Origin: https://evil.example\r\n',
      'X-Forwarded-For: 1.2.3.4, junk\r\n',
      'Range: bytes=0-1\r\n',
      'If-None-Match: "x"\r\n',
      'Connection: close\r\n',
    ),
  ),
  { maxLength: 6 },
);

describe('request parsing and routing, property over real sockets', () => {
  it('random methods, paths, headers and bodies never get a 5xx and never hang (200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(methods, path, extraHeaders, body, async (method, target, headers, { headers: bodyHeaders, payload }) => {
        const request = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.join('')}${bodyHeaders}\r\n${payload}`;
        const status = await exchange(request);
        if (status !== 'closed') expect(status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });

  it('garbage request lines and heads get a 4xx or a close, never a 5xx or a hang (200 runs)', async () => {
    const junk = fc.oneof(
      // (Blank lines alone are not junk: a server ignores empty lines before a request line, RFC 9112 §2.2.)
      fc
        .string({ unit: 'binary-ascii', maxLength: 80 })
        .filter((text) => text.trim() !== '')
        .map((text) => `${text}\r\n\r\n`),
      fc.tuple(methods, fc.string({ unit: 'binary-ascii', maxLength: 40 })).map(([m, t]) => `${m} ${t} HTTP/1.1\r\nHost: x\r\n\r\n`),
      fc
        .tuple(methods, path, fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'HTTP/9', ''))
        .map(([m, t, v]) => `${m} ${t} ${v}\r\n\r\n`),
      fc.constantFrom(
        'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
        'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
        'GET / HTTP/1.1\r\nHost: x\r\n folded: continuation\r\n\r\n',
        'GET /users/%zz HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET http://other.example/users/1 HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
        'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET users/1 HTTP/1.1\r\nHost: x\r\n\r\n',
      ),
    );
    await fc.assert(
      fc.asyncProperty(junk, async (bytes) => {
        const status = await exchange(bytes);
        if (status !== 'closed') expect(status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });

  it('a route parameter arrives percent-decoded, whatever characters it holds; an escaped NUL is a 400 (200 runs)', async () => {
    const value = fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }).filter((s) => s !== '.' && s !== '..');
    await fc.assert(
      fc.asyncProperty(value, value, async (id, post) => {
        const res = await fetch(`${server.url}/users/${encodeURIComponent(id)}/posts/${encodeURIComponent(post)}`);
        if (id.includes('\0') || post.includes('\0')) {
          // A NUL never reaches a handler (docs/routing.md), escaped or not.
          expect(res.status).toBe(400);
          expect(((await res.json()) as { code: string }).code).toBe('SLUICE_BAD_PATH');
          return;
        }
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ id, post });
      }),
      { numRuns: 200 },
    );
  });

  it('a wildcard gets the rest of the path, each segment decoded (100 runs)', async () => {
    const part = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => s !== '.' && s !== '..' && !s.includes('\0'));
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 4 }), async (parts) => {
        const res = await fetch(`${server.url}/files/${parts.map(encodeURIComponent).join('/')}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ rest: parts.join('/') });
      }),
      { numRuns: 100 },
    );
  });

  it('a malformed escape in a parameter is a 400, not a 500 (100 runs)', async () => {
    const bad = fc.constantFrom('%', '%z', '%zz', '%c3', '%ff', '%e2%82', '%c3%28', '%ed%a0%80');
    // Letters past 'f', so the text after a cut-short escape never completes it.
    const around = fc.stringMatching(/^[g-z]{0,4}$/);
    await fc.assert(
      fc.asyncProperty(around, bad, around, async (before, escape, after) => {
        expect(await exchange(`GET /users/${before}${escape}${after} HTTP/1.1\r\nHost: x\r\n\r\n`)).toBe(400);
      }),
      { numRuns: 100 },
    );
  });
});
