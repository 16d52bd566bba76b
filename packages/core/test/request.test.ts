import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpServer, type HttpRequest } from '@sluice/core';
import { startHost, deferred, within, asRecord, type StartedHost, type Deferred } from '../../../test/support/host.js';
import { RawConnection, destroyRawSockets } from '../../../test/support/raw.js';

const maxBodySize = 64 * 1024;

describe('HttpRequest', () => {
  let main: StartedHost;
  let proxied: StartedHost;
  let hops: StartedHost;
  let url: string;

  // Per-test signals from the handlers below.
  let entered: Deferred<void> = deferred();
  let outcome: Deferred<unknown> = deferred();

  beforeAll(async () => {
    main = await startHost(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.maxBodySize = maxBodySize;
      }),
    );
    url = main.url;
    const r = main.host.router;
    r.get('/query', (req) => ({
      isURLSearchParams: req.query instanceof URLSearchParams,
      a: req.query.getAll('a'),
      b: req.query.get('b'),
      c: req.query.get('c'),
      missing: req.query.get('missing'),
      path: req.path,
      url: req.url,
      method: req.method,
    }));
    r.get('/params/:first/and/<second>', (req) => ({ ...req.params }));
    r.get('/header', (req) => ({
      lower: req.header('x-custom') ?? null,
      upper: req.header('X-CUSTOM') ?? null,
      mixed: req.header('X-Custom') ?? null,
      missing: req.header('x-missing') ?? null,
      fromHeaders: req.headers['x-custom'] ?? null,
    }));
    r.get('/cookies', (req) => ({ ...req.cookies }));
    r.post('/text', async (req) => ({ text: await req.text() }));
    r.post('/json', async (req) => ({ received: await req.json() }));
    r.post('/form', async (req) => {
      const form = await req.form();
      const result: Record<string, unknown> = {};
      for (const [key, value] of form.entries()) {
        result[key] = typeof value === 'string' ? value : { name: value.name, type: value.type, text: await value.text() };
      }
      return result;
    });
    r.post('/bytes', async (req) => await req.bytes());
    r.post('/upload', async (req) => ({ received: (await req.bytes()).byteLength }));
    r.get('/id', (req) => ({ id: req.id, again: req.id }));
    r.get('/ip', (req) => ({ remoteAddress: req.remoteAddress }));
    r.get('/wait-for-abort', async (req) => {
      const signal = req.signal;
      entered.resolve();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      outcome.resolve({ aborted: signal.aborted, reason: signal.reason instanceof Error ? signal.reason.name : String(signal.reason) });
      return 'too late';
    });
    r.post('/slow-body', async (req) => {
      entered.resolve();
      try {
        const text = await req.text();
        outcome.resolve(`read ${text.length} bytes`);
        return text;
      } catch (error) {
        outcome.resolve(error);
        throw error;
      }
    });

    proxied = await startHost(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.requestIdHeader = 'X-Request-Id';
        c.trustProxy = true;
      }),
    );
    proxied.host.router.get('/id', (req) => ({ id: req.id }));
    proxied.host.router.get('/ip', (req: HttpRequest) => ({ remoteAddress: req.remoteAddress, protocol: req.protocol }));

    hops = await startHost(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.trustProxy = 1;
      }),
    );
    hops.host.router.get('/ip', (req) => ({ remoteAddress: req.remoteAddress }));
  });

  afterEach(() => {
    destroyRawSockets();
    entered = deferred();
    outcome = deferred();
  });

  afterAll(async () => {
    destroyRawSockets();
    await Promise.all([main?.stop(), proxied?.stop(), hops?.stop()]);
  });

  describe('url, query, params, headers, cookies', () => {
    it('req.query is a URLSearchParams over the query string', async () => {
      const body = await (await fetch(`${url}/query?a=1&a=2&b=x%20y&c=caf%C3%A9`)).json();
      expect(body).toEqual({
        isURLSearchParams: true,
        a: ['1', '2'],
        b: 'x y',
        c: 'café',
        missing: null,
        path: '/query',
        url: '/query?a=1&a=2&b=x%20y&c=caf%C3%A9',
        method: 'GET',
      });
    });

    it('req.query is empty without a query string', async () => {
      const body = asRecord(await (await fetch(`${url}/query`)).json());
      expect(body.isURLSearchParams).toBe(true);
      expect(body.a).toEqual([]);
      expect(body.b).toBeNull();
    });

    it('req.params holds the route parameters (:name and <name>), decoded', async () => {
      const body = await (await fetch(`${url}/params/one%20two/and/%C3%BC`)).json();
      expect(body).toEqual({ first: 'one two', second: 'ü' });
    });

    it('req.header(name) is case-insensitive', async () => {
      const body = await (await fetch(`${url}/header`, { headers: { 'X-Custom': 'value-1' } })).json();
      expect(body).toEqual({ lower: 'value-1', upper: 'value-1', mixed: 'value-1', missing: null, fromHeaders: 'value-1' });
    });

    it('req.cookies parses the Cookie header, percent-decoding values', async () => {
      const body = await (
        await fetch(`${url}/cookies`, { headers: { cookie: 'session=abc123; theme=dark; greeting=hello%20world' } })
      ).json();
      expect(body).toEqual({ session: 'abc123', theme: 'dark', greeting: 'hello world' });
    });

    it('req.cookies is empty without a Cookie header', async () => {
      expect(await (await fetch(`${url}/cookies`)).json()).toEqual({});
    });
  });

  describe('body', () => {
    it('text() reads the body as UTF-8', async () => {
      const res = await fetch(`${url}/text`, { method: 'POST', body: 'héllo wörld ✓' });
      expect(await res.json()).toEqual({ text: 'héllo wörld ✓' });
    });

    it('json() parses a JSON body', async () => {
      const payload = { name: 'Ada', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } };
      const res = await fetch(`${url}/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: payload });
    });

    it('json() on malformed JSON gives 400 with code SLUICE_BODY_INVALID_JSON', async () => {
      const res = await fetch(`${url}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ' });
      expect(res.status).toBe(400);
      const body = asRecord(await res.json());
      expect(body.statusCode).toBe(400);
      expect(body.code).toBe('SLUICE_BODY_INVALID_JSON');
    });

    it('json() on an empty body gives 400', async () => {
      const res = await fetch(`${url}/json`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      const body = asRecord(await res.json());
      expect(body.statusCode).toBe(400);
      expect(body.error).toBe('Bad Request');
    });

    it('form() parses an application/x-www-form-urlencoded body', async () => {
      const res = await fetch(`${url}/form`, { method: 'POST', body: new URLSearchParams({ name: 'Ada Lovelace', lang: 'en&fr' }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ name: 'Ada Lovelace', lang: 'en&fr' });
    });

    it('form() parses a multipart/form-data body with a file', async () => {
      const form = new FormData();
      form.append('name', 'Ada');
      form.append('file', new Blob(['file contents ✓'], { type: 'text/plain' }), 'notes.txt');
      const res = await fetch(`${url}/form`, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      const body = asRecord(await res.json());
      expect(body.name).toBe('Ada');
      expect(body.file).toEqual({ name: 'notes.txt', type: expect.stringMatching(/^text\/plain/), text: 'file contents ✓' });
    });

    it('form() on another content type gives 415', async () => {
      const res = await fetch(`${url}/form`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=Ada' });
      expect(res.status).toBe(415);
      const body = asRecord(await res.json());
      expect(body.statusCode).toBe(415);
    });

    it('bytes() returns the body bytes unchanged', async () => {
      const sent = new Uint8Array([0, 1, 2, 127, 128, 254, 255, 13, 10]);
      const res = await fetch(`${url}/bytes`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: sent });
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(sent);
    });

    it('a body up to maxBodySize is accepted', async () => {
      const res = await fetch(`${url}/upload`, { method: 'POST', body: 'x'.repeat(maxBodySize) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: maxBodySize });
    });

    it('a declared Content-Length over maxBodySize gets 413 before any body byte is sent', async () => {
      const connection = await RawConnection.open(main.host);
      // Headers only: the body never comes, so a 413 can only be an answer to the declared length.
      connection.send(
        `POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: ${maxBodySize * 16}\r\n\r\n`,
      );
      const res = await connection.readResponse(5000);
      expect(res.status).toBe(413);
      const body = asRecord(JSON.parse(res.body));
      expect(body.statusCode).toBe(413);
      expect(body.code).toBe('SLUICE_BODY_TOO_LARGE');
    });

    it('a chunked body (no Content-Length) gets 413 as soon as it passes maxBodySize while streaming', async () => {
      const connection = await RawConnection.open(main.host);
      connection.send(`POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = 'a'.repeat(4096);
      const cap = maxBodySize * 32;
      let sent = 0;
      // The terminating zero-size chunk is never sent: only the running count can trigger the 413.
      while (sent < cap && connection.received === '' && !connection.closed) {
        connection.send(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        sent += chunk.length;
        await sleep(2);
      }
      const res = await connection.readResponse(5000);
      expect(res.status).toBe(413);
      expect(asRecord(JSON.parse(res.body)).code).toBe('SLUICE_BODY_TOO_LARGE');
      expect(sent).toBeGreaterThan(maxBodySize);
      expect(sent).toBeLessThan(cap);
    });

    it('the server keeps serving after a 413', async () => {
      const res = await fetch(`${url}/text`, { method: 'POST', body: 'still here' });
      expect(await res.json()).toEqual({ text: 'still here' });
    });
  });

  describe('id and remote address', () => {
    it('req.id is generated, stable within a request and unique across requests', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const body = (await (await fetch(`${url}/id`)).json()) as { id: string; again: string };
        expect(typeof body.id).toBe('string');
        expect(body.id.length).toBeGreaterThan(0);
        expect(body.again).toBe(body.id);
        ids.add(body.id);
      }
      expect(ids.size).toBe(5);
    });

    it('req.id ignores X-Request-Id unless requestIdHeader is configured', async () => {
      const body = (await (await fetch(`${url}/id`, { headers: { 'x-request-id': 'client-chosen-id' } })).json()) as { id: string };
      expect(body.id).not.toBe('client-chosen-id');
    });

    it('req.id is taken from the configured requestIdHeader when present', async () => {
      const given = (await (await fetch(`${proxied.url}/id`, { headers: { 'x-request-id': 'req-abc-123' } })).json()) as { id: string };
      expect(given.id).toBe('req-abc-123');
      const generated = (await (await fetch(`${proxied.url}/id`)).json()) as { id: string };
      expect(generated.id.length).toBeGreaterThan(0);
      expect(generated.id).not.toBe('req-abc-123');
    });

    it('req.remoteAddress is the socket address, ignoring X-Forwarded-For without trustProxy', async () => {
      const body = await (await fetch(`${url}/ip`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).json();
      expect(body).toEqual({ remoteAddress: '127.0.0.1' });
    });

    it('with trustProxy = true, req.remoteAddress is the left-most X-Forwarded-For address', async () => {
      const body = await (
        await fetch(`${proxied.url}/ip`, { headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1', 'x-forwarded-proto': 'https' } })
      ).json();
      expect(body).toEqual({ remoteAddress: '203.0.113.7', protocol: 'https' });
      const direct = await (await fetch(`${proxied.url}/ip`)).json();
      expect(direct).toEqual({ remoteAddress: '127.0.0.1', protocol: 'http' });
    });

    it('with trustProxy = 1 (one proxy), req.remoteAddress is the address that proxy saw', async () => {
      const body = await (await fetch(`${hops.url}/ip`, { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' } })).json();
      expect(body).toEqual({ remoteAddress: '203.0.113.7' });
    });
  });

  describe('client disconnects', () => {
    it('req.signal is aborted when the client disconnects mid-request', async () => {
      const connection = await RawConnection.open(main.host);
      connection.send('GET /wait-for-abort HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await within(entered.promise, 5000, 'the handler to start');
      connection.destroy();
      // A generous bound: the abort must come from the disconnect, not from the 30 s request timeout.
      const result = await within(outcome.promise, 5000, 'req.signal to abort');
      expect(result).toEqual({ aborted: true, reason: 'AbortError' });
    });

    it('a client that disconnects mid-body makes the body read fail, and the server keeps serving', async () => {
      const connection = await RawConnection.open(main.host);
      connection.send('POST /slow-body HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(100));
      await within(entered.promise, 5000, 'the handler to start');
      connection.destroy();
      const result = await within(outcome.promise, 5000, 'the body read to settle');
      expect(result).toBeInstanceOf(Error);
      const res = await fetch(`${url}/text`, { method: 'POST', body: 'next request' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ text: 'next request' });
    });
  });
});
