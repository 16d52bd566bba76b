import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpServer, HttpResponse, type ServerConfiguration } from '@sluice/core';
import { startHost, type StartedHost } from '../../../test/support/host.js';
import { nodeRequest } from './helpers/http.js';

const allowed = 'https://a.example';
const other = 'https://evil.example';

/** A JSON document of a bit over 2 KB. */
const bigDocument = {
  items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item number ${i}`, description: 'a compressible description' })),
};
const bigJson = JSON.stringify(bigDocument);

function corsHeaderNames(headers: IncomingHttpHeaders): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

function varyTokens(headers: IncomingHttpHeaders): string[] {
  const vary = headers['vary'];
  return (vary ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter(Boolean);
}

async function startWithRoutes(configure: (c: ServerConfiguration) => void): Promise<StartedHost> {
  const started = await startHost(HttpServer.createBuilder().useConfiguration(configure));
  const r = started.host.router;
  r.get('/items', () => ({ ok: true }));
  r.put('/items', () => ({ updated: true }));
  r.get('/big', () => bigDocument);
  r.get('/big-text', () => HttpResponse.text(bigJson));
  r.get('/small', () => ({ small: true }));
  r.get('/png', () => new HttpResponse(200, new Uint8Array(4096), { 'content-type': 'image/png' }));
  return started;
}

describe('CORS', () => {
  let plain: StartedHost;
  let list: StartedHost;
  let star: StartedHost;
  let credentials: StartedHost;

  beforeAll(async () => {
    plain = await startWithRoutes(() => {});
    list = await startWithRoutes((c) => {
      c.cors = { origins: [allowed], maxAge: 600, exposeHeaders: ['X-Total'] };
    });
    star = await startWithRoutes((c) => {
      c.cors = { origins: '*' };
    });
    credentials = await startWithRoutes((c) => {
      c.cors = { origins: [allowed], credentials: true };
    });
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), list?.stop(), star?.stop(), credentials?.stop()]);
  });

  it('without a CORS policy no access-control-* headers are sent', async () => {
    const res = await nodeRequest(`${plain.url}/items`, { headers: { origin: allowed } });
    expect(res.status).toBe(200);
    expect(corsHeaderNames(res.headers)).toEqual([]);
    const preflight = await nodeRequest(`${plain.url}/items`, {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'PUT' },
    });
    expect(corsHeaderNames(preflight.headers)).toEqual([]);
  });

  it('an allowed origin gets Access-Control-Allow-Origin and Vary: Origin', async () => {
    const res = await nodeRequest(`${list.url}/items`, { headers: { origin: allowed } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(varyTokens(res.headers)).toContain('origin');
    expect(res.headers['access-control-expose-headers']).toBe('X-Total');
  });

  it('a disallowed origin gets no CORS headers', async () => {
    const res = await nodeRequest(`${list.url}/items`, { headers: { origin: other } });
    expect(res.status).toBe(200);
    expect(corsHeaderNames(res.headers)).toEqual([]);
  });

  it('with a list of origins, every response varies by Origin (also for disallowed or absent origins), so caches keep them apart', async () => {
    // Otherwise a shared cache may store the answer without Access-Control-Allow-Origin
    // (no Origin, or another origin) and serve it to the allowed origin, which then fails.
    const disallowed = await nodeRequest(`${list.url}/items`, { headers: { origin: other } });
    expect(varyTokens(disallowed.headers)).toContain('origin');
    const none = await nodeRequest(`${list.url}/items`);
    expect(varyTokens(none.headers)).toContain('origin');
  });

  it('a request without Origin gets no CORS headers', async () => {
    const res = await nodeRequest(`${list.url}/items`);
    expect(corsHeaderNames(res.headers)).toEqual([]);
  });

  it('error responses carry the CORS headers too, so the browser can read them', async () => {
    const res = await nodeRequest(`${list.url}/missing`, { headers: { origin: allowed } });
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
  });

  it('a preflight OPTIONS answers 204 with allow-methods, allow-headers and max-age', async () => {
    const res = await nodeRequest(`${list.url}/items`, {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-token' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    const methods = (res.headers['access-control-allow-methods'] ?? '').split(',').map((m) => m.trim());
    expect(methods).toEqual(expect.arrayContaining(['GET', 'PUT']));
    const allowHeaders = (res.headers['access-control-allow-headers'] ?? '')
      .toLowerCase()
      .split(',')
      .map((h) => h.trim());
    expect(allowHeaders).toEqual(expect.arrayContaining(['content-type', 'x-token']));
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.body.byteLength).toBe(0);
  });

  it('a preflight from a disallowed origin gets no CORS headers', async () => {
    const res = await nodeRequest(`${list.url}/items`, {
      method: 'OPTIONS',
      headers: { origin: other, 'access-control-request-method': 'PUT' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it("origins: '*' allows any origin with Access-Control-Allow-Origin: *", async () => {
    const res = await nodeRequest(`${star.url}/items`, { headers: { origin: other } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('credentials: true echoes the origin and sends Access-Control-Allow-Credentials', async () => {
    const res = await nodeRequest(`${credentials.url}/items`, { headers: { origin: allowed } });
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(varyTokens(res.headers)).toContain('origin');
    const preflight = await nodeRequest(`${credentials.url}/items`, {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'PUT' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
  });
});

describe('compression', () => {
  let off: StartedHost;
  let on: StartedHost;

  beforeAll(async () => {
    off = await startWithRoutes(() => {});
    on = await startWithRoutes((c) => {
      c.compression = {};
    });
  });
  afterAll(async () => {
    await Promise.all([off?.stop(), on?.stop()]);
  });

  it('is off by default', async () => {
    const res = await nodeRequest(`${off.url}/big`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString('utf8'))).toEqual(bigDocument);
  });

  it('gzips a 2 KB JSON body when the client accepts gzip', async () => {
    expect(bigJson.length).toBeGreaterThan(2048);
    const res = await nodeRequest(`${on.url}/big`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Number(res.headers['content-length'])).toBe(res.body.byteLength);
    expect(res.body.byteLength).toBeLessThan(bigJson.length);
    expect(gunzipSync(res.body).toString('utf8')).toBe(bigJson);
    expect(varyTokens(res.headers)).toContain('accept-encoding');
  });

  it('prefers br when the client accepts it', async () => {
    const res = await nodeRequest(`${on.url}/big`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(res.body).toString('utf8')).toBe(bigJson);
  });

  it('compresses text responses too', async () => {
    const res = await nodeRequest(`${on.url}/big-text`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.body).toString('utf8')).toBe(bigJson);
  });

  it('honours q=0 (an encoding the client refuses is not used)', async () => {
    const res = await nodeRequest(`${on.url}/big`, { headers: { 'accept-encoding': 'br;q=0, gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('does not compress small bodies', async () => {
    const res = await nodeRequest(`${on.url}/small`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ small: true });
  });

  it('does not compress already-compressed types (image/png)', async () => {
    const res = await nodeRequest(`${on.url}/png`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.byteLength).toBe(4096);
  });

  it('sends Vary: Accept-Encoding on a compressible body even when the client accepts no encoding', async () => {
    const res = await nodeRequest(`${on.url}/big`);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString('utf8'))).toEqual(bigDocument);
    expect(varyTokens(res.headers)).toContain('accept-encoding');
  });
});
