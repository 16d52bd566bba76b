import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpRequest } from '../../src/http/HttpRequest.js';
import { HttpResponse, isResponseFile, type ResponseFile } from '../../src/http/HttpResponse.js';
import { HttpError } from '../../src/http/HttpError.js';
import type { RouteHandler } from '../../src/contracts/handlers.js';
import { createStaticFilesHandler } from '../../src/static/staticFiles.js';
import { contentDisposition, sendFile, withKnownStats } from '../../src/static/sendFile.js';

// ---------------------------------------------------------------------------
// A tiny stand-in for the framework's pipeline, over a real socket. Each mount
// is a GET `${prefix}/*` route; like the router, the wildcard value drops one
// trailing slash and is decodeURIComponent-ed (400 on a malformed escape). A
// returned HttpResponse is written as the ResponseWriter does (a file through
// sendFile, an empty body through writeHead + end), a thrown HttpError becomes
// a JSON error (with the error's extra headers), as the ErrorResponder does.
// ---------------------------------------------------------------------------

const settings = { maxBodySize: 1e6, trustProxy: false, requestIdHeader: undefined };
const mounts = new Map<string, RouteHandler>();
/** Anything the harness caught that was not a clean HttpError before the head: must stay empty. */
const unexpected: unknown[] = [];

