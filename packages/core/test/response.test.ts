import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HttpServer, HttpResponse, type RouteHandler } from '@sluice/core';
import { startHost, thrownBy, asRecord, type StartedHost } from '../../../test/support/host.js';

const unicode = 'héllo wörld — 😀 ✓';

/** Splits a Set-Cookie value into its `name=value` pair and attributes. */
function cookieParts(header: string): { pair: string; attributes: string[] } {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  return { pair, attributes };
}

describe('HttpResponse and handler results', () => {
  let started: StartedHost;
  let url: string;
  let dir: string;
  const fileText = 'file body ✓\nsecond line\n';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-response-'));
    await writeFile(join(dir, 'notes.txt'), fileText);
    await writeFile(join(dir, 'data.bin'), Buffer.from([1, 2, 3]));

    started = await startHost(HttpServer.createBuilder());
    url = started.url;
    const r = started.host.router;

    // The same results, returned synchronously and asynchronously.
    const results: Record<string, RouteHandler> = {
      'http-response': () => new HttpResponse(201, 'made', { 'content-type': 'text/x-custom' }),
      string: () => unicode,
      object: () => ({ hello: 'wörld', list: [1, 2] }),
      array: () => [1, 'two'],
      number: () => 42,
      boolean: () => false,
      nothing: () => undefined,
      null: () => null,
      bytes: () => new Uint8Array([0, 1, 254, 255]),
    };
    for (const [name, handler] of Object.entries(results)) {
      r.get(`/sync/${name}`, handler);
      r.get(`/async/${name}`, async (req) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return handler(req);
      });
    }

    r.get('/json', () => HttpResponse.json({ created: true }, 201));
    r.get('/json-undefined', () => HttpResponse.json(undefined));
    r.get('/text', () => HttpResponse.text('plain text', 202));
    r.get('/html', () => HttpResponse.html('<h1>Hi</h1>'));
    r.get('/redirect', () => HttpResponse.redirect('/target'));
    r.get('/redirect-permanent', () => HttpResponse.redirect('https://example.com/new', 301));
    r.get('/stream', () => HttpResponse.stream(Readable.from(['alpha ', 'beta ', 'gamma']), 'text/plain; charset=utf-8'));
    r.get('/file', () => HttpResponse.file(join(dir, 'notes.txt')));
    r.get('/file-download', () => HttpResponse.file(join(dir, 'data.bin'), { downloadName: 'report.bin' }));
    r.get('/file-missing', () => HttpResponse.file(join(dir, 'nope.txt')));
    r.get('/empty', () => HttpResponse.empty());
    r.get('/empty-202', () => HttpResponse.empty(202));
    r.get('/status', () => {
      const res = new HttpResponse(418, 'short and stout');
      res.status = 207;
      return res;
    });
    r.get('/headers', () =>
      HttpResponse.text('headers')
        .setHeader('X-Single', 'first')
        .setHeader('x-single', 'second')
        .appendHeader('X-Multi', 'a')
        .appendHeader('x-multi', 'b')
        .setHeader('X-Number', 42),
    );
    r.get('/cookies', () =>
      HttpResponse.text('cookies')
        .setCookie('session', 'abc 123;x', {
          httpOnly: true,
          secure: true,
          sameSite: 'Strict',
          path: '/',
          maxAge: 3600,
          domain: 'example.com',
        })
        .setCookie('theme', 'dark')
        .clearCookie('old', { path: '/app' }),
    );
    r.get('/bad-cookie', () => HttpResponse.text('never').setCookie('bad;name', 'x'));
    r.get('/unicode-json', () => ({ text: unicode }));
  });

  afterAll(async () => {
    await started?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe.each([
    ['a synchronous', 'sync'],
    ['an asynchronous', 'async'],
  ])('%s handler', (_label, mode) => {
    it('returning an HttpResponse sends its status, headers and content', async () => {
      const res = await fetch(`${url}/${mode}/http-response`);
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toBe('text/x-custom');
      expect(await res.text()).toBe('made');
    });

    it('returning a string sends text/plain; charset=utf-8', async () => {
      const res = await fetch(`${url}/${mode}/string`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe(unicode);
    });

    it('returning a plain object sends it as application/json', async () => {
      const res = await fetch(`${url}/${mode}/object`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ hello: 'wörld', list: [1, 2] });
    });

    it('returning an array sends it as JSON', async () => {
      const res = await fetch(`${url}/${mode}/array`);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual([1, 'two']);
    });

    it('returning a number or a boolean sends it as JSON (and the route type accepts it)', async () => {
      const number = await fetch(`${url}/${mode}/number`);
      expect(number.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await number.text()).toBe('42');
      const boolean = await fetch(`${url}/${mode}/boolean`);
      expect(await boolean.text()).toBe('false');
    });

    it('returning nothing sends 204 with no body', async () => {
      const res = await fetch(`${url}/${mode}/nothing`);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      const viaNull = await fetch(`${url}/${mode}/null`);
      expect(viaNull.status).toBe(204);
    });

    it('returning a Uint8Array sends the bytes as application/octet-stream', async () => {
      const res = await fetch(`${url}/${mode}/bytes`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-length')).toBe('4');
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0, 1, 254, 255]));
    });
  });

  describe('factories', () => {
    it('HttpResponse.json sends JSON with the given status', async () => {
      const res = await fetch(`${url}/json`);
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toEqual({ created: true });
    });

    it('HttpResponse.json(undefined) sends a valid JSON body (null)', async () => {
      const res = await fetch(`${url}/json-undefined`);
      expect(await res.text()).toBe('null');
    });

    it('HttpResponse.text sends text/plain with the given status', async () => {
      const res = await fetch(`${url}/text`);
      expect(res.status).toBe(202);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('plain text');
    });

    it('HttpResponse.html sends text/html', async () => {
      const res = await fetch(`${url}/html`);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe('<h1>Hi</h1>');
    });

    it('HttpResponse.redirect sends 302 with Location by default, or the given status', async () => {
      const res = await fetch(`${url}/redirect`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/target');
      const permanent = await fetch(`${url}/redirect-permanent`, { redirect: 'manual' });
      expect(permanent.status).toBe(301);
      expect(permanent.headers.get('location')).toBe('https://example.com/new');
    });

    it('HttpResponse.redirect refuses a location with CR/LF (header injection)', () => {
      const error = thrownBy(() => HttpResponse.redirect('/a\r\nSet-Cookie: evil=1'));
      expect(error).toBeInstanceOf(TypeError);
    });

    it('HttpResponse.stream streams a readable as the body (chunked)', async () => {
      const res = await fetch(`${url}/stream`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('content-length')).toBeNull();
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect(await res.text()).toBe('alpha beta gamma');
    });

    it('HttpResponse.file sends a file with a content type from its extension', async () => {
      const res = await fetch(`${url}/file`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(fileText)));
      expect(await res.text()).toBe(fileText);
    });

    it('HttpResponse.file with downloadName sends Content-Disposition: attachment', async () => {
      const res = await fetch(`${url}/file-download`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;.*report\.bin/);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    });

    it('HttpResponse.file for a missing file gives 404', async () => {
      const res = await fetch(`${url}/file-missing`);
      expect(res.status).toBe(404);
      expect(asRecord(await res.json()).statusCode).toBe(404);
    });

    it('HttpResponse.empty sends 204 by default, or the given status with no body', async () => {
      const res = await fetch(`${url}/empty`);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      const accepted = await fetch(`${url}/empty-202`);
      expect(accepted.status).toBe(202);
      expect(accepted.headers.get('content-length')).toBe('0');
      expect(await accepted.text()).toBe('');
    });
  });

  describe('status, headers and cookies', () => {
    it('the status set on the response is the one sent', async () => {
      const res = await fetch(`${url}/status`);
      expect(res.status).toBe(207);
      expect(await res.text()).toBe('short and stout');
    });

    it('setHeader replaces (case-insensitively), appendHeader adds values', async () => {
      const res = await fetch(`${url}/headers`);
      expect(res.headers.get('x-single')).toBe('second');
      expect(res.headers.get('x-multi')).toBe('a, b');
      expect(res.headers.get('x-number')).toBe('42');
    });

    it('setCookie sends one Set-Cookie header per cookie, with its options', async () => {
      const res = await fetch(`${url}/cookies`);
      const cookies = res.headers.getSetCookie();
      expect(cookies).toHaveLength(3);
      const session = cookieParts(cookies[0] ?? '');
      expect(session.pair).toBe('session=abc%20123%3Bx');
      expect(session.attributes).toEqual(
        expect.arrayContaining(['Max-Age=3600', 'Domain=example.com', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict']),
      );
      expect(session.attributes).toHaveLength(6);
      expect(cookieParts(cookies[1] ?? '')).toEqual({ pair: 'theme=dark', attributes: [] });
    });

    it('clearCookie expires the cookie on the client', async () => {
      const res = await fetch(`${url}/cookies`);
      const cleared = cookieParts(res.headers.getSetCookie()[2] ?? '');
      expect(cleared.pair).toBe('old=');
      expect(cleared.attributes).toContain('Max-Age=0');
      expect(cleared.attributes).toContain('Path=/app');
    });

    it('a cookie name with ";" is rejected', async () => {
      expect(() => new HttpResponse().setCookie('bad;name', 'x')).toThrow(TypeError);
      expect(() => new HttpResponse().setCookie('bad name', 'x')).toThrow(TypeError);
      expect(() => new HttpResponse().setCookie('ok', 'x', { path: '/; Domain=evil.example' })).toThrow(TypeError);
      // Over the wire the handler's error becomes a 500 and no cookie is set.
      const res = await fetch(`${url}/bad-cookie`);
      expect(res.status).toBe(500);
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it('Content-Length counts bytes, not characters, for unicode text and JSON', async () => {
      const text = await fetch(`${url}/sync/string`);
      expect(text.headers.get('content-length')).toBe(String(Buffer.byteLength(unicode)));
      expect(await text.text()).toBe(unicode);
      const json = await fetch(`${url}/unicode-json`);
      expect(json.headers.get('content-length')).toBe(String(Buffer.byteLength(JSON.stringify({ text: unicode }))));
      expect(await json.json()).toEqual({ text: unicode });
    });
  });
});