function writeError(res: ServerResponse, status: number, message: string, extra?: Record<string, string>): void {
  const body = JSON.stringify({ statusCode: status, message });
  res.writeHead(status, { ...extra, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function writeResult(request: HttpRequest, result: unknown): Promise<void> {
  if (!(result instanceof HttpResponse)) throw new Error(`the handler returned ${String(result)}, not an HttpResponse`);
  if (result.hijacked) return;
  const content = result.content;
  if (isResponseFile(content)) return sendFile(request, content, result.status, result.headers);
  if (content !== null) throw new Error('unexpected response content in this harness');
  const res = request.rawResponse;
  res.writeHead(result.status, { ...(result.headers as Record<string, string>), 'content-length': 0 });
  res.end();
}

async function dispatch(raw: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = raw.url ?? '/';
  const queryStart = url.indexOf('?');
  const pathText = queryStart < 0 ? url : url.slice(0, queryStart);
  const second = pathText.indexOf('/', 1);
  const handler = mounts.get(second < 0 ? pathText : pathText.slice(0, second));
  if (handler === undefined) return writeError(res, 404, 'No route');
  let rest = second < 0 ? '' : pathText.slice(second + 1);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return writeError(res, 400, 'Malformed percent-encoding');
  }
  const request = new HttpRequest(raw, res, { '*': decoded }, settings);
  try {
    await writeResult(request, await handler(request));
  } catch (error) {
    if (error instanceof HttpError && !res.headersSent) writeError(res, error.status, error.message, error.headers);
    else {
      unexpected.push(error);
      res.destroy();
    }
  }
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

let tmp: string;
let root: string;
let server: http.Server;
let base: string;
let port: number;

// .5 s is exact in binary, so the file system stores it exactly (mtimeMs is a float).
const helloMtime = new Date('2020-01-02T03:04:05.500Z');
const helloEtag = `W/"c-${helloMtime.getTime().toString(16)}"`; // 'hello world\n' is 12 (0xc) bytes
const helloLastModified = 'Thu, 02 Jan 2020 03:04:05 GMT';
const rangeBytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const pngBytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
const SECRET = 'TOP SECRET outside the root';

beforeAll(async () => {
  tmp = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), 'sluice-static-')));
  root = path.join(tmp, 'public');
  const write = (rel: string, content: string | Buffer): Promise<void> => fsp.writeFile(path.join(root, rel), content);

  await fsp.writeFile(path.join(tmp, 'secret.txt'), SECRET);
  await fsp.mkdir(path.join(tmp, 'outside'));
  await fsp.writeFile(path.join(tmp, 'outside', 'inner.txt'), SECRET);
  await fsp.mkdir(path.join(root, 'docs'), { recursive: true });
  await fsp.mkdir(path.join(root, 'empty-dir'));
  await fsp.mkdir(path.join(root, '.hidden'));
  await write('index.html', '<h1>home</h1>');
  await write('hello.txt', 'hello world\n');
  await fsp.utimes(path.join(root, 'hello.txt'), helloMtime, helloMtime);
  await write('style.css', 'body { color: red }');
  await write('app.js', 'console.log(1);');
  await write('data.json', '{"a":1}');
  await write('pic.png', pngBytes);
  await write('blob.xyz', 'xyz');
  await write('range.bin', rangeBytes);
  await write('empty.txt', '');
  await write('a b.txt', 'with a space');
  await write('ünï.txt', 'unicode name');
  await write('docs/index.html', '<h1>docs</h1>');
  await write('docs/guide.md', '# guide');
  await write('.env', 'SECRET=1');
  await write('.hidden/file.txt', 'hidden');
  await fsp.symlink(path.join(tmp, 'secret.txt'), path.join(root, 'link-out.txt'));
  await fsp.symlink(path.join(tmp, 'outside'), path.join(root, 'link-dir'));
  await fsp.symlink('hello.txt', path.join(root, 'link-in.txt'));
  await fsp.symlink('hello.txt', path.join(root, 'link-in.md'));
  await fsp.symlink('.env', path.join(root, 'alias.txt'));

  await fsp.symlink(root, path.join(tmp, 'public-link'));

  mounts.set('/static', createStaticFilesHandler(root));
  mounts.set('/vialink', createStaticFilesHandler(path.join(tmp, 'public-link')));
  mounts.set('/cached', createStaticFilesHandler(root, { maxAge: 3600, immutable: true }));
  mounts.set('/dots', createStaticFilesHandler(root, { dotfiles: 'allow' }));
  mounts.set('/deny', createStaticFilesHandler(root, { dotfiles: 'deny' }));
  mounts.set('/noindex', createStaticFilesHandler(root, { index: false }));
  mounts.set('/quiet', createStaticFilesHandler(root, { concealRefusals: true, dotfiles: 'deny' }));
  mounts.set('/gone', createStaticFilesHandler(path.join(tmp, 'does-not-exist')));
  // sendFile through HttpResponse.file, as the pipeline writes a file response.
  mounts.set('/download', () => HttpResponse.file(path.join(root, 'hello.txt'), { downloadName: 'report "final" ü.txt' }));
  mounts.set('/own', () =>
    HttpResponse.file(path.join(root, 'hello.txt'))
      .setHeader('etag', '"custom"')
      .setHeader('Cache-Control', 'private')
      .setHeader('content-length', 1)
      .setHeader('x-extra', 'yes'),
  );
  mounts.set('/status404', () => HttpResponse.file(path.join(root, 'index.html'), { status: 404 }));
  mounts.set('/missing-file', () => HttpResponse.file(path.join(root, 'nope.txt')));
  mounts.set('/a-directory', () => HttpResponse.file(path.join(root, 'docs')));
  // sendFile called directly by a handler that then hijacks the response.
  mounts.set('/direct', async (request) => {
    await sendFile(request, { kind: 'file', path: path.join(root, 'hello.txt') }, 200, {
      'cache-control': 'public, max-age=60, immutable',
    });
    return HttpResponse.hijacked();
  });
  // Announces more bytes than the file has (as if it shrank after the stat): the head goes out, then the body falls short.
  mounts.set('/shrunk', async () => {
    const file: ResponseFile = { kind: 'file', path: path.join(root, 'range.bin') };
    const stats = await fsp.stat(file.path);
    const lying = Object.assign(Object.create(Object.getPrototypeOf(stats) as object) as typeof stats, stats, { size: stats.size + 500 });
    return new HttpResponse(200, withKnownStats(file, lying));
  });

  // The file is gone between the stat and the open: still a clean 404, nothing written before.
  mounts.set('/vanished', async () => {
    const stats = await fsp.stat(path.join(root, 'hello.txt'));
    return new HttpResponse(200, withKnownStats({ kind: 'file', path: path.join(root, 'vanished.txt') }, stats));
  });

  server = http.createServer((raw, res) => void dispatch(raw, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fsp.rm(tmp, { recursive: true, force: true });
});

afterEach(() => {
  expect(unexpected).toEqual([]);
  unexpected.length = 0;
});

function get(target: string, init?: RequestInit): Promise<Response> {
  return fetch(base + target, { redirect: 'manual', ...init });
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request over a plain socket, the target sent byte for byte (fetch would normalise `..` away). */
function rawRequest(target: string, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd < 0) return reject(new Error(`no complete response head: ${JSON.stringify(text)}`));
      const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(headEnd + 4) });
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  });
}

// ---------------------------------------------------------------------------

describe('serving files', () => {
  it('serves a file with its validators and caching headers', async () => {
    const res = await get('/static/hello.txt');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello world\n');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-length')).toBe('12');
    expect(res.headers.get('etag')).toBe(helloEtag);
    expect(res.headers.get('last-modified')).toBe(helloLastModified);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toBe('public, max-age=0');
    expect(res.headers.get('content-disposition')).toBeNull();
  });

  it.each([
    ['/static/style.css', 'text/css; charset=utf-8'],
    ['/static/app.js', 'text/javascript; charset=utf-8'],
    ['/static/data.json', 'application/json; charset=utf-8'],
    ['/static/docs/guide.md', 'text/markdown; charset=utf-8'],
    ['/static/pic.png', 'image/png'],
    ['/static/blob.xyz', 'application/octet-stream'],
    ['/static/index.html', 'text/html; charset=utf-8'],
  ])('%s is served as %s', async (target, type) => {
    const res = await get(target);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
  });

  it('sends binary files byte for byte', async () => {
    const res = await get('/static/pic.png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(pngBytes);
  });

  it('serves an empty file', async () => {
    const res = await get('/static/empty.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
  });

  it('decodes percent-encoded names', async () => {
    const spaced = await get('/static/a%20b.txt');
    expect([spaced.status, await spaced.text()]).toEqual([200, 'with a space']);
    const unicode = await get('/static/%C3%BCn%C3%AF.txt');
    expect([unicode.status, await unicode.text()]).toEqual([200, 'unicode name']);
  });

  it('follows a symlink that stays inside the root, typing it by the requested name', async () => {
    const res = await get('/static/link-in.txt');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello world\n');
    const typed = await get('/static/link-in.md');
    expect([typed.status, typed.headers.get('content-type'), await typed.text()]).toEqual([
      200,
      'text/markdown; charset=utf-8',
      'hello world\n',
    ]);
  });

  it('accepts an encoded slash that stays inside the root', async () => {
    const res = await get('/static/docs%2Fguide.md');
    expect([res.status, await res.text()]).toEqual([200, '# guide']);
  });

  it('works when the root itself is reached through a symlink', async () => {
    const res = await get('/vialink/hello.txt');
    expect([res.status, await res.text()]).toEqual([200, 'hello world\n']);
    expect((await rawRequest('/vialink/../secret.txt')).status).toBe(403);
    expect((await rawRequest('/vialink/link-out.txt')).status).toBe(403);
  });

  it('answers 404 for a missing file, as a JSON error', async () => {
    const res = await get('/static/nope.txt');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ statusCode: 404, message: 'Not Found' });
  });

  it('answers 404 under a file (ENOTDIR) and for a file requested with a trailing slash', async () => {
    expect((await get('/static/hello.txt/more')).status).toBe(404);
    expect((await get('/static/hello.txt/')).status).toBe(404);
  });

  it('answers 404 when the root directory does not exist', async () => {
    expect((await get('/gone/hello.txt')).status).toBe(404);
    expect((await get('/gone/')).status).toBe(404);
  });

  it('answers 405 with Allow to other methods', async () => {
    const res = await get('/static/hello.txt', { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('directories', () => {
  it('serves index.html for the mount root', async () => {
    const res = await get('/static/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe('<h1>home</h1>');
  });

  it("serves a subdirectory's index.html", async () => {
    const res = await get('/static/docs/');
    expect([res.status, await res.text()]).toEqual([200, '<h1>docs</h1>']);
  });

  it('redirects a directory without its trailing slash with 301, keeping the query', async () => {
    const res = await get('/static/docs?v=1&x=%20');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/static/docs/?v=1&x=%20');
    const mountRoot = await get('/static');
    expect(mountRoot.status).toBe(301);
    expect(mountRoot.headers.get('location')).toBe('/static/');
  });

  it('answers 404 for a directory without an index file', async () => {
    expect((await get('/static/empty-dir/')).status).toBe(404);
  });

  it('with index: false, directories are 404 without a redirect', async () => {
    expect((await get('/noindex/docs/')).status).toBe(404);
    expect((await get('/noindex/docs')).status).toBe(404);
    expect((await get('/noindex/')).status).toBe(404);
    expect((await get('/noindex/hello.txt')).status).toBe(200);
  });
});

describe('conditional requests', () => {
  it('answers 304 to If-None-Match with the current ETag: no body, no content headers', async () => {
    const res = await get('/static/hello.txt', { headers: { 'if-none-match': helloEtag } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('content-type')).toBeNull();
    expect(res.headers.get('etag')).toBe(helloEtag);
    expect(res.headers.get('cache-control')).toBe('public, max-age=0');
  });

  it('no 304 on the wire carries a body or Content-Length', async () => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve, reject) => {
      socket.on('end', resolve);
      socket.on('error', reject);
      socket.write(`GET /static/hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${helloEtag}\r\nConnection: close\r\n\r\n`);
    });
    const text = Buffer.concat(chunks).toString('latin1');
    expect(text.startsWith('HTTP/1.1 304')).toBe(true);
    expect(text.toLowerCase()).not.toContain('content-length');
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it.each([
    ['the strong form of the weak tag (weak comparison)', helloEtag.slice(2)],
    ['a list containing it', `"other", ${helloEtag} , "x,y"`],
    ['*', '*'],
  ])('answers 304 to If-None-Match with %s', async (_name, value) => {
    const res = await get('/static/hello.txt', { headers: { 'if-none-match': value } });
    expect(res.status).toBe(304);
  });

  it('answers 200 to If-None-Match with other tags', async () => {
    const res = await get('/static/hello.txt', { headers: { 'if-none-match': '"nope", W/"c-0"' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello world\n');
  });

  it('answers 304 to If-Modified-Since not older than Last-Modified', async () => {
    expect((await get('/static/hello.txt', { headers: { 'if-modified-since': helloLastModified } })).status).toBe(304);
    expect((await get('/static/hello.txt', { headers: { 'if-modified-since': 'Fri, 03 Jan 2020 00:00:00 GMT' } })).status).toBe(304);
  });

  it('answers 200 to an older or unparsable If-Modified-Since', async () => {
    expect((await get('/static/hello.txt', { headers: { 'if-modified-since': 'Thu, 02 Jan 2020 03:04:04 GMT' } })).status).toBe(200);
    expect((await get('/static/hello.txt', { headers: { 'if-modified-since': 'yesterday-ish' } })).status).toBe(200);
  });

  it('ignores If-Modified-Since when If-None-Match is present', async () => {
    const res = await get('/static/hello.txt', {
      headers: { 'if-none-match': '"nope"', 'if-modified-since': 'Fri, 01 Jan 2100 00:00:00 GMT' },
    });
    expect(res.status).toBe(200);
  });

  it('answers 304 to a conditional HEAD too', async () => {
    const res = await get('/static/hello.txt', { method: 'HEAD', headers: { 'if-none-match': helloEtag } });
    expect(res.status).toBe(304);
  });

  it("compares with the caller's own ETag when one is set", async () => {
    expect((await get('/own', { headers: { 'if-none-match': '"custom"' } })).status).toBe(304);
    expect((await get('/own', { headers: { 'if-none-match': helloEtag } })).status).toBe(200);
  });

  it('never answers 304 or 206 when the status is not 200 (a file as an error page)', async () => {
    const res = await get('/status404', { headers: { 'if-none-match': '*', range: 'bytes=0-1' } });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('<h1>home</h1>');
  });
});

describe('HEAD', () => {
  it('sends the head of a GET without the body', async () => {
    const res = await get('/static/hello.txt', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('12');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('etag')).toBe(helloEtag);
    expect(await res.text()).toBe('');
  });

  it('sends a ranged head', async () => {
    const res = await get('/static/range.bin', { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-length')).toBe('10');
    expect(res.headers.get('content-range')).toBe('bytes 10-19/1000');
  });
});

describe('ranges', () => {
  it.each([
    ['bytes=0-9', 0, 9],
    ['bytes=990-', 990, 999],
    ['bytes=-5', 995, 999],
    ['bytes=500-99999', 500, 999],
    ['bytes=-5000', 0, 999],
    ['bytes = 7 - 7', 7, 7],
  ])('%s → 206 bytes %i-%i', async (range, start, end) => {
    const res = await get('/static/range.bin', { headers: { range } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(Buffer.from(await res.arrayBuffer())).toEqual(rangeBytes.subarray(start, end + 1));
  });

  it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0'])('%s → 416 with Content-Range bytes */1000', async (range) => {
    const res = await get('/static/range.bin', { headers: { range } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */1000');
  });

  it('any range of an empty file is unsatisfiable', async () => {
    const res = await get('/static/empty.txt', { headers: { range: 'bytes=0-' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */0');
  });

  it.each(['bytes=0-1,5-6', 'bytes=abc', 'items=0-5', 'bytes=5-2', 'bytes=', 'bytes=-'])(
    'ignores %j: 200 with the whole file',
    async (range) => {
      const res = await get('/static/range.bin', { headers: { range } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-range')).toBeNull();
      expect(Buffer.from(await res.arrayBuffer())).toEqual(rangeBytes);
    },
  );

  it('honours If-Range with the current ETag or Last-Modified, and sends everything otherwise', async () => {
    const ranged = (ifRange: string): Promise<Response> =>
      get('/static/hello.txt', { headers: { range: 'bytes=0-4', 'if-range': ifRange } });
    const byTag = await ranged(helloEtag);
    expect([byTag.status, await byTag.text()]).toEqual([206, 'hello']);
    const byDate = await ranged(helloLastModified);
    expect([byDate.status, await byDate.text()]).toEqual([206, 'hello']);
    const staleTag = await ranged('W/"c-1"');
    expect([staleTag.status, await staleTag.text()]).toEqual([200, 'hello world\n']);
    const staleDate = await ranged('Wed, 01 Jan 2020 00:00:00 GMT');
    expect([staleDate.status, await staleDate.text()]).toEqual([200, 'hello world\n']);
  });
});

describe('dotfiles', () => {
  it('are 404 by default, including directories and symlinks to them', async () => {
    expect((await get('/static/.env')).status).toBe(404);
    expect((await get('/static/.hidden/file.txt')).status).toBe(404);
    expect((await get('/static/alias.txt')).status).toBe(404);
  });

  it("are 403 with dotfiles: 'deny'", async () => {
    expect((await get('/deny/.env')).status).toBe(403);
    expect((await get('/deny/.hidden/file.txt')).status).toBe(403);
    expect((await get('/deny/hello.txt')).status).toBe(200);
  });

  it("are served with dotfiles: 'allow'", async () => {
    const env = await get('/dots/.env');
    expect([env.status, await env.text()]).toEqual([200, 'SECRET=1']);
    const hidden = await get('/dots/.hidden/file.txt');
    expect([hidden.status, await hidden.text()]).toEqual([200, 'hidden']);
  });
});

describe('path safety (raw requests, as sent)', () => {
  it('the raw client does see files that may be served', async () => {
    const res = await rawRequest('/static/hello.txt');
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello world\n');
  });

  it.each([
    '/static/../secret.txt',
    '/static/%2e%2e/secret.txt',
    '/static/%2E%2E/secret.txt',
    '/static/..%2fsecret.txt',
    '/static/%2e%2e%5csecret.txt',
    '/static/docs/../../secret.txt',
    '/static/..',
    '/static/%2Fetc%2Fpasswd',
    '/static//etc/passwd',
  ])('GET %s → 403', async (target) => {
    const res = await rawRequest(target);
    expect(res.status).toBe(403);
    expect(res.body).not.toContain(SECRET);
    expect(JSON.parse(res.body)).toEqual({ statusCode: 403, message: 'Forbidden' });
  });

  it('refuses a symlink pointing outside the root with 403', async () => {
    const file = await rawRequest('/static/link-out.txt');
    expect(file.status).toBe(403);
    expect(file.body).not.toContain(SECRET);
    const dir = await rawRequest('/static/link-dir/inner.txt');
    expect(dir.status).toBe(403);
    expect(dir.body).not.toContain(SECRET);
  });

  it('answers 400 to a NUL byte', async () => {
    const res = await rawRequest('/static/a%00.txt');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ statusCode: 400, message: 'Bad Request' });
  });

  it('with concealRefusals: true, every refusal (400, 403) is a plain 404', async () => {
    for (const target of ['/quiet/../secret.txt', '/quiet/%2e%2e%5csecret.txt', '/quiet/a%00.txt', '/quiet/link-out.txt', '/quiet/.env']) {
      const res = await rawRequest(target);
      expect([target, res.status]).toEqual([target, 404]);
      expect(res.body).not.toContain(SECRET);
    }
    expect((await rawRequest('/quiet/hello.txt')).status).toBe(200);
  });
});

describe('caching', () => {
  it('sends max-age and immutable from the options', async () => {
    const res = await get('/cached/hello.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600, immutable');
  });

  it('sendFile called directly sends the Cache-Control it is given', async () => {
    const res = await get('/direct');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60, immutable');
    expect(await res.text()).toBe('hello world\n');
  });

  it('a file response without caching options is no-cache', async () => {
    const res = await get('/download');
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });
});

describe('sendFile', () => {
  it('sends Content-Disposition with a safe ASCII fallback and the UTF-8 name', async () => {
    const res = await get('/download');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="report \\"final\\" _.txt"; filename*=UTF-8''report%20%22final%22%20%C3%BC.txt`,
    );
    expect(await res.text()).toBe('hello world\n');
  });

  it('keeps control characters and lone surrogates out of Content-Disposition', () => {
    const header = contentDisposition('a\r\nSet-Cookie: x=1\u0000\ud800.txt');
    expect(header).not.toMatch(/[\r\n\0]/);
    expect(header).toBe(`attachment; filename="a__Set-Cookie: x=1__.txt"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1%00%EF%BF%BD.txt`);
    expect(contentDisposition("it's (1)*.txt")).toBe(`attachment; filename="it's (1)*.txt"; filename*=UTF-8''it%27s%20%281%29%2A.txt`);
  });

  it("lets the caller's headers win, except Content-Length", async () => {
    const res = await get('/own');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"custom"');
    expect(res.headers.get('cache-control')).toBe('private');
    expect(res.headers.get('x-extra')).toBe('yes');
    expect(res.headers.get('content-length')).toBe('12');
    expect(await res.text()).toBe('hello world\n');
  });

  it('throws 404 before writing anything for a missing file or a directory', async () => {
    const missing = await get('/missing-file');
    expect([missing.status, await missing.json()]).toEqual([404, { statusCode: 404, message: 'Not Found' }]);
    const directory = await get('/a-directory');
    expect([directory.status, await directory.json()]).toEqual([404, { statusCode: 404, message: 'Not Found' }]);
  });

  it('answers a clean 404 when the file disappears between the stat and the open', async () => {
    const res = await get('/vanished');
    expect([res.status, await res.json()]).toEqual([404, { statusCode: 404, message: 'Not Found' }]);
  });

  it('cuts the connection when the body falls short of the announced length, and keeps serving', async () => {
    const res = await get('/shrunk');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('1500');
    const started = Date.now();
    await expect(res.arrayBuffer()).rejects.toThrow();
    // Cut at once, not left for the client to wait out (the server's keep-alive timeout is 5 s).
    expect(Date.now() - started).toBeLessThan(2000);
    // The process and the server are fine, and sendFile settled without a stray error.
    const next = await get('/static/hello.txt');
    expect(next.status).toBe(200);
  });
});

describe('createStaticFilesHandler options', () => {
  it('rejects invalid options when the handler is created', () => {
    expect(() => createStaticFilesHandler('')).toThrow(TypeError);
    expect(() => createStaticFilesHandler('/srv', { index: '../x.html' })).toThrow(TypeError);
    expect(() => createStaticFilesHandler('/srv', { index: '' })).toThrow(TypeError);
    expect(() => createStaticFilesHandler('/srv', { maxAge: -1 })).toThrow(TypeError);
    expect(() => createStaticFilesHandler('/srv', { maxAge: Number.NaN })).toThrow(TypeError);
    expect(() => createStaticFilesHandler('/srv', { dotfiles: 'maybe' as 'allow' })).toThrow(TypeError);
    expect(() =>
      createStaticFilesHandler('/srv', { index: 'home.html', maxAge: 10, dotfiles: 'deny', concealRefusals: true }),
    ).not.toThrow();
  });
});
